#!/usr/bin/env node
// screen-caller — reading header fields from SIP_* metavariables (RFC 3050 §5.5.1.5) and the
// body from stdin (§5.5.2).
//
// Rejects calls whose From (SIP_FROM) names a blocked address with 403 and a text body saying
// why; rejects INVITEs without SDP with 488. Anything else: the script prints nothing, so the
// server takes its default action (§5.6.1.6) — it proxies or looks up the request as if no
// script were there.
import { readSync } from 'node:fs';

const BLOCKED = 'sip:spam@example.net';
const env = process.env;

/** Exactly CONTENT_LENGTH octets of stdin, never more (§5.5.2). */
function readBody() {
  const length = Number(env.CONTENT_LENGTH ?? 0);
  const body = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = readSync(0, body, read, length - read, null);
    if (n === 0) break;
    read += n;
  }
  return body.subarray(0, read).toString('utf8');
}

if ((env.SIP_FROM ?? '').includes(BLOCKED)) {
  const reason = `calls from ${BLOCKED} are refused`;
  process.stdout.write(`SIP/2.0 403 Forbidden\nContent-Type: text/plain\nContent-Length: ${Buffer.byteLength(reason)}\n\n${reason}`);
} else if (env.REQUEST_METHOD === 'INVITE' && !readBody().startsWith('v=0')) {
  process.stdout.write('SIP/2.0 488 Not Acceptable Here\n\n');
}
