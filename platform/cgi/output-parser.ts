/**
 * Parser for what a SIP-CGI script prints (RFC 3050 §5.6): any number of messages, each one
 * action line, header fields one per line, then maybe a body. Never throws on bad output: it
 * returns the line and the reason, and the engine answers 500 (spec notes §11 #15: a bad output
 * is refused whole, never half executed).
 *
 * Framing (§5.6): no Content-Type, or `Content-Length: 0` → the message ends at the first blank
 * line; Content-Type and Content-Length → that many octets after the blank line; Content-Type
 * alone → the body runs to the end of output; Content-Length > 0 without Content-Type → error.
 * We also accept an action line right after another message's header fields without a blank
 * line between (`CGI-SET-COOKIE …` then `CGI-AGAIN …`): such a line cannot be a header field
 * (a header field is `token HCOLON value`), so reading it as the next action is unambiguous.
 */
import { parseUri, SipParseException, type HeaderField, type Uri } from '../sip/index.js';
import type { BodySpec, CgiAction, MessageChanges, OutputParseResult } from './cgi-actions.js';
import { LineReader } from './line-reader.js';
import { headerKeyOf, isToken } from './header-key.js';

export interface OutputParserOptions {
  /** Most messages one output may hold (§5.6: "a maximum number of requests/responses"). */
  maxActions?: number;
}

export const DEFAULT_MAX_ACTIONS = 64;

class OutputFault extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function fail(line: number, reason: string): never {
  throw new OutputFault(line, reason);
}

type ActionHead =
  | { type: 'status'; status: number; reason: string }
  | { type: 'proxy-request'; target: Uri }
  | { type: 'forward-response'; responseName: string }
  | { type: 'new-request'; method: string; uri: Uri }
  | { type: 'set-cookie'; cookie: string }
  | { type: 'again'; again: boolean };

interface RawField {
  name: string;
  value: string;
  line: number;
}

const STATUS_LINE = /^SIP\/(\d+)\.(\d+)[ \t]+(\d+)(?:[ \t]+(.*))?$/i;
const HEADER_LINE = /^([^ \t:]+)[ \t]*:[ \t]*(.*)$/;
const ACTION_SHAPE = /(^SIP\/)|([ \t]SIP\/\d+\.\d+$)/i;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A SIP-URL argument (§5.6.1.2: RFC 2543 SIP-URL); sips: and tel: accepted as well. */
function parseTarget(text: string, line: number): Uri {
  let uri: Uri;
  try {
    uri = parseUri(text);
  } catch (e) {
    if (e instanceof SipParseException) fail(line, `bad URI "${text}": ${e.error.reason}`);
    throw e;
  }
  if (uri.kind === 'absolute') fail(line, `unsupported URI scheme "${uri.scheme}": only sip, sips and tel URIs can be targets`);
  return uri;
}

/** The action line grammar of §5.6.1 (every line ends in the SIP version, §5.6.1). */
function parseActionLine(text: string, line: number): ActionHead {
  if (/^SIP\//i.test(text)) {
    // §5.6.1.1 `Status = SIP-Version 3*digit SP reason-phrase`: read as a SIP status line
    // (the missing SP and "3*digit" are drafting slips, spec notes §6).
    const match = STATUS_LINE.exec(text);
    if (!match) fail(line, 'malformed status line: expected "SIP/2.0 <3-digit status> <reason>"');
    if (Number(match[1]) !== 2 || Number(match[2]) !== 0) fail(line, `unsupported SIP version SIP/${match[1]}.${match[2]}`);
    const code = match[3]!;
    const status = Number(code);
    if (code.length !== 3 || status < 100 || status > 699) fail(line, `status code ${code} is not a 3-digit code from 100 to 699`);
    const reason = (match[4] ?? '').trim();
    if (CONTROL.test(reason)) fail(line, 'control character in the reason phrase');
    return { type: 'status', status, reason };
  }
  const parts = text.trim().split(/[ \t]+/);
  if (parts.length !== 3) fail(line, 'expected an action line: "<action> <argument> SIP/2.0" or a status line (RFC 3050 §5.6.1)');
  const [word, argument, version] = parts as [string, string, string];
  if (!/^SIP\/\d+\.\d+$/i.test(version)) fail(line, `an action line must end with the SIP version, not "${version}"`);
  if (version.toUpperCase() !== 'SIP/2.0') fail(line, `unsupported SIP version ${version}`);
  switch (word.toUpperCase()) {
    case 'CGI-PROXY-REQUEST':
      return { type: 'proxy-request', target: parseTarget(argument, line) };
    case 'CGI-FORWARD-RESPONSE':
      // Response-Name = response-token | "this" (ABNF literals are case-insensitive).
      if (argument.toLowerCase() === 'this') return { type: 'forward-response', responseName: 'this' };
      if (!isToken(argument)) fail(line, `response name "${argument}" is not a token`);
      return { type: 'forward-response', responseName: argument };
    case 'CGI-SET-COOKIE':
      if (!isToken(argument)) fail(line, `cookie "${argument}" is not a token (RFC 3050 §5.6.1.4)`);
      return { type: 'set-cookie', cookie: argument };
    case 'CGI-AGAIN': {
      const answer = argument.toLowerCase();
      if (answer !== 'yes' && answer !== 'no') fail(line, `CGI-AGAIN takes "yes" or "no", not "${argument}"`);
      return { type: 'again', again: answer === 'yes' };
    }
    default:
      if (word.toUpperCase().startsWith('CGI-')) fail(line, `unknown action ${word}`);
      if (!isToken(word)) fail(line, `"${word}" is neither an action nor a request method`);
      return { type: 'new-request', method: word, uri: parseTarget(argument, line) };
  }
}

