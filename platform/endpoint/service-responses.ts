/**
 * SIP responses as engines see them (plain data, platform/services): `ServiceResponse` and the
 * CPL-style `BranchOutcome` (RFC 3880 §6.1) of a proxy branch or a UA leg. One place for the
 * services stage, the ISC stage and the UA service.
 */
import { classifyOutcome, type BranchOutcome, type ServiceResponse, type ServiceTarget } from '../services/decision.js';
import type { ContextOutcome } from '../proxy/response-context.js';
import { formatUri, paramText, type SipResponse } from '../sip/index.js';

export function toServiceResponse(response: SipResponse, locallyGenerated = false): ServiceResponse {
  const contentType = response.getHeader('Content-Type');
  return {
    status: response.status,
    reason: response.reason,
    headers: response.headerFields.map((field) => ({ name: field.name, value: field.value })),
    ...(response.body.length > 0 ? { body: { contentType: contentType ?? 'application/octet-stream', content: response.body } } : {}),
    ...(locallyGenerated ? { locallyGenerated } : {}),
  };
}

/** The outcome of a branch or leg that ended with `response` (`locallyGenerated`: our own
 *  408/503; `timedOut`: nobody answered in time). */
export function branchOutcomeOf(response: SipResponse, { locallyGenerated, timedOut }: { locallyGenerated: boolean; timedOut: boolean }): BranchOutcome {
  const serviceResponse = toServiceResponse(response, locallyGenerated);
  const { status, reason } = response;
  const kind = classifyOutcome(status, timedOut);
  switch (kind) {
    case 'success':
      return { kind, status, response: serviceResponse };
    case 'busy':
    case 'failure':
      return { kind, status, reason, response: serviceResponse };
    case 'noanswer':
      return { kind, status, reason, timedOut, response: serviceResponse };
    case 'redirection':
      return { kind, status, reason, contacts: contactsOf(response), response: serviceResponse };
  }
}

function contactsOf(response: SipResponse): ServiceTarget[] {
  try {
    const contacts = response.contacts;
    if (contacts === '*') return [];
    return contacts.map((contact) => {
      const q = paramText(contact.params.get('q'));
      return q !== undefined && q !== '' ? { uri: formatUri(contact.uri), q: Number(q) } : { uri: formatUri(contact.uri) };
    });
  } catch {
    return []; // an unreadable Contact: a redirection without alternatives
  }
}

/** The proxy's outcome in CPL's terms (RFC 3880 §6.1). */
export function toBranchOutcome(outcome: ContextOutcome): BranchOutcome {
  return branchOutcomeOf(outcome.response, { locallyGenerated: outcome.noAnswer, timedOut: outcome.noAnswer });
}
