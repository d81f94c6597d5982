#!/usr/bin/env node
// forward-busy — the narrative of RFC 3050 §3.2 with examples 3, 4 and 5 of §4: call forwarding
// on busy / no answer, across three invocations of one transaction.
//
// 1. The INVITE arrives: tell the caller we are trying (181), proxy to the first target with a
//    CGI-Request-Token, remember the stage in a cookie (CGI-SET-COOKIE, example 5) and ask to be
//    run again for the next message (CGI-AGAIN yes, example 4). An Expires of 20 s makes the
//    server give us a local 408 if nobody answers (§5.7).
// 2. A response arrives: 2xx → forward it by its token (CGI-FORWARD-RESPONSE, example 3).
//    Busy / no answer on the first target → proxy to voice mail, new cookie, run again.
//    Provisional → keep waiting (run again), the server forwards it by default.
// 3. Voice mail fails too → answer 480 ourselves; the transaction is over.
// Edit FIRST and VOICEMAIL for your site.
const FIRST = 'sip:bob@192.0.2.20';
const VOICEMAIL = 'sip:voicemail@192.0.2.99';
const env = process.env;
const out = [];

if (env.REQUEST_METHOD !== undefined) {
  out.push('SIP/2.0 181 Call Is Being Forwarded', '');
  out.push(`CGI-PROXY-REQUEST ${FIRST} SIP/2.0`, 'CGI-Request-Token: first', 'Expires: 20', '');
  out.push('CGI-SET-COOKIE stage-first SIP/2.0', 'CGI-AGAIN yes SIP/2.0');
} else {
  const status = Number(env.RESPONSE_STATUS);
  if (status < 200) {
    out.push('CGI-AGAIN yes SIP/2.0');
  } else if (status < 300) {
    out.push(`CGI-FORWARD-RESPONSE ${env.RESPONSE_TOKEN} SIP/2.0`, `X-Forwarded-By: forward-busy (${env.REQUEST_TOKEN})`, '');
  } else if (env.SCRIPT_COOKIE === 'stage-first') {
    out.push(`CGI-PROXY-REQUEST ${VOICEMAIL} SIP/2.0`, 'CGI-Request-Token: voicemail', '');
    out.push('CGI-SET-COOKIE stage-voicemail SIP/2.0', 'CGI-AGAIN yes SIP/2.0');
  } else {
    out.push('SIP/2.0 480 Temporarily Unavailable', 'Retry-After: 300', '');
  }
}
process.stdout.write(`${out.join('\n')}\n`);
