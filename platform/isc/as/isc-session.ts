/**
 * Who is served and in which session case, as an AS on ISC determines it (TS 24.229
 * §5.7.1.3A; isc.md §6, §7, §15 items 1–2):
 *
 *  1. P-Served-User (RFC 5502 §6, corrected ABNF RFC 8498 §3): its URI is the served user;
 *     `sescase=orig|term` and `;orig-cdiv` give the session case, `regstate=reg|unreg` the
 *     registration state. The caller only asks for this when the request came from a trusted
 *     S-CSCF. A header repeated or holding several values is ignored (RFC 8498 §3: "MUST NOT
 *     contain multiple values").
 *  2. Without a session case from it: the `orig` parameter on our own Route entry (the iFC
 *     ServerName an operator provisioned, e.g. `sip:as.example.com;orig`; `term` likewise),
 *     then the `orig` parameter on the S-CSCF's Route (24.229 §5.4.3.1 — Clearwater marks its
 *     originating ODI Route so), then Kamailio ims_isc's own mark (`sip:iscmark@…;d=0|1|2;a=hex`,
 *     d = 0 originating, 1 terminating registered, 2 terminating unregistered; `a` = the served
 *     IMPU in hex), else terminating.
 *  3. Without a served user from P-Served-User (or the Kamailio mark): originating → the
 *     P-Asserted-Identity (a SIP URI one first, when the S-CSCF added a tel URI second), else
 *     From; terminating → the Request-URI.
 */
import { decodeUser, formatUri, paramText, parseNameAddr, type SipRequest, type SipUri, type Uri } from '../../sip/index.js';
import { SessionCase } from '../ifc-model.js';

export type IscDirection = 'originating' | 'terminating';

export interface IscSession {
  /** The served user's URI without parameters (`sip:bob@ims.example.com`, `tel:+15551230001`). */
  servedUser: string;
  /** The same as the AOR service engines key on: `user@host` (lower-case host); tel: as is. */
  aor: string;
  direction: IscDirection;
  /** The tDirectionOfRequest value (29.228): 0 orig reg, 1 term reg, 2 term unreg, 3 orig unreg, 4 orig-cdiv. */
  sessionCase: SessionCase;
  /** From regstate or the Kamailio mark; undefined when nothing said (taken as registered). */
  registered?: boolean;
  caseSource: 'P-Served-User' | 'own Route' | 'S-CSCF Route' | 'iscmark' | 'default';
  userSource: 'P-Served-User' | 'iscmark' | 'P-Asserted-Identity' | 'From' | 'Request-URI';
  /** Problems noticed on the way (ignored P-Served-User …), for the log. */
  warnings: string[];
}

interface ServedUserHeader {
  uri: Uri;
  direction?: IscDirection;
  cdiv: boolean;
  registered?: boolean;
}

export function determineIscSession(request: SipRequest, ownRoute: SipUri, scscfRoute: SipUri): IscSession | { error: string } {
  const warnings: string[] = [];
  const psu = readServedUserHeader(request, warnings);
  const mark = readKamailioMark(scscfRoute);

  let direction: IscDirection = 'terminating';
  let caseSource: IscSession['caseSource'] = 'default';
  let cdiv = false;
  if (psu?.direction) {
    direction = psu.direction;
    cdiv = psu.cdiv;
    caseSource = 'P-Served-User';
  } else if (ownRoute.params.has('orig') || ownRoute.params.has('term')) {
    direction = ownRoute.params.has('orig') ? 'originating' : 'terminating';
    caseSource = 'own Route';
  } else if (scscfRoute.params.has('orig')) {
    direction = 'originating';
    caseSource = 'S-CSCF Route';
  } else if (mark?.direction) {
    direction = mark.direction;
    caseSource = 'iscmark';
  }
  const registered = psu?.registered ?? mark?.registered;

  let user: Uri | undefined;
  let userSource: IscSession['userSource'];
  if (psu) {
    user = psu.uri;
    userSource = 'P-Served-User';
  } else if (mark?.user) {
    user = mark.user;
    userSource = 'iscmark';
  } else if (direction === 'originating') {
    const asserted = assertedIdentities(request, warnings);
    user = asserted.find((uri) => uri.kind === 'sip') ?? asserted[0];
    userSource = 'P-Asserted-Identity';
    if (!user) {
      try {
        user = request.from.uri;
        userSource = 'From';
      } catch {
        return { error: 'no served user: neither P-Asserted-Identity nor a readable From' };
      }
    }
  } else {
    user = request.uri;
    userSource = 'Request-URI';
  }

  const sessionCase = cdiv
    ? SessionCase.ORIGINATING_CDIV
    : direction === 'originating'
      ? registered === false
        ? SessionCase.ORIGINATING_UNREGISTERED
        : SessionCase.ORIGINATING_REGISTERED
      : registered === false
        ? SessionCase.TERMINATING_UNREGISTERED
        : SessionCase.TERMINATING_REGISTERED;
  return {
    servedUser: bareUri(user),
    aor: aorOf(user),
    direction,
    sessionCase,
    ...(registered !== undefined ? { registered } : {}),
    caseSource,
    userSource,
    warnings,
  };
}

