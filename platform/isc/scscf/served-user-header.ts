/**
 * P-Served-User as the S-CSCF sends it to a trusted AS (RFC 5502 §6, ABNF corrected by
 * RFC 8498): one value, name-addr form (always safe: the addr-spec may contain `;`),
 * `sescase=orig|term` and `regstate=reg|unreg`.
 */
export type SessionDirection = 'originating' | 'terminating';

export function pServedUserValue(servedUser: string, direction: SessionDirection, registered: boolean): string {
  return `<${servedUser}>;sescase=${direction === 'originating' ? 'orig' : 'term'};regstate=${registered ? 'reg' : 'unreg'}`;
}
