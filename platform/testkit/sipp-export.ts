/**
 * Exports the caller's side of a kit call as a SIPp UAC scenario (appserver spec §B.3: "export
 * of a scenario as a SIPp XML for load tests"): the request as the test sent it, the responses
 * the caller got (provisionals optional, the final one required), the ACK, and the caller's or
 * the callee's BYE — so a flow checked in milliseconds in the kit can be replayed against a
 * running server, e.g. `sipp -sf call.xml -m 1000 -r 50 127.0.0.1:5060`. Waits between the
 * caller's messages are the virtual ones, capped at `maxPauseMs`.
 */
import { formatUri } from '../sip/index.js';
import type { KitCall } from './kit-call.js';
import type { LadderEntry } from './ladder.js';
import { SERVER } from './network.js';

export interface SippExportOptions {
  /** The scenario's name (default from the request). */
  readonly name?: string;
  /** Longest pause kept from the virtual times (default 5000 ms). */
  readonly maxPauseMs?: number;
}

/** Header fields SIPp writes itself (keywords) or the scenario recomputes. */
const REWRITTEN = new Set(['via', 'max-forwards', 'from', 'to', 'call-id', 'cseq', 'contact', 'content-length', 'l', 'f', 't', 'i', 'm', 'v']);

export function toSippScenario(call: KitCall, ladder: readonly LadderEntry[], options: SippExportOptions = {}): string {
  const { request, caller, method } = call;
  const maxPause = options.maxPauseMs ?? 5000;
  const entries = ladder.filter((entry) => entry.callId === call.callId && (entry.from === caller || entry.to === caller));
  const fromValue = (request.getHeader('From') ?? '').replace(/;\s*tag=[^;]*/u, '');
  const to = request.getHeader('To') ?? '';
  const user = /sips?:([^@;>]+)@/u.exec(fromValue)?.[1] ?? 'sipp';
  const dialogHeaders = (cseq: string, target: string, routes: boolean): string[] => [
    `${target} SIP/2.0`,
    'Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]',
    ...(routes ? ['[routes]'] : []),
    'Max-Forwards: 70',
    `From: ${fromValue};tag=[pid]SIPpTag00[call_number]`,
    routes || cseq.endsWith('ACK') ? '[last_To:]' : `To: ${to}`,
    'Call-ID: [call_id]',
    `CSeq: ${cseq}`,
  ];
  const steps: string[] = [];
  let index = 0; // SIPp's message index: [branch-N] reaches N messages back
  const send = (lines: string[], retrans = false): void => {
    steps.push(`  <send${retrans ? ' retrans="500"' : ''}>\n    <![CDATA[\n${lines.map((line) => `      ${line}`).join('\n')}\n\n    ]]>\n  </send>`);
    index += 1;
  };
  const recv = (attributes: string): void => {
    steps.push(`  <recv ${attributes} />`);
    index += 1;
  };
  const pause = (ms: number): void => {
    if (ms <= 0) return;
    steps.push(`  <pause milliseconds="${Math.min(ms, maxPause)}" />`);
    index += 1;
  };

  const body = request.body.toString('utf8');
  const extra = request.headerFields.filter((field) => !REWRITTEN.has(field.name.toLowerCase()));
  send(
    [
      ...dialogHeaders(`1 ${method}`, `${method} ${formatUri(request.uri)}`, false),
      ...(method === 'INVITE' ? [`Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>`] : []),
      ...extra.map((field) => `${field.name}: ${field.value}`),
      body === '' ? 'Content-Length: 0' : 'Content-Length: [len]',
      ...(body === '' ? [] : ['', ...body.replace(/\r\n/gu, '\n').replace(/\n$/u, '').split('\n')]),
    ],
    true,
  );
  recv('response="100" optional="true"');
  let last = 0;
  let answered = false;
  for (const entry of entries) {
    if (entry.from === SERVER && entry.status !== undefined && entry.method === method) {
      if (entry.status < 200) {
        recv(`response="${entry.status}" optional="true"`);
        continue;
      }
      answered = entry.status < 300;
      recv(`response="${entry.status}"${answered && method === 'INVITE' ? ' rrs="true"' : ''}`);
      last = entry.at;
      if (method !== 'INVITE') continue;
      // §17.1.1.3: the ACK of a non-2xx is hop-by-hop, in the INVITE's transaction (same
      // branch); a 2xx's ACK is a new request along the route set (§13.2.2.4).
      if (answered) send([...dialogHeaders('1 ACK', 'ACK [next_url]', true), 'Content-Length: 0']);
      else send([...dialogHeaders('1 ACK', `ACK ${formatUri(request.uri)}`, false).map((line) => line.replace('branch=[branch]', `branch=[branch-${index}]`)), 'Content-Length: 0']);
      continue;
    }
    if (entry.method === 'BYE' && entry.status === undefined && entry.from === caller) {
      pause(entry.at - last);
      send([...dialogHeaders('2 BYE', 'BYE [next_url]', true), 'Content-Length: 0'], true);
      recv('response="200"');
      last = entry.at;
    } else if (entry.method === 'BYE' && entry.status === undefined && entry.to === caller) {
      recv('request="BYE"');
      send(['SIP/2.0 200 OK', '[last_Via:]', '[last_From:]', '[last_To:]', '[last_Call-ID:]', '[last_CSeq:]', 'Content-Length: 0']);
      last = entry.at;
    } else if (entry.method === 'CANCEL') {
      throw new Error('toSippScenario: a caller CANCEL is not exported yet');
    }
  }
  if (call.response === undefined) throw new Error(`toSippScenario: ${method} ${call.callId} has no final response yet (settle it first)`);
  const name = options.name ?? `${method} ${formatUri(request.uri)} → ${call.response.status} (exported by the Switchboard test kit)`;
  return [
    '<?xml version="1.0" encoding="ISO-8859-1" ?>',
    '<!DOCTYPE scenario SYSTEM "sipp.dtd">',
    `<scenario name="${escapeXml(name)}">`,
    ...steps,
    '</scenario>',
    '',
  ].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;').replace(/"/gu, '&quot;');
}