function parseHeaderLine(text: string): { name: string; value: string } | undefined {
  const match = HEADER_LINE.exec(text);
  if (!match || !isToken(match[1]!)) return undefined;
  return { name: match[1]!, value: match[2]!.replace(/[ \t]+$/, '') };
}

interface Collected extends MessageChanges {
  requestToken?: string;
  contentLength?: { value: number; line: number };
  contentType?: string;
}

/** Split CGI header fields (§5.6.2) from SIP ones; note Content-Length/Type for framing. */
function collectFields(fields: RawField[], type: ActionHead['type']): Collected {
  const headers: HeaderField[] = [];
  const remove = new Set<string>();
  const given = new Map<string, number>();
  const out: Collected = { headers, remove: [], body: { kind: 'keep' } };
  const carriesMessage = type !== 'set-cookie' && type !== 'again';
  for (const field of fields) {
    if (CONTROL.test(field.value)) fail(field.line, `control character in the value of ${field.name}`);
    const lower = field.name.toLowerCase();
    if (lower.startsWith('cgi-')) {
      if (lower === 'cgi-request-token') {
        // §5.6.2.1: only meaningful on a proxied or new request; elsewhere stripped like any CGI field.
        if (!isToken(field.value)) fail(field.line, `CGI-Request-Token "${field.value}" is not a token`);
        if (out.requestToken !== undefined) fail(field.line, 'CGI-Request-Token given twice');
        out.requestToken = field.value;
      } else if (lower === 'cgi-remove') {
        // §5.6.2.2 `Remove = "CGI-Remove" ":" 1#field-name`
        for (const item of field.value.split(',')) {
          const name = item.trim();
          if (!isToken(name)) fail(field.line, `CGI-Remove: "${name}" is not a header field name`);
          remove.add(headerKeyOf(name));
        }
      }
      // §5.6.2: "The server MUST strip all CGI header fields … including ones it does not recognize."
      continue;
    }
    if (!carriesMessage) fail(field.line, `header field ${field.name} has no meaning after ${type === 'again' ? 'CGI-AGAIN' : 'CGI-SET-COOKIE'}`);
    const key = headerKeyOf(field.name);
    if (key === 'content-length') {
      if (!/^\d+$/.test(field.value)) fail(field.line, `bad Content-Length "${field.value}"`);
      const value = Number(field.value);
      if (out.contentLength !== undefined && out.contentLength.value !== value) fail(field.line, 'conflicting Content-Length values');
      out.contentLength = { value, line: field.line };
      continue;
    }
    if (key === 'content-type') {
      if (field.value === '') fail(field.line, 'Content-Type without a media type');
      if (out.contentType !== undefined) fail(field.line, 'Content-Type given twice');
      out.contentType = field.value;
      continue;
    }
    if (field.value === '') {
      remove.add(key);
      continue;
    }
    if (!given.has(key)) given.set(key, field.line);
    headers.push({ name: field.name, value: field.value });
  }
  for (const [key, line] of given) {
    // §5.6.2.2 leaves "both given and removed" undefined; we refuse it (spec notes §11 #10).
    if (remove.has(key)) fail(line, `${key} is both given and removed (empty value or CGI-Remove)`);
  }
  out.remove = [...remove];
  return out;
}

