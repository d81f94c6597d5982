/**
 * SIP responses the UA core received, as engines see them (plain data, platform/services):
 * `ServiceResponse` and, for a failed leg, the CPL-style `BranchOutcome` (RFC 3880 §6.1).
 * Kept apart from services-stage.ts so that the stage can import the UA service without an
 * import cycle.
 */
import { classifyOutcome, type BranchOutcome, type ServiceResponse, type ServiceTarget } from '../services/decision.js';
import { formatUri, paramText, type SipResponse } from '../sip/index.js';

export function toUaServiceResponse(response: SipResponse, locallyGenerated = false): ServiceResponse {
  const contentType = response.getHeader('Content-Type');
  return {
    status: response.status,
    reason: response.reason,
    headers: response.headerFields.map((field) => ({ name: field.name, value: field.value })),
    ...(response.body.length > 0 ? { body: { contentType: contentType ?? 'application/octet-stream', content: response.body } } : {}),
    ...(locallyGenerated ? { locallyGenerated } : {}),
  };
}

/** The outcome of a leg that ended with `response` (`locallyGenerated`: our own 408/503). */
export function toUaOutcome(response: SipResponse, locallyGenerated: boolean): BranchOutcome {
  const serviceResponse = toUaServiceResponse(response, locallyGenerated);
  const { status, reason } = response;
  const timedOut = locallyGenerated && status === 408;
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
