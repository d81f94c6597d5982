/** Realistic SIP messages for the benchmarks: an INVITE and a 200 OK with SDP, a REGISTER. */

const CRLF = '\r\n';

function message(lines: string[], body = ''): Buffer {
  const head = lines.filter((line) => !line.startsWith('Content-Length')).join(CRLF);
  return Buffer.from(`${head}${CRLF}Content-Length: ${Buffer.byteLength(body)}${CRLF}${CRLF}${body}`, 'utf8');
}

const offer = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.101',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 97 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:97 iLBC/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join(CRLF);

const answer = [
  'v=0',
  'o=bob 2808844564 2808844564 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 3456 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join(CRLF);

/** An INVITE as a proxy receives it: two Vias, Record-Route, the usual UA headers, SDP offer. */
export const INVITE = message(
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport',
    'Via: SIP/2.0/UDP 192.0.2.101:5060;received=192.0.2.101;branch=z9hG4bKnashds8',
    'Max-Forwards: 69',
    'Record-Route: <sip:p1.atlanta.example.com;lr>',
    'To: "Bob" <sip:bob@biloxi.example.com>',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@192.0.2.101:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE',
    'Supported: replaces, timer, 100rel',
    'User-Agent: Switchboard-Bench/1.0',
    'Content-Type: application/sdp',
  ],
  offer,
);

/** The 200 OK to it, on its way back through the proxy. */
export const OK_200 = message(
  [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.101',
    'Via: SIP/2.0/UDP 192.0.2.101:5060;received=192.0.2.101;branch=z9hG4bKnashds8',
    'Record-Route: <sip:p1.atlanta.example.com;lr>',
    'To: "Bob" <sip:bob@biloxi.example.com>;tag=a6c85cf',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:bob@198.51.100.7:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY',
    'Supported: replaces, timer',
    'Server: Switchboard-Bench/1.0',
    'Content-Type: application/sdp',
  ],
  answer,
);

/** A REGISTER with an expires contact parameter. */
export const REGISTER = message([
  'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Bob <sip:bob@biloxi.example.com>;tag=456248',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'Contact: <sip:bob@192.0.2.4;transport=udp>;expires=7200;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE',
  'User-Agent: Switchboard-Bench/1.0',
  'Expires: 7200',
]);

export const SAMPLES: ReadonlyArray<{ name: string; data: Buffer }> = [
  { name: 'INVITE with SDP', data: INVITE },
  { name: '200 OK with SDP', data: OK_200 },
  { name: 'REGISTER', data: REGISTER },
];
