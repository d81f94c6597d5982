/**
 * The UA core engines see (ServiceHost.userAgent, platform/services user-agent.ts) in the kit:
 * requests an app sends with `ctx.uac.request` and calls it places with `ctx.uac.invite` (and
 * INVITEs an engine originates) go to the scripted phones and into the ladder as `app→phone`; a
 * target without a phone gets a 503 made by the core (transport failure, RFC 3261 §8.1.3.1). A
 * 2xx makes a dialog the phone knows of: `phone.hangup()` sends its BYE, the app's BYE reaches
 * the phone.
 */
import type { ClientEvents, ClientHandle, DialogHandle, OutgoingRequestSpec, ServiceResponse, UserAgentService } from '../services/index.js';
import { generateCallId, generateTag, type HeaderField } from '../sip/index.js';
import { KitDialog } from './kit-dialog.js';
import type { Network } from './network.js';
import type { FinalAnswer } from './phones.js';

export function createKitUserAgent(network: Network): UserAgentService {
  return {
    sendRequest(spec: OutgoingRequestSpec, events: ClientEvents = {}): ClientHandle {
      const method = spec.method.toUpperCase();
      const callId = spec.callId ?? generateCallId();
      const headers: HeaderField[] = [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `${spec.from.replace(/;tag=[^;>]*/u, '')};tag=${generateTag()}` },
        { name: 'To', value: spec.to ?? `<${spec.uri}>` },
        { name: 'Call-ID', value: callId },
        { name: 'CSeq', value: `1 ${method}` },
        ...(spec.route ?? []).map((route) => ({ name: 'Route', value: route })),
        ...(spec.headers ?? []),
        ...(spec.body ? [{ name: 'Content-Type', value: spec.body.contentType }] : []),
      ];
      const request = { method, uri: spec.uri, callId, headers, body: spec.body === undefined ? '' : String(spec.body.content) };
      const toService = (answer: FinalAnswer, local: boolean): ServiceResponse => ({
        status: answer.status,
        reason: answer.reason,
        headers: [...answer.headers],
        ...(answer.body ? { body: { contentType: answer.body.contentType, content: Buffer.from(answer.body.content) } } : {}),
        ...(local ? { locallyGenerated: true } : {}),
      });
      if (method !== 'INVITE') {
        const answer = network.request(request);
        const response = toService(answer, answer.local);
        events.onFinal?.(response, undefined);
        return { final: Promise.resolve(response), dialog: () => Promise.resolve(undefined), cancel: () => undefined };
      }
      let dialog: DialogHandle | undefined;
      let settle!: (response: ServiceResponse) => void;
      const final = new Promise<ServiceResponse>((resolve) => (settle = resolve));
      const outbound = network.invite(request, {
        provisional: (status, reason) => events.onProvisional?.({ status, reason, headers: [] }),
        final: (answer, local) => {
          const response = toService(answer, local);
          if (answer.status >= 200 && answer.status < 300) {
            const up = new KitDialog(callId, (inDialog, body) => {
              const sent = network.request({ method: inDialog, uri: spec.uri, callId, headers: [], body: body ?? '' });
              return toService(sent, sent.local);
            });
            const phone = network.phoneAt(spec.uri);
            if (phone !== undefined) {
              const forget = phone.attachDialog(callId, () => {
                network.fromPhone(phone, 'BYE', callId);
                up.remoteEnded();
              });
              up.onEnd(forget);
            }
            dialog = up;
          }
          events.onFinal?.(response, dialog);
          settle(response);
        },
      });
      return {
        final,
        dialog: async () => {
          await final;
          return dialog;
        },
        cancel: () => outbound.cancel(),
      };
    },
  };
}
