/**
 * Text views of traces for the CLI: the rule list, the call list and one call's ladder
 * (offset from the first message, direction, who sent to whom, first line; optionally the
 * whole messages).
 */
import { formatTarget, type TraceRule } from './trace-rule.js';
import type { TraceCall, TraceMessage } from './trace-store.js';

export function formatRules(rules: readonly TraceRule[], now: number): string {
  if (rules.length === 0) return 'No trace rules are on.\n';
  const width = Math.max(...rules.map((rule) => formatTarget(rule).length));
  return rules
    .map((rule) => `${formatTarget(rule).padEnd(width)}  until ${new Date(rule.expiresAt).toISOString()} (${formatRemaining(rule.expiresAt - now)} left)\n`)
    .join('');
}

export function formatCallList(calls: readonly TraceCall[]): string {
  if (calls.length === 0) return 'No traced calls.\n';
  const rows = calls.map((call) => [
    new Date(call.startedAt).toISOString(),
    `${call.messageCount}${call.truncated ? '+' : ''}`,
    call.matched,
    call.callId,
    call.firstLine + (call.linkedTo ? `  (leg of ${call.linkedTo})` : ''),
  ]);
  const header = ['STARTED', 'MSGS', 'RULE', 'CALL-ID', 'FIRST REQUEST'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string => `${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ')}\n`;
  return line(header) + rows.map(line).join('');
}

/** One line per message: `+12.345 ms  ──► out udp 10.0.0.1:5060 → 10.0.0.2:5060  INVITE …`. */
export function formatLadder(call: TraceCall, messages: readonly TraceMessage[], options: { full?: boolean } = {}): string {
  const head =
    `Call-ID ${call.callId}  (${call.matched}; ${call.messageCount} message${call.messageCount === 1 ? '' : 's'}` +
    `${call.truncated ? ', more not kept' : ''}; started ${new Date(call.startedAt).toISOString()})\n` +
    (call.linkedTo ? `leg of ${call.linkedTo}\n` : '');
  const origin = messages[0]?.monoUs ?? 0;
  const offsets = messages.map((m) => `+${((m.monoUs - origin) / 1000).toFixed(3)} ms`);
  const width = Math.max(0, ...offsets.map((o) => o.length));
  const lines = messages.map((m, i) => {
    const [from, to] = m.direction === 'in' ? [m.remote, m.local] : [m.local, m.remote];
    const arrow = m.direction === 'in' ? '◄── in ' : '──► out';
    const line = `${(offsets[i] as string).padStart(width)}  ${arrow} ${m.protocol} ${from} → ${to}  ${m.firstLine}\n`;
    return options.full ? `${line}\n${indent(m.text)}\n` : line;
  });
  return head + lines.join('');
}

function indent(text: string): string {
  return text
    .replace(/\r\n/gu, '\n')
    .replace(/\n$/u, '')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n') + '\n';
}

function formatRemaining(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
