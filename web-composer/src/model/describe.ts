/** Plain-language sentences for builder blocks ("If the caller's host is in example.com"). */
import type { CplNode, CplOutput } from './cpl-model.js';
import { describeRecurrence } from './recurrence.js';

const FIELD: Record<string, string> = {
  origin: "the caller's address",
  destination: 'the dialled address',
  'original-destination': 'the address the caller wrote (To)',
};
const SUBFIELD: Record<string, string> = {
  'address-type': 'address type',
  user: 'user name',
  host: 'host',
  port: 'port',
  tel: 'phone number',
  display: 'display name',
  password: 'password',
  'alias-type': 'alias type',
};
const STRING_FIELD: Record<string, string> = { subject: 'the call subject', organization: "the caller's organization", 'user-agent': "the caller's phone software", display: 'the display text' };
const REJECT: Record<string, string> = { busy: 'busy', notfound: 'not found', reject: 'declined', error: 'error' };
const PROXY_OUTPUT: Record<string, string> = {
  busy: 'If busy',
  noanswer: 'If nobody answers',
  redirection: 'If redirected',
  failure: 'If it fails',
  default: 'In any other case',
};

export function nodeTitle(node: CplNode): string {
  const a = node.attrs;
  switch (node.kind) {
    case 'address-switch': {
      const field = FIELD[a.field ?? ''] ?? `the ${a.field ?? '?'} address`;
      return a.subfield ? `Check the ${SUBFIELD[a.subfield] ?? a.subfield} of ${field}` : `Check ${field}`;
    }
    case 'string-switch':
      return `Check ${STRING_FIELD[a.field ?? ''] ?? a.field ?? '?'}`;
    case 'language-switch':
      return "Check the caller's languages";
    case 'time-switch':
      return `Check the time${a.tzid ? ` (${a.tzid})` : ' (server time zone)'}`;
    case 'priority-switch':
      return 'Check the call priority';
    case 'location':
      return `Add ${a.url ?? '?'} to the phones to ring${a.clear === 'yes' ? ' (instead of the others)' : ''}`;
    case 'lookup':
      return a.source === 'registration' ? 'Find my registered phones' : `Look up locations at ${a.source ?? '?'}`;
    case 'remove-location':
      return a.location ? `Don't ring ${a.location}` : 'Forget all phones to ring';
    case 'proxy': {
      const ordering = a.ordering === 'sequential' ? ' one after another' : a.ordering === 'first-only' ? ' (first only)' : '';
      return `Ring the phones${ordering}${a.timeout ? ` for ${a.timeout} s` : ''}`;
    }
    case 'redirect':
      return `Tell the caller to call the phones directly${a.permanent === 'yes' ? ' (permanently)' : ''}`;
    case 'reject':
      return `Refuse the call: ${REJECT[a.status ?? ''] ?? a.status ?? '?'}${a.reason ? ` ("${a.reason}")` : ''}`;
    case 'mail':
      return `Send an e-mail to ${(a.url ?? '').replace(/^mailto:/i, '').split('?')[0] || '?'}`;
    case 'log':
      return `Write to my ${a.name ? `"${a.name}" ` : ''}log${a.comment ? `: ${a.comment}` : ''}`;
    case 'sub':
      return `Go to "${a.ref ?? '?'}"`;
    case 'extension':
      return `Extension <${node.qname ?? '?'}> (edit in XML)`;
  }
}

export function outputTitle(output: CplOutput, parent: CplNode): string {
  const a = output.attrs;
  if (output.kind === 'otherwise') return 'Otherwise';
  if (output.kind === 'not-present') return parent.kind === 'address-switch' ? 'If that part of the address is missing' : 'If the call does not say';
  switch (output.kind) {
    case 'address':
    case 'string': {
      const [op, value] = a['subdomain-of'] !== undefined ? ['is in', a['subdomain-of']] : a.contains !== undefined ? ['contains', a.contains] : ['is', a.is];
      const extra = Object.keys(a).filter((k) => !['is', 'contains', 'subdomain-of'].includes(k));
      return `If it ${op} "${value ?? extra.map((k) => `${k}=${a[k]}`).join(' ')}"`;
    }
    case 'language':
      return `If the caller speaks ${a.matches ?? '?'}`;
    case 'time':
      return describeRecurrence(a);
    case 'priority': {
      const [op, value] = a.less ? ['lower than', a.less] : a.greater ? ['higher than', a.greater] : ['', a.equal];
      return `If the priority is ${op ? `${op} ` : ''}${value ?? '?'}`;
    }
    case 'success':
      return 'If found';
    case 'notfound':
      return 'If not found';
    case 'failure':
      return parent.kind === 'lookup' ? 'If the lookup fails' : PROXY_OUTPUT.failure as string;
    default:
      return PROXY_OUTPUT[output.kind] ?? output.kind;
  }
}
