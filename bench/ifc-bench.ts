/**
 * iFC evaluation benchmark (issue 7 target: a profile with 20 iFCs under 20 µs per request).
 *
 * The profile is TS 29.228 XML loaded through the real loader: 20 iFCs mixing every SPT kind
 * (Method, RequestURI, SIPHeader presence and Content regex, SessionCase, SessionDescription),
 * CNF and DNF, negation, multi-group SPTs and ProfilePartIndicator. Each request is parsed once;
 * what is timed is `engine.evaluate(request, context)` — every iFC in priority order, which is
 * what an S-CSCF does for an initial request — and, for comparison, `engine.explain`, which also
 * writes the reasons (the `ifc check` path). Run via `npm run bench` or
 * `node dist/bench/ifc-bench.js` after `npm run build`.
 */
import { cpus } from 'node:os';
import { silentLogger } from '../platform/log/logger.js';
import { IfcEngine, loadProfile, SessionCase, type EvaluationContext } from '../platform/isc/index.js';
import { parseMessage, type SipRequest } from '../platform/sip/index.js';

const CRLF = '\r\n';

/** One iFC per entry: [CNF?, SPT elements…]; priorities are 10, 20, … in this order. */
const TRIGGERS: Array<[boolean, ...string[]]> = [
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>0</Group><Method>MESSAGE</Method>', '<Group>1</Group><SessionCase>0</SessionCase>'],
  [false, '<Group>0</Group><Method>SUBSCRIBE</Method>', '<Group>0</Group><Group>1</Group><SIPHeader><Header>Event</Header><Content>^presence</Content></SIPHeader>', '<Group>1</Group><Method>PUBLISH</Method>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SessionDescription><Line>m</Line><Content>^video</Content></SessionDescription>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SessionCase>2</SessionCase>'],
  [false, '<Group>0</Group><Method>INVITE</Method>', '<ConditionNegated>1</ConditionNegated><Group>0</Group><SIPHeader><Header>Privacy</Header></SIPHeader>'],
  [false, '<Group>0</Group><RequestURI>^\\+1555</RequestURI>'],
  [true, '<Group>0</Group><Method>MESSAGE</Method>', '<Group>1</Group><SIPHeader><Header>Content-Type</Header><Content>^application/vnd\\.3gpp\\.sms</Content></SIPHeader>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SIPHeader><Header>Accept-Contact</Header><Content>\\+g\\.3gpp\\.icsi-ref="urn%3Aurn-7%3A3gpp-service\\.ims\\.icsi\\.mmtel"</Content></SIPHeader>'],
  [false, '<Group>0</Group><Method>INVITE</Method>', '<Group>0</Group><SIPHeader><Header>P-Asserted-Identity</Header><Content>^&lt;tel:\\+1[0-9]{10}&gt;$</Content></SIPHeader>', '<Group>1</Group><Method>OPTIONS</Method>'],
  [true, '<Group>0</Group><Method>REGISTER</Method><Extension><RegistrationType>0</RegistrationType></Extension>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SIPHeader><Header>Subject</Header><Content>(?i)urgent</Content></SIPHeader>', '<Group>1</Group><SIPHeader><Header>Priority</Header><Content>^(urgent|emergency)$</Content></SIPHeader>'],
  [false, '<Group>0</Group><RequestURI>^(sos|urn:service:sos)</RequestURI>', '<Group>1</Group><SIPHeader><Header>Resource-Priority</Header></SIPHeader>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SessionDescription><Line>a</Line><Content>^rtpmap:[0-9]+ AMR-WB/</Content></SessionDescription>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SessionCase>1</SessionCase>', '<ConditionNegated>1</ConditionNegated><Group>2</Group><SIPHeader><Header>History-Info</Header></SIPHeader>'],
  [false, '<Group>0</Group><Method>REFER</Method>', '<Group>1</Group><Method>NOTIFY</Method>', '<Group>2</Group><Method>INFO</Method>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>0</Group><Method>UPDATE</Method>', '<Group>1</Group><RequestURI>ims\\.example\\.com$</RequestURI>'],
  [false, '<Group>0</Group><SIPHeader><Header>User-Agent</Header><Content>^Switchboard-Test/[0-9.]+</Content></SIPHeader>', '<Group>0</Group><SessionCase>3</SessionCase>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SessionDescription><Line>c</Line><Content>^IN IP6 </Content></SessionDescription>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>1</Group><SessionCase>4</SessionCase>'],
  [true, '<Group>0</Group><Method>INVITE</Method>', '<Group>0</Group><Method>MESSAGE</Method>', '<Group>1</Group><SIPHeader><Header>From</Header><Content>alice@ims\\.example\\.com</Content></SIPHeader>'],
];

export function profileXml(): string {
  const ifcs = TRIGGERS.map(([cnf, ...spts], i) => {
    const part = i % 7 === 3 ? '<ProfilePartIndicator>1</ProfilePartIndicator>' : '';
    const sptXml = spts.map((s) => `<SPT>${s}</SPT>`).join('');
    return `<InitialFilterCriteria><Priority>${(i + 1) * 10}</Priority><TriggerPoint><ConditionTypeCNF>${cnf ? 1 : 0}</ConditionTypeCNF>${sptXml}</TriggerPoint><ApplicationServer><ServerName>sip:as${i + 1}.ims.example.com</ServerName><DefaultHandling>${i % 2}</DefaultHandling></ApplicationServer>${part}</InitialFilterCriteria>`;
  });
  return `<?xml version="1.0"?><IMSSubscription><PrivateID>alice@ims.example.com</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:alice@ims.example.com</Identity></PublicIdentity>${ifcs.join('')}</ServiceProfile></IMSSubscription>`;
}