/** RFC 5502 §6 P-Served-User, or undefined when absent or unusable (with a warning). */
export function readServedUserHeader(request: SipRequest, warnings: string[] = []): ServedUserHeader | undefined {
  const fields = request.headerFields.filter((field) => field.name.toLowerCase() === 'p-served-user');
  if (fields.length === 0) return undefined;
  if (fields.length > 1) {
    warnings.push('P-Served-User repeated (RFC 8498 §3 forbids it); ignored');
    return undefined;
  }
  let value;
  try {
    value = parseNameAddr((fields[0] as { value: string }).value);
  } catch {
    warnings.push('P-Served-User unreadable (several values, or not a name-addr/addr-spec); ignored');
    return undefined;
  }
  const sescase = paramText(value.params.get('sescase'))?.toLowerCase();
  const regstate = paramText(value.params.get('regstate'))?.toLowerCase();
  const cdiv = value.params.has('orig-cdiv');
  const out: ServedUserHeader = { uri: value.uri, cdiv };
  if (cdiv) out.direction = 'originating';
  else if (sescase === 'orig') out.direction = 'originating';
  else if (sescase === 'term') out.direction = 'terminating';
  else if (sescase !== undefined) warnings.push(`P-Served-User sescase=${sescase} unknown; session case taken from the Route`);
  if (regstate === 'reg') out.registered = true;
  else if (regstate === 'unreg') out.registered = false;
  return out;
}

/** Kamailio ims_isc's mark on the S-CSCF Route: `sip:iscmark@<my_uri>;lr;s=…;h=…;d=…;a=<hex>`. */
function readKamailioMark(uri: SipUri): { direction?: IscDirection; registered?: boolean; user?: Uri } | undefined {
  if (uri.user?.toLowerCase() !== 'iscmark') return undefined;
  const out: { direction?: IscDirection; registered?: boolean; user?: Uri } = {};
  const d = paramText(uri.params.get('d'));
  if (d === '0') out.direction = 'originating';
  else if (d === '1' || d === '2') out.direction = 'terminating';
  if (d === '2') out.registered = false;
  else if (d === '0' || d === '1') out.registered = true;
  const hex = paramText(uri.params.get('a'));
  if (hex && /^(?:[0-9a-fA-F]{2})+$/u.test(hex)) {
    try {
      out.user = parseNameAddr(Buffer.from(hex, 'hex').toString('utf8')).uri;
    } catch {
      // not a URI: ignored, the usual sources apply
    }
  }
  return out;
}

function assertedIdentities(request: SipRequest, warnings: string[]): Uri[] {
  const out: Uri[] = [];
  for (const value of request.getHeaders('P-Asserted-Identity')) {
    try {
      out.push(parseNameAddr(value).uri);
    } catch {
      warnings.push('unreadable P-Asserted-Identity value skipped');
    }
  }
  return out;
}

/** The URI without parameters or headers, as identities compare (isc.md §3.1). */
export function bareUri(uri: Uri): string {
  switch (uri.kind) {
    case 'sip': {
      const host = uri.hostIsIPv6 ? `[${uri.host}]` : uri.host;
      return `${uri.scheme}:${uri.user === undefined ? '' : `${uri.user}@`}${host}${uri.port === undefined ? '' : `:${uri.port}`}`;
    }
    case 'tel':
      return `tel:${uri.number}`;
    case 'absolute':
      return formatUri(uri);
  }
}

/** The AOR form ServiceCall uses (`user@domain`, platform/services/service-engine.ts). */
export function aorOf(uri: Uri): string {
  switch (uri.kind) {
    case 'sip': {
      const user = decodeUser(uri);
      const host = uri.host.toLowerCase();
      return user === undefined || user === '' ? host : `${user}@${host}`;
    }
    case 'tel':
      return `tel:${uri.number}`;
    case 'absolute':
      return `${uri.scheme}:${uri.opaque}`;
  }
}
