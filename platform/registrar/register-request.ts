/**
 * Reading a REGISTER (RFC 3261 §10.2, §10.3 steps 6–7): what it asks for — a query, removing
 * every binding, or a list of contacts with the expiry and q the registrar grants. Pure: the
 * registrar applies the result.
 */
import { formatUri, paramText, SipParseException, type HeaderField, type NameAddr, type SipRequest } from '../sip/index.js';
import type { RegistrarConfig } from './registrar-config.js';

export interface RequestedContact {
  /** The Contact URI as written, header parameters excluded. */
  uri: string;
  /** Granted expiry in seconds; 0 removes the binding. */
  expires: number;
  q?: number;
  /** `+sip.instance` without its quotes (RFC 5626 §4.1). */
  instanceId?: string;
  regId?: number;
}

export type RegisterIntent =
  | { kind: 'query' }
  | { kind: 'remove-all' }
  | { kind: 'update'; contacts: RequestedContact[] }
  | { kind: 'reject'; status: number; reason: string; headers?: HeaderField[] };

type ExpiryPolicy = Pick<RegistrarConfig, 'minExpires' | 'maxExpires' | 'defaultExpires'>;

const MAX_DELTA_SECONDS = 0xffffffff;

export function readRegister(request: SipRequest, policy: ExpiryPolicy): RegisterIntent {
  let contacts: NameAddr[] | '*';
  try {
    contacts = request.contacts;
  } catch (error) {
    return reject(400, error instanceof SipParseException ? error.error.reason : 'Bad Contact');
  }
  const headerExpires = readExpiresHeader(request);

  if (contacts === '*') {
    // §10.3 step 6: "If the request has additional Contact fields or an expiration time other
    // than zero, the request is invalid, and the server MUST return a 400 (Invalid Request)".
    // (Additional Contact values next to "*" already failed to parse above.)
    if (headerExpires !== 0) return reject(400, 'Invalid Request: Contact * requires Expires: 0');
    return { kind: 'remove-all' };
  }
  // §10.2.3: a REGISTER without Contact asks for the current bindings.
  if (contacts.length === 0) return { kind: 'query' };

  const requested: RequestedContact[] = [];
  let tooBrief = false;
  for (const contact of contacts) {
    // §10.3 step 7: the Contact's expires parameter, else the Expires header, else the default.
    const asked = readDelta(contact.params.get('expires')) ?? headerExpires ?? policy.defaultExpires;
    // §10.3 step 7: "If and only if the requested expiration interval is greater than zero AND
    // smaller than one hour AND less than a registrar-configured minimum, the registrar MAY
    // reject the registration with a response of 423". We apply the configured minimum.
    if (asked > 0 && asked < policy.minExpires) tooBrief = true;
    const expires = Math.min(asked, policy.maxExpires);

    const qText = paramText(contact.params.get('q'));
    let q: number | undefined;
    if (qText !== undefined) {
      q = parseQ(qText);
      if (q === undefined) return reject(400, `Bad q-value "${qText.slice(0, 20)}" in Contact`);
    }
    const entry: RequestedContact = { uri: formatUri(contact.uri), expires };
    if (q !== undefined) entry.q = q;
    const instance = paramText(contact.params.get('+sip.instance'));
    if (instance !== undefined && instance.length > 0) entry.instanceId = instance;
    const regId = readDelta(contact.params.get('reg-id'));
    if (regId !== undefined) entry.regId = regId;
    requested.push(entry);
  }
  if (tooBrief) {
    return reject(423, 'Interval Too Brief', [{ name: 'Min-Expires', value: String(policy.minExpires) }]);
  }
  return { kind: 'update', contacts: requested };
}

/**
 * The Expires header as delta-seconds; undefined when absent or malformed (§20.19: a malformed
 * value "SHOULD be treated as equivalent to 3600" — here, the registrar's default).
 */
function readExpiresHeader(request: SipRequest): number | undefined {
  const value = request.getHeader('Expires');
  return value === undefined ? undefined : readDelta(value.trim());
}

/** delta-seconds (§25.1: 1*DIGIT); values past 2^32-1 are taken as 2^32-1 (§20.19). */
function readDelta(value: string | null | undefined): number | undefined {
  const text = paramText(value);
  if (text === undefined || !/^\d+$/u.test(text.trim())) return undefined;
  return Math.min(Number(text.trim()), MAX_DELTA_SECONDS);
}

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (§25.1). */
export function parseQ(text: string): number | undefined {
  if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/u.test(text.trim())) return undefined;
  return Number(text.trim());
}

function reject(status: number, reason: string, headers?: HeaderField[]): RegisterIntent {
  return headers ? { kind: 'reject', status, reason, headers } : { kind: 'reject', status, reason };
}
