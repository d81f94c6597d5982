/** Helpers for the SIP-CGI tests: messages, and real executable scripts in a temp folder. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseMessage, SipRequest, SipResponse } from '../sip/index.js';

export function parse(text: string): SipRequest | SipResponse {
  const { message, errors } = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!message || errors.length > 0) throw new Error(`test message did not parse: ${JSON.stringify(errors)}`);
  return message;
}

export function request(extraHeaders = '', body = '', method = 'INVITE', uri = 'sip:bob@example.com'): SipRequest {
  const bodyPart = body === '' ? '' : `Content-Type: application/sdp\n`;
  const text =
    `${method} ${uri} SIP/2.0\n` +
    'Via: SIP/2.0/UDP client.example.org:5060;branch=z9hG4bKabc1\n' +
    'Max-Forwards: 70\n' +
    'From: Alice <sip:alice@example.org>;tag=a1\n' +
    `To: Bob <${uri}>\n` +
    'Call-ID: call-1@client.example.org\n' +
    `CSeq: 1 ${method}\n` +
    'Contact: <sip:alice@client.example.org>\n' +
    extraHeaders +
    bodyPart +
    'Content-Length: 0\n\n';
  const message = parse(text);
  if (!(message instanceof SipRequest)) throw new Error('not a request');
  // The body is set after parsing so that its own line ends stay as written.
  message.body = Buffer.from(body);
  message.setHeader('Content-Length', String(message.body.length));
  return message;
}

export function response(status: number, reason: string, extraHeaders = '', branch = 'z9hG4bKproxy1'): SipResponse {
  const text =
    `SIP/2.0 ${status} ${reason}\n` +
    `Via: SIP/2.0/UDP proxy.example.com;branch=${branch}\n` +
    'Via: SIP/2.0/UDP client.example.org:5060;branch=z9hG4bKabc1\n' +
    'From: Alice <sip:alice@example.org>;tag=a1\n' +
    'To: Bob <sip:bob@example.com>;tag=b1\n' +
    'Call-ID: call-1@client.example.org\n' +
    'CSeq: 1 INVITE\n' +
    extraHeaders +
    'Content-Length: 0\n\n';
  const message = parse(text);
  if (!(message instanceof SipResponse)) throw new Error('not a response');
  return message;
}

/** A temp folder that tests write executable scripts into. */
export class ScriptDir {
  readonly root = mkdtempSync(join(tmpdir(), 'sipcgi-'));

  /** Write an executable script (mode 755) at `name` (may contain sub-folders). */
  write(name: string, text: string, mode = 0o755): string {
    const path = join(this.root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  }

  path(name: string): string {
    return join(this.root, name);
  }

  read(name: string): string {
    return readFileSync(join(this.root, name), 'utf8');
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** State letter from /proc/<pid>/stat (R, S, Z …), or undefined when the process is gone. */
export function processState(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Alive = exists and not a zombie. */
export function isRunning(pid: number): boolean {
  const info = processState(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** Zombie children of this process (should always be none). */
export function ourZombies(): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processState(Number(entry));
    if (info && info.ppid === process.pid && info.state === 'Z') out.push(Number(entry));
  }
  return out;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}


export async function waitFor(check: () => boolean, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}