function request(startLine: string, headers: string[], body = ''): SipRequest {
  const data = Buffer.from(`${startLine}${CRLF}${headers.join(CRLF)}${CRLF}Content-Length: ${Buffer.byteLength(body)}${CRLF}${CRLF}${body}`);
  const { message, errors } = parseMessage(data);
  if (!message || message.kind !== 'request' || errors.length > 0) throw new Error(`bench request did not parse: ${JSON.stringify(errors)}`);
  return message;
}

const common = (method: string): string[] => [
  'Via: SIP/2.0/UDP pcscf.ims.example.com:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 69',
  'From: "Alice" <sip:alice@ims.example.com>;tag=1928301774',
  'To: <sip:bob@ims.example.com>',
  'Call-ID: a84b4c76e66710@pcscf.ims.example.com',
  `CSeq: 314159 ${method}`,
  'Contact: <sip:alice@192.0.2.101:5060;ob>;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel"',
  'P-Asserted-Identity: "Alice" <sip:alice@ims.example.com>, <tel:+15551230001>',
  'Route: <sip:scscf.ims.example.com;lr;orig>',
  'User-Agent: Switchboard-Test/1.0',
];

const SDP = [
  'v=0', 'o=alice 2890844526 2890844526 IN IP4 192.0.2.101', 's=-', 'c=IN IP4 192.0.2.101', 't=0 0',
  'm=audio 49170 RTP/AVP 97 98 101', 'a=rtpmap:97 AMR-WB/16000', 'a=rtpmap:98 AMR/8000', 'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', '',
].join(CRLF);

export const REQUESTS: Array<{ name: string; request: SipRequest; ctx: EvaluationContext }> = [
  {
    name: 'INVITE + SDP, originating',
    request: request('INVITE sip:bob@ims.example.com SIP/2.0', [
      ...common('INVITE'),
      'Accept-Contact: *;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel"',
      'Supported: 100rel, timer, precondition',
      'Content-Type: application/sdp',
    ], SDP),
    ctx: { sessionCase: SessionCase.ORIGINATING_REGISTERED, registered: true },
  },
  {
    name: 'INVITE + SDP, terminating',
    request: request('INVITE tel:+15557654321 SIP/2.0', [...common('INVITE'), 'Privacy: id', 'Content-Type: application/sdp'], SDP),
    ctx: { sessionCase: SessionCase.TERMINATING_REGISTERED, registered: true },
  },
  {
    name: 'SUBSCRIBE presence',
    request: request('SUBSCRIBE sip:bob@ims.example.com SIP/2.0', [...common('SUBSCRIBE'), 'Event: presence', 'Expires: 3600', 'Accept: application/pidf+xml']),
    ctx: { sessionCase: SessionCase.ORIGINATING_REGISTERED, registered: true },
  },
  {
    name: 'MESSAGE (SMS over IP)',
    request: request('MESSAGE sip:bob@ims.example.com SIP/2.0', [...common('MESSAGE'), 'Content-Type: application/vnd.3gpp.sms'], 'x'.repeat(120)),
    ctx: { sessionCase: SessionCase.ORIGINATING_REGISTERED, registered: true },
  },
];

let sink = 0;

/** Mean nanoseconds per call over about `ms` milliseconds, after a warm-up. */
function nsPerCall(fn: () => number, ms = 1000): number {
  for (let i = 0; i < 50_000; i++) sink += fn();
  let count = 0;
  const limit = BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 1_000; i++) sink += fn();
    count += 1_000;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / count;
}

export interface IfcBenchRow {
  request: string;
  fired: number;
  evaluateNs: number;
  explainNs: number;
}

export function runIfcBench(ms = 1000): { ifcs: number; rows: IfcBenchRow[] } {
  const loaded = loadProfile(profileXml());
  if (!loaded.ok) throw new Error(`bench profile refused: ${JSON.stringify(loaded.problems)}`);
  const criteria = loaded.subscription.serviceProfiles[0]!.initialFilterCriteria;
  const engine = IfcEngine.compile(criteria, silentLogger);
  if (engine.invalid.length > 0) throw new Error('bench profile has invalid iFCs');
  const rows = REQUESTS.map(({ name, request, ctx }) => ({
    request: name,
    fired: engine.evaluate(request, ctx).length,
    evaluateNs: nsPerCall(() => engine.evaluate(request, ctx).length, ms),
    explainNs: nsPerCall(() => engine.explain(request, ctx).length, ms / 4),
  }));
  return { ifcs: criteria.length, rows };
}

export async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`iFC evaluation (node ${process.version}, ${cpu}); target: 20 iFCs under 20 µs per request`);
  const { ifcs, rows } = runIfcBench();
  console.log(`| request (${ifcs} iFCs) | fired | evaluate µs/request | explain µs/request |`);
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.request} | ${r.fired} | ${(r.evaluateNs / 1000).toFixed(2)} | ${(r.explainNs / 1000).toFixed(2)} |`);
  const worst = Math.max(...rows.map((r) => r.evaluateNs)) / 1000;
  console.log(`worst evaluate: ${worst.toFixed(2)} µs per request (${worst < 20 ? 'meets' : 'MISSES'} the 20 µs target)`);
  if (sink === 42) console.log('');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
