/**
 * The JSON shapes of rules, calls and messages, shared by `switchboard trace … --json` and the
 * HTTP API so both speak the same format. Times are ISO 8601 (messages to the microsecond) and
 * `offsetUs` counts from the call's first captured message.
 */
import type { TraceRule } from './trace-rule.js';
import type { TraceCall, TraceMessage } from './trace-store.js';

export interface TraceRuleJson {
  kind: 'user' | 'app';
  target: string;
  createdAt: string;
  expiresAt: string;
}

export interface TraceCallJson {
  callId: string;
  matched: string;
  linkedTo: string | null;
  firstLine: string;
  startedAt: string;
  lastAt: string;
  messageCount: number;
  truncated: boolean;
}

export interface TraceMessageJson {
  offsetUs: number;
  time: string;
  direction: 'in' | 'out';
  protocol: string;
  local: string;
  remote: string;
  firstLine: string;
  text: string;
}

export function ruleJson(rule: TraceRule): TraceRuleJson {
  return { kind: rule.kind, target: rule.target, createdAt: new Date(rule.createdAt).toISOString(), expiresAt: new Date(rule.expiresAt).toISOString() };
}

export function callJson(call: TraceCall): TraceCallJson {
  return {
    callId: call.callId,
    matched: call.matched,
    linkedTo: call.linkedTo ?? null,
    firstLine: call.firstLine,
    startedAt: new Date(call.startedAt).toISOString(),
    lastAt: new Date(call.lastAt).toISOString(),
    messageCount: call.messageCount,
    truncated: call.truncated,
  };
}

export function messagesJson(messages: readonly TraceMessage[]): TraceMessageJson[] {
  const origin = messages[0]?.monoUs ?? 0;
  return messages.map((m) => ({
    offsetUs: m.monoUs - origin,
    time: isoMicros(m.wallUs),
    direction: m.direction,
    protocol: m.protocol,
    local: m.local,
    remote: m.remote,
    firstLine: m.firstLine,
    text: m.text,
  }));
}

/** `2026-12-03T09:00:00.123456Z`. */
function isoMicros(wallUs: number): string {
  const ms = Math.floor(wallUs / 1000);
  const micros = String(wallUs - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${micros}Z`);
}