/** Parse a whole script output. Empty output is valid: no actions (the default action, §5.6.1.6). */
export function parseScriptOutput(output: Buffer, options: OutputParserOptions = {}): OutputParseResult {
  const maxActions = options.maxActions ?? DEFAULT_MAX_ACTIONS;
  const reader = new LineReader(output);
  const actions: CgiAction[] = [];
  try {
    for (;;) {
      while (reader.peek() === '') reader.take();
      const text = reader.take();
      if (text === undefined) break;
      const line = reader.lineNumber;
      if (actions.length >= maxActions) fail(line, `more than ${maxActions} actions in one output`);
      if (/^[ \t]/.test(text)) fail(line, 'expected an action line, found an indented line');
      if (parseHeaderLine(text) !== undefined) {
        // The deprecated HTTP-CGI habit (§5.6.1.1: Content-Type with no action line MAY mean 200 OK) is not supported.
        fail(line, 'expected an action line, found a header field (every message starts with an action line, RFC 3050 §5.6)');
      }
      const head = parseActionLine(text.replace(/[ \t]+$/, ''), line);
      const fields: RawField[] = [];
      let ended: 'blank' | 'eof' | 'action';
      for (;;) {
        const next = reader.peek();
        if (next === undefined) {
          ended = 'eof';
          break;
        }
        if (next === '') {
          reader.take();
          ended = 'blank';
          break;
        }
        if (/^[ \t]/.test(next)) fail(reader.lineNumber + 1, 'continuation lines are not allowed in SIP-CGI/1.1 output (RFC 3050 §5.6)');
        const header = parseHeaderLine(next);
        if (header !== undefined) {
          reader.take();
          fields.push({ ...header, line: reader.lineNumber });
          continue;
        }
        if (ACTION_SHAPE.test(next.replace(/[ \t]+$/, ''))) {
          ended = 'action';
          break;
        }
        fail(reader.lineNumber + 1, `not a header field: "${next.slice(0, 60)}"`);
      }
      const collected = collectFields(fields, head.type);
      collected.body = readBody(reader, collected, ended, line);
      actions.push(toAction(head, line, collected));
    }
  } catch (e) {
    if (e instanceof OutputFault) return { ok: false, error: { line: e.line, reason: e.reason } };
    throw e;
  }
  return { ok: true, actions };
}

/** §5.6 rules 2–5. */
function readBody(reader: LineReader, collected: Collected, ended: 'blank' | 'eof' | 'action', actionLine: number): BodySpec {
  const { contentLength, contentType } = collected;
  if (contentLength !== undefined && contentLength.value > 0 && contentType === undefined) {
    fail(contentLength.line, 'a non-zero Content-Length without Content-Type is an error (RFC 3050 §5.6 rule 5)');
  }
  if (contentLength !== undefined && contentLength.value === 0) return { kind: 'delete' };
  if (contentType === undefined) return { kind: 'keep' };
  if (contentLength !== undefined) {
    if (ended !== 'blank') fail(reader.lineNumber + 1, `the ${contentLength.value}-octet body of the message on line ${actionLine} must follow a blank line`);
    const body = reader.takeBytes(contentLength.value);
    if (body.length < contentLength.value) {
      // Rule 3: "If the script closes its output prematurely, the server SHOULD report a 500-class server error."
      fail(reader.lineNumber + 1, `output ended ${body.length} octets into a body of Content-Length ${contentLength.value} (RFC 3050 §5.6 rule 3)`);
    }
    return { kind: 'replace', contentType, body };
  }
  // Rule 4: Content-Type without Content-Length — the body runs to the end of output.
  if (ended === 'action') fail(reader.lineNumber + 1, 'a message with Content-Type and no Content-Length must be the last one (RFC 3050 §5.6 rule 4)');
  return { kind: 'replace', contentType, body: ended === 'blank' ? reader.takeRest() : Buffer.alloc(0) };
}

function toAction(head: ActionHead, line: number, c: Collected): CgiAction {
  const changes: MessageChanges = { headers: c.headers, remove: c.remove, body: c.body };
  switch (head.type) {
    case 'status':
      return { type: 'status', line, status: head.status, reason: head.reason, ...changes };
    case 'proxy-request':
      return { type: 'proxy-request', line, target: head.target, ...changes, ...(c.requestToken === undefined ? {} : { requestToken: c.requestToken }) };
    case 'forward-response':
      return { type: 'forward-response', line, responseName: head.responseName, ...changes };
    case 'new-request':
      return { type: 'new-request', line, method: head.method, uri: head.uri, ...changes, ...(c.requestToken === undefined ? {} : { requestToken: c.requestToken }) };
    case 'set-cookie':
      return { type: 'set-cookie', line, cookie: head.cookie };
    case 'again':
      return { type: 'again', line, again: head.again };
  }
}
