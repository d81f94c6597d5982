/**
 * Validation of what an app's event returns. The guest is untrusted code: its answer is parsed
 * like input from the network, and anything unexpected fails the event (the caller gets 500).
 */
import { z } from 'zod';
import type { WireResult } from '../protocol.js';

const headers = z.array(z.tuple([z.string().max(256), z.string().max(8192)])).max(200);
const target = z.object({ uri: z.string().min(1).max(2048), q: z.number().min(0).max(1).optional() }).strict();
const body = z.object({ contentType: z.string().min(1).max(256), content: z.string().max(256 * 1024) }).strict();
const oneLine = z.string().min(1).max(2048).regex(/^[^\r\n]*$/u, 'one line');
/** Leg B fields the UA core writes itself (RFC 3261 §8.1.1, §12.1.2, §20.14, §20.15). */
const LEG_B_OWNED = new Set(['via', 'call-id', 'cseq', 'from', 'to', 'route', 'record-route', 'max-forwards', 'contact', 'content-type', 'content-length']);
const legBHeaders = headers.max(50).refine((list) => list.every(([name, value]) => /^[A-Za-z0-9!%*_+`'~.-]+$/u.test(name) && !/[\r\n]/u.test(value) && !LEG_B_OWNED.has(name.toLowerCase())), {
  message: 'leg B header fields must be one-line extension headers (the server writes Via, Call-ID, CSeq, From, To, Route, Contact, Content-*)',
});
const plain = z.custom<import('../protocol.js').PlainData>(() => true);

const action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reply'), status: z.number().int().min(200).max(699), reason: z.string().max(256).optional(), headers, body: body.optional() }).strict(),
  z
    .object({
      kind: z.literal('proxy'),
      targets: z.array(target).min(1).max(32),
      forking: z.enum(['parallel', 'sequential']).optional(),
      recordRoute: z.boolean().optional(),
      timeoutMs: z.number().int().min(1).max(600_000).optional(),
      recurse: z.boolean().optional(),
      supervised: z.boolean(),
      quietSuccess: z.literal(true).optional(),
      edits: z
        .object({ headers, remove: z.array(z.string().max(256)).max(100), body: body.nullable().optional(), uri: z.string().max(2048).optional() })
        .strict()
        .optional(),
    })
    .strict(),
  z.object({ kind: z.literal('redirect'), contacts: z.array(target).min(1).max(32), permanent: z.boolean() }).strict(),
  z.object({ kind: z.literal('pass') }).strict(),
  z
    .object({
      kind: z.literal('b2bua'),
      target: oneLine.regex(/^(sips?|tel):\S+$/iu, 'a SIP or tel URI'),
      from: oneLine.optional(),
      to: oneLine.optional(),
      headers: legBHeaders,
      timeoutMs: z.number().int().min(1).max(600_000).optional(),
    })
    .strict(),
]);

const timer = z
  .object({
    id: z.string().min(1).max(256),
    name: z.string().min(1).max(128),
    payload: plain,
    delayMs: z.number().min(1).max(86_400_000),
    repeatMs: z.number().min(1).max(86_400_000).optional(),
  })
  .strict();

const resultSchema = z
  .object({
    action: action.optional(),
    session: z
      .object({
        attributes: z.record(z.string(), plain).optional(),
        expiresInMs: z.number().min(1).max(7 * 86_400_000).optional(),
        invalidate: z.boolean().optional(),
      })
      .strict()
      .optional(),
    timers: z.object({ start: z.array(timer).max(100), cancel: z.array(z.string().max(256)).max(100) }).strict().optional(),
    verdict: z.enum(['default', 'absorb']).optional(),
    unhandled: z.boolean().optional(),
    reply: plain.optional(),
  })
  .strict();

export type ParsedResult = { ok: true; result: WireResult } | { ok: false; message: string };

export function parseWireResult(value: unknown): ParsedResult {
  // A handler that returns nothing from a raw (non-SDK) export: treat as "no action".
  if (value === undefined || value === null) return { ok: true, result: {} };
  const parsed = resultSchema.safeParse(value);
  if (parsed.success) return { ok: true, result: parsed.data as WireResult };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `the app returned an invalid result${issue ? ` (${issue.path.join('.')}: ${issue.message})` : ''}; build it with defineApp from the SDK` };
}
