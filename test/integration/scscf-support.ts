/**
 * Helpers for the S-CSCF tests: a minimal proxying Application Server on a real UDP socket
 * (24.229 §5.7.4: pops its own Route, adds its Via, sends the request on to the next Route —
 * our ODI URI — and relays responses back by Via), a silent one, and profile XML.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseMessage, SipRequest, SipResponse } from '../../platform/sip/index.js';
import { freePort } from '../support/ports.js';

export interface TestAs {
  readonly uri: string;
  readonly port: number;
  /** Requests as received (before our edits). */
  readonly received: SipRequest[];
  stop(): Promise<void>;
}

let branches = 0;

/** `silent`: receives and records, never answers nor forwards (DefaultHandling tests).
 *  `respond`: answers every request with this status itself. */
export async function startTestAs(name: string, mode: 'proxy' | 'silent' | { respond: number } | { delayMs: number } = 'proxy'): Promise<TestAs> {
  const port = await freePort();
  const socket: Socket = createSocket('udp4');
  const received: SipRequest[] = [];
  let closed = false;
  socket.on('message', (data) => {
    const { message } = parseMessage(data);
    if (!message) return;
    if (message instanceof SipRequest) {
      received.push(parseMessage(data).message as SipRequest);
      if (mode === 'silent' || message.method === 'ACK') return;
      if (typeof mode === 'object' && 'respond' in mode) {
        const via = message.topVia;
        const lines = [`SIP/2.0 ${mode.respond} Failed`, ...message.getHeaders('Via').map((v) => `Via: ${v}`), `From: ${message.getHeader('From')}`, `To: ${message.getHeader('To')};tag=as${port}`, `Call-ID: ${message.callId}`, `CSeq: ${message.getHeader('CSeq')}`, 'Content-Length: 0', '', ''];
        if (via) socket.send(lines.join('\r\n'), via.port ?? 5060, via.host);
        return;
      }
      const routes = message.routes;
      const next = routes[1];
      if (!next || next.uri.kind !== 'sip') return;
      const rest = message.getHeaders('Route').join(', ').split(',').slice(1).map((v) => v.trim());
      message.removeHeader('Route');
      if (rest.length > 0) message.setHeader('Route', rest.join(', '));
      // §16.11: a stateless proxy derives its branch from the request, so that a CANCEL gets
      // the branch of the INVITE it cancels.
      message.addHeader('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${name}-${message.topVia?.params.get('branch') ?? ++branches}`, 'first');
      const text = message.toString();
      const { host, port: nextPort } = { host: next.uri.host, port: next.uri.port ?? 5060 };
      if (typeof mode === 'object') setTimeout(() => closed || socket.send(text, nextPort, host), mode.delayMs);
      else socket.send(text, nextPort, host);
      return;
    }
    if (message instanceof SipResponse) {
      message.popVia();
      const via = message.topVia;
      if (via) socket.send(message.toString(), via.port ?? 5060, via.host);
    }
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
  return {
    uri: `sip:${name}@127.0.0.1:${port}`,
    port,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        closed = true;
        socket.close(() => resolve());
      }),
  };
}

export interface IfcSpec {
  priority: number;
  server: string;
  /** SessionCase SPT value (omitted: no SessionCase condition). */
  sessionCase?: number;
  method?: string;
  defaultHandling?: 0 | 1;
}

/** A TS 29.228 IMSSubscription with one ServiceProfile for `identity`. */
export function profileXml(identity: string, ifcs: IfcSpec[]): string {
  const criteria = ifcs.map((ifc) => {
    const spts = [
      `<SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>${ifc.method ?? 'INVITE'}</Method></SPT>`,
      ...(ifc.sessionCase !== undefined ? [`<SPT><ConditionNegated>0</ConditionNegated><Group>1</Group><SessionCase>${ifc.sessionCase}</SessionCase></SPT>`] : []),
    ].join('');
    const handling = ifc.defaultHandling !== undefined ? `<DefaultHandling>${ifc.defaultHandling}</DefaultHandling>` : '';
    return `<InitialFilterCriteria><Priority>${ifc.priority}</Priority><TriggerPoint><ConditionTypeCNF>1</ConditionTypeCNF>${spts}</TriggerPoint><ApplicationServer><ServerName>${ifc.server}</ServerName>${handling}</ApplicationServer></InitialFilterCriteria>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><IMSSubscription><PrivateID>${identity.replace(/^sip:/, '')}</PrivateID><ServiceProfile><PublicIdentity><Identity>${identity}</Identity></PublicIdentity>${criteria.join('')}</ServiceProfile></IMSSubscription>`;
}
