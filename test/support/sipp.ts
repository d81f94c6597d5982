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
import { parseMessage, SipRequest } from '../../platform/sip/index.js';
import { sleep } from './until.js';

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

/** SIPp `-key name value` arguments (values for a scenario's [name] fields) from a record. */
export function sippKeys(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['-key', key, value]);
}

/** Texts of the messages SIPp sent or received whose start line begins with `prefix`, in order. */
export function tracedTexts(run: SippRun, direction: 'sent' | 'received', prefix = ''): string[] {
  return tracedMessages(run.messages)
    .filter((m) => m.direction === direction && m.text.startsWith(prefix))
    .map((m) => m.text);
}

/** The requests with this method that SIPp received, parsed by our own parser (throws if one is not a request). */
export function receivedRequests(run: SippRun, method: string): SipRequest[] {
  return tracedTexts(run, 'received', `${method} `).map((text) => {
    // The trace is trimmed at its end (and may have LF line ends): restore CRLFs and the blank line.
    const { message } = parseMessage(Buffer.from(`${text.replace(/\r?\n/g, '\r\n')}\r\n\r\n`));
    if (!(message instanceof SipRequest)) throw new Error(`unparsable traced ${method}:\n${text}`);
    return message;
  });
}

/** Status codes of the responses SIPp received, in order. */
export function receivedStatuses(run: SippRun): number[] {
  return tracedTexts(run, 'received', 'SIP/2.0 ').map((text) => Number(text.slice(8, 11)));
}

/** The first final (2xx-6xx) response SIPp received; throws with the trace when there is none. */
export function finalResponse(run: SippRun): string {
  const final = tracedTexts(run, 'received').find((text) => /^SIP\/2\.0 [2-6]\d\d /.test(text));
  if (final === undefined) throw new Error(`no final response:\n${run.messages}\n${run.errors}`);
  return final;
}

/** The body of a traced message: everything after the first blank line, trimmed, line ends kept. */
export function bodyOf(text: string): string {
  return text.split(/\r?\n\r?\n/u).slice(1).join('\n\n').trim();
}

/** The first value of header `name` (full form, case-insensitive) in a traced message, exactly as sent; undefined if absent. */
export function headerValue(message: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, 'im').exec(message)?.[1];
}

/** The Call-ID of a traced message, trimmed; undefined for no message or no Call-ID. */
export function callIdOf(text: string | undefined): string | undefined {
  return /^Call-ID:\s*(.+?)\s*$/imu.exec(text ?? '')?.[1];
}

/**
 * Resolves once something (SIPp) holds UDP `port` on IPv4, read from /proc/net/udp: probing by
 * binding the port ourselves could race SIPp's own bind. Fails after 5 s.
 */
export async function waitForUdpListener(port: number): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (let i = 0; i < 100; i++) {
    if (readFileSync('/proc/net/udp', 'utf8').split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex))) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on UDP ${port}`);
}
