/**
 * The checks parseMessage runs on every message (RFC 3261 §8.2, §16.3 step 1, RFC 4475): the
 * headers every element needs are present, not duplicated (§7.3.1), and well-formed enough to
 * answer the request; CSeq names the request's method. Via, From and To get shape checks here
 * and are parsed when first read.
 */
import type { Field } from './header-field.js';
import type { SipMessage } from './message.js';
import type { SipRequest } from './sip-request.js';
import { Fault, sipError, type ParseErrorCode } from './parse-errors.js';
import { checkCallId, parseCSeq, parseMaxForwards } from './scalars.js';
import { COOKIE_ONLY_BRANCH, nameAddrShape, viaListShape } from './shape-checks.js';
import { STANDARD_METHODS } from './start-line.js';
import type { SipParseError } from './types.js';

/** From / To: shaped like a name-addr or addr-spec (parsed when read). */
function shapeCheck(value: string, header: string, badCode: ParseErrorCode, errors: SipParseError[]): void {
  const fault = nameAddrShape(value);
  if (fault !== undefined) errors.push(sipError(badCode, `${fault} in ${header}`));
}

const HEADER_LABEL: Record<string, string> = {
  'from': 'From', 'to': 'To', 'call-id': 'Call-ID', 'cseq': 'CSeq', 'max-forwards': 'Max-Forwards',
};

/** The checks every element needs before it can process or answer the message. */
export function checkMandatory(message: SipMessage, fields: Field[], errors: SipParseError[]): void {
  let via = 0;
  let from = 0;
  let to = 0;
  let callId: string | undefined;
  let callIds = 0;
  let cseq: string | undefined;
  let cseqs = 0;
  let maxForwards: string | undefined;
  let maxForwardses = 0;
  let viaBroken = false;
  // One pass: count, and shape-check Via, From and To (they are parsed when read).
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    switch (field.key) {
      case 'via': {
        if (viaBroken) break;
        const fault = viaListShape(field.value, 0, via++ === 0);
        if (fault === COOKIE_ONLY_BRANCH) {
          // RFC 4475 §3.2.1: the magic cookie alone carries no transaction id; reject statelessly.
          errors.push(sipError('bad-branch', COOKIE_ONLY_BRANCH));
        } else if (fault !== undefined) {
          errors.push(sipError('bad-via', `${fault} in Via`));
          viaBroken = true;
        }
        break;
      }
      case 'from':
        if (from++ === 0) shapeCheck(field.value, 'From', 'bad-from', errors);
        break;
      case 'to':
        if (to++ === 0) shapeCheck(field.value, 'To', 'bad-to', errors);
        break;
      case 'call-id':
        if (callIds++ === 0) callId = field.value;
        break;
      case 'cseq':
        if (cseqs++ === 0) cseq = field.value;
        break;
      case 'max-forwards':
        if (maxForwardses++ === 0) maxForwards = field.value;
        break;
      default:
        break;
    }
  }
  if (via === 0) errors.push(sipError('missing-via', 'Missing Via'));
  if (from === 0) errors.push(sipError('missing-from', 'Missing From'));
  if (to === 0) errors.push(sipError('missing-to', 'Missing To'));
  // Call-ID, CSeq and Max-Forwards are checked on their values here and parsed again, into the
  // message's cache, when first read.
  try {
    if (callId === undefined) errors.push(sipError('missing-call-id', 'Missing Call-ID'));
    else checkCallId(callId);
  } catch (e) {
    fault(errors, e, 'bad-call-id', 'Call-ID');
  }
  try {
    if (cseq === undefined) {
      errors.push(sipError('missing-cseq', 'Missing CSeq'));
    } else {
      const method = parseCSeq(cseq).method;
      // §8.2 / RFC 4475 §3.1.2.17: the CSeq method must match the Request-Line method. For a
      // method we do not know, 501 is preferred (RFC 4475 §3.1.2.18).
      if (message.kind === 'request' && method !== (message as SipRequest).method) {
        const known = STANDARD_METHODS.has((message as SipRequest).method);
        errors.push(sipError('cseq-method-mismatch', 'CSeq method does not match request method', known ? 400 : 501));
      }
    }
  } catch (e) {
    fault(errors, e, 'bad-cseq', 'CSeq');
  }
  try {
    if (maxForwards !== undefined) parseMaxForwards(maxForwards);
  } catch (e) {
    fault(errors, e, 'bad-max-forwards', 'Max-Forwards');
  }
  // §7.3.1: these are not lists; two fields make the message ambiguous (RFC 4475 §3.3.8).
  if (from > 1 || to > 1 || callIds > 1 || cseqs > 1 || maxForwardses > 1) {
    const counts: Array<[string, number]> = [['from', from], ['to', to], ['call-id', callIds], ['cseq', cseqs], ['max-forwards', maxForwardses]];
    for (const [key, count] of counts) {
      if (count > 1) errors.push(sipError('duplicate-header', `Multiple ${HEADER_LABEL[key]} header fields`));
    }
  }
}

/** Record a syntax fault of a header as the error it becomes. */
function fault(errors: SipParseError[], e: unknown, code: ParseErrorCode, header: string): void {
  if (!(e instanceof Fault)) throw e;
  errors.push(sipError(code, `${e.detail} in ${header}`));
}

