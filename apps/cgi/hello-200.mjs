#!/usr/bin/env node
// hello-200 — RFC 3050 §4, example 1: "generate a 200 OK response to the original request".
//
// Answers every request it is run for with 200 OK. The server copies Via, From, To (adding a
// tag), Call-ID and CSeq from the request (§5.6.1.1); the script adds a Contact for INVITE so
// the caller can send its ACK and BYE here, and a Subject echoing what it was called for.
// For a REGISTER, a 200 from the script means "the script handled the registration": the server
// does not store it (§5.9).
const env = process.env;
const lines = ['SIP/2.0 200 OK'];
if (env.REQUEST_METHOD === 'INVITE') lines.push(`Contact: <sip:cgi@${env.SERVER_NAME}:${env.SERVER_PORT}>`);
lines.push(`Subject: hello from SIP-CGI (${env.REQUEST_METHOD} ${env.REQUEST_URI})`);
process.stdout.write(`${lines.join('\n')}\n\n`);
