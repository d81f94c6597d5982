/**
 * Runs SIPp (Debian package sip-tester) as a real SIP peer. Only ever against loopback.
 * Resolves with the exit status and SIPp's message trace so tests can assert on what crossed
 * the wire, not only on SIPp's own verdict.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const scenarioDir = fileURLToPath(new URL('../e2e/scenarios/', import.meta.url));

export interface SippRun {
  /** 0: every call succeeded; 1: at least one failed; others: SIPp's own errors. */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Contents of SIPp's -trace_msg file: every message sent and received. */
  messages: string;
  /** Contents of SIPp's -trace_err file: unexpected messages and errors. */
  errors: string;
}

export interface SippOptions {
  /** `-sf` scenario file name under test/e2e/scenarios, or a built-in via `builtin`. */
  scenario?: string;
  builtin?: 'uac' | 'uas';
  /** host:port of the peer (omit for a UAS). */
  remote?: string;
  transport?: 'udp' | 'tcp';
  localPort: number;
  calls?: number;
  rate?: number;
  extraArgs?: string[];
  timeoutSeconds?: number;
}

export async function runSipp(options: SippOptions): Promise<SippRun> {
  const workDir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = [
    ...(options.builtin ? ['-sn', options.builtin] : ['-sf', join(scenarioDir, options.scenario ?? '')]),
    '-i', '127.0.0.1',
    '-p', String(options.localPort),
    '-t', options.transport === 'tcp' ? 't1' : 'u1',
    '-m', String(options.calls ?? 1),
    '-r', String(options.rate ?? 10),
    '-timeout', `${options.timeoutSeconds ?? 15}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_msg', '-trace_err',
    ...(options.extraArgs ?? []),
    ...(options.remote ? [options.remote] : []),
  ];
  const child = spawn('sipp', args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
  const read = (suffix: string): string =>
    readdirSync(workDir)
      .filter((name) => name.endsWith(suffix))
      .map((name) => readFileSync(join(workDir, name), 'latin1'))
      .join('\n');
  return { exitCode, stdout, stderr, messages: read('_messages.log'), errors: read('_errors.log') };
}

export interface TracedMessage {
  direction: 'sent' | 'received';
  /** The SIP message text, from its start line on. */
  text: string;
}

/** Splits SIPp's -trace_msg log into the messages it sent and received, in order. */
export function tracedMessages(log: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  // SIPp writes `sent (N bytes):` and `received [N] bytes :`.
  const pattern = /^(?:UDP|TCP|TLS) message (sent|received) (?:\(\d+ bytes\)|\[\d+\] bytes ):\s*\n\n?/gm;
  const marks = [...log.matchAll(pattern)];
  marks.forEach((mark, i) => {
    const start = (mark.index ?? 0) + mark[0].length;
    const end = marks[i + 1]?.index ?? log.length;
    const text = log.slice(start, end).replace(/\n-{20,}[^\n]*\n?[\s\S]*$/, '').trimEnd();
    out.push({ direction: mark[1] === 'sent' ? 'sent' : 'received', text });
  });
  return out;
}
