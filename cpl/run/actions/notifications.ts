/**
 * The mail and log requests handed to the host (RFC 3880 §7). Suggested mail content follows
 * §7.1.1: subject from the URL, else "[CPL] " + the call's Subject; Reply-To an "e-mail-ized"
 * origin; a body naming the caller, the time, the subject and the priority.
 */
import type { LogNode, MailNode } from '../../compile/compiled-script.js';
import { isSipUri } from '../../uri/parse-uri.js';
import type { CallContext } from '../call-context.js';
import type { CplLogRequest, CplMailRequest } from '../host.js';

export function mailRequest(node: MailNode, ctx: CallContext, now: number): CplMailRequest {
  const origin = ctx.address('origin');
  const callSubject = ctx.stringField('subject');
  const caller = `${origin.display !== null ? `${origin.display} ` : ''}<${origin.text}>`;
  const subject = node.mailto.subject ?? `[CPL] ${callSubject ?? `Call from ${caller}`}`;
  const priority = ctx.header('priority')?.[0]?.trim() ?? 'normal';
  const body =
    node.mailto.body ??
    [`Call from ${caller}`, `To: ${ctx.address('original-destination').text}`, `Time: ${new Date(now).toISOString()}`, `Subject: ${callSubject ?? '(none)'}`, `Priority: ${priority}`].join('\n');
  const uri = origin.uri;
  const replyTo = uri !== null && isSipUri(uri) && uri.user !== null ? `${uri.user}@${uri.host}` : null;
  return { nodeId: node.id, to: node.mailto.to, subject, body, replyTo, url: node.url };
}

export function logRequest(node: LogNode, ctx: CallContext, now: number): CplLogRequest {
  return {
    nodeId: node.id,
    name: node.name,
    comment: node.comment,
    origin: ctx.address('origin').text,
    destination: ctx.address('destination').text,
    time: now,
  };
}
