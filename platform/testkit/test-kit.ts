/**
 * The test kit for app authors (issue 5, Deliver 6): an in-memory container — the real sandbox
 * runtime and app engine, no sockets — with a simulated SIP core, scripted phones, a virtual
 * clock, fault injection and a recorded message ladder.
 *
 *   const kit = await createTestKit({ apps: ['apps/follow-me'] });
 *   kit.kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1', 'sip:mobile@10.0.0.2']);
 *   kit.phone('sip:desk@10.0.0.1', { answer: 'noanswer' });
 *   kit.phone('sip:mobile@10.0.0.2', { answer: 'answer', ringMs: 3000 });
 *   const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
 *   expect((await call.settle()).status).toBe(200);   // runs the virtual clock: 15 s + 3 s
 *   expect(kit.ladder().map((m) => m.label)).toEqual([...]);
 *   await kit.close();
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { AppManifestInput, AppRuntimeOptions, DeployedApp, JsonValue } from '../container/index.js';
import type { Logger } from '../log/logger.js';
import type { ServiceEngine, ServiceHost, RegistrationEvent } from '../services/index.js';
import { createAppEngine, type AppEngine } from '../sdk/host/app-engine.js';
import { CallRegistry } from '../sdk/host/call-registry.js';
import { AppManager } from '../sdk/host/app-manager.js';
import type { AppSelection } from '../sdk/host/app-selection.js';
import { capabilityProviders, createCapabilityContainer } from '../sdk/host/capability-bindings.js';
import { createMemoryKv, type KvBackend } from '../sdk/host/kv-store.js';
import type { PlainData } from '../sdk/protocol.js';
import { generateCallId, generateTag, parseMessage, parseUri, SipRequest, type HeaderField } from '../sip/index.js';
import { Activity } from './activity.js';
import { createKitUserAgent } from './fake-user-agent.js';
import { KitCall } from './kit-call.js';
import { KitRuntime, type InjectedFault } from './kit-runtime.js';
import { formatLadder, Ladder, type LadderEntry } from './ladder.js';
import { Network } from './network.js';
import { Phone, type PhoneOptions } from './phones.js';
import { SimCore } from './sim-core.js';
import { VirtualClock } from './virtual-clock.js';

export interface TestKitOptions {
  /** App folders deployed at start, in this order (as `switchboard app deploy DIR`). */
  readonly apps?: readonly string[];
  /** The server's domains: URIs there are our users (default `sb.test`). */
  readonly domains?: readonly string[];
  /** Which apps see which requests (config `apps.selection`, default `all`). */
  readonly selection?: AppSelection;
  /** Idle application-session expiry (default 3 min), on the virtual clock. */
  readonly sessionExpiryMs?: number;
  /** More engines, asked after the apps (a CPL engine, a stub). */
  readonly engines?: readonly ServiceEngine[];
  /** Key-value content to start with: `{ app: { key: value } }`. */
  readonly kv?: Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;
  /** Sandbox runtime options (fault limit, hosting …). */
  readonly runtime?: Pick<AppRuntimeOptions, 'faultLimit' | 'hosting' | 'fastPath' | 'loadTimeoutMs'>;
  /** Default: a logger whose lines `kit.logs()` returns. */
  readonly logger?: Logger;
}

export interface CallOptions {
  /** The caller: a URI or name-addr (`"Alice" <sip:alice@example.org>`). */
  readonly from: string;
  /** The callee (To), also the Request-URI unless `uri` is given. */
  readonly to: string;
  readonly uri?: string;
  readonly callId?: string;
  readonly headers?: Readonly<Record<string, string>> | readonly HeaderField[];
  readonly body?: string;
  readonly contentType?: string;
  /** The caller proved to be the From user (default: when From is one of our users) — the
   *  request then runs the caller's originating services first. */
  readonly authenticated?: boolean;
  /** The caller's name in the ladder (default From's user part). */
  readonly name?: string;
}

export interface KitLogLine {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly msg: string;
  readonly app?: string;
  /** `app` for lines an app wrote with ctx.log. */
  readonly source?: string;
  readonly [field: string]: unknown;
}

const LEVELS: Record<number, KitLogLine['level']> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export async function createTestKit(options: TestKitOptions = {}): Promise<TestKit> {
  const kit = new TestKit(options);
  for (const dir of options.apps ?? []) await kit.deploy(dir);
  return kit;
}

export class TestKit {
  readonly clock: VirtualClock;
  readonly runtime: KitRuntime;
  readonly engine: AppEngine;
  /** The apps' key-value stores (what `ctx.kv` reads): `kv.set(app, key, value)`. */
  readonly kv: KvBackend;
  /** The ServiceHost the engines see (location service over the phones, UA core). */
  readonly host: ServiceHost;
  readonly #activity = new Activity();
  readonly #ladder: Ladder;
  readonly #network: Network;
  readonly #core: SimCore;
  readonly #manager: AppManager;
  readonly #logLines: KitLogLine[] = [];
  readonly #folders: string[] = [];
  readonly #registrations = new Set<(event: RegistrationEvent) => void>();
  readonly #domains: readonly string[];

  constructor(options: TestKitOptions = {}) {
    this.#domains = options.domains ?? ['sb.test'];
    this.clock = new VirtualClock({ settle: () => this.#activity.idle() });
    this.#ladder = new Ladder(() => this.clock.elapsed);
    this.#network = new Network(this.#domains, this.clock, this.#ladder);
    const logger = options.logger ?? this.#captureLogger();
    this.kv = createMemoryKv();
    for (const [app, entries] of Object.entries(options.kv ?? {})) for (const [key, value] of Object.entries(entries)) this.kv.set(app, key, value);
    this.host = this.#createHost();
    // `ctx.calls` ends the apps' bridged calls: the engine and the capability share the registry.
    const calls = new CallRegistry();
    const capabilities = capabilityProviders(createCapabilityContainer({ kv: this.kv, host: { current: this.host }, calls, logger, clock: this.clock }));
    this.runtime = new KitRuntime({ logger, capabilities, ...options.runtime }, this.#activity);
    this.engine = createAppEngine({
      runtime: this.runtime,
      logger,
      clock: this.clock,
      calls,
      ...(options.selection === undefined ? {} : { selection: options.selection }),
      ...(options.sessionExpiryMs === undefined ? {} : { sessionExpiryMs: options.sessionExpiryMs }),
    });
    this.#manager = new AppManager({ runtime: this.runtime, logger, onUndeployed: (name) => this.engine.dropApp(name), stats: (name) => this.engine.stats(name) });
    const engines: readonly ServiceEngine[] = [this.engine, ...(options.engines ?? [])];
    this.#core = new SimCore({ network: this.#network, clock: this.clock, ladder: this.#ladder, activity: this.#activity, host: this.host, logger, engines: () => engines });
  }

  /** Bundles and deploys an app folder (throws DeployError like `switchboard app deploy`). */
  deploy(dir: string): Promise<DeployedApp> {
    return this.#manager.deployDir(dir);
  }

  /** Deploys an app written inline: `source` is its `src/index.ts` (import from '@switchboard/sdk'). */
  async deploySource(source: string, manifest: Partial<AppManifestInput> = {}): Promise<DeployedApp> {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-testkit-'));
    this.#folders.push(dir);
    const full = { name: 'test-app', version: '1.0.0', entry: 'src/index.ts', ...manifest };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(full, null, 2));
    await mkdir(dirname(join(dir, full.entry)), { recursive: true });
    await writeFile(join(dir, full.entry), source);
    return this.deploy(dir);
  }

  undeploy(name: string): Promise<boolean> {
    return this.#manager.undeploy(name);
  }

  /**
   * A scripted phone at `uri`. A URI of the kit's domains (`sip:bob@sb.test`) is a registered
   * user: calls to it ring this phone (at `contact`, default the URI); any other URI is a phone
   * an app can proxy to directly.
   */
  phone(uri: string, options: PhoneOptions = {}): Phone {
    const parsed = parseUri(uri);
    const name = parsed.kind === 'sip' ? (parsed.user ?? parsed.host) : uri;
    const phone = new Phone(uri, options, this.clock, name);
    this.#network.add(phone);
    const aor = this.#network.aorOf(uri);
    if (aor !== undefined) {
      const event: RegistrationEvent = { type: 'added', aor, contact: { uri: phone.contact, q: phone.q ?? 1, expiresAt: this.clock.now() + 3_600_000 } };
      for (const listener of this.#registrations) listener(event);
    }
    return phone;
  }

  /** A user of ours with no phone registered (lookups: no bindings; calls: 480). */
  user(aor: string): void {
    this.#network.addUser(aor.replace(/^sips?:/u, ''));
  }

  /** The caller sends an INVITE; the returned call settles as the core and apps decide. */
  invite(options: CallOptions): KitCall {
    return this.request('INVITE', options);
  }

  /** The caller sends an initial request of any method (MESSAGE, SUBSCRIBE, an extension …). */
  request(method: string, options: CallOptions): KitCall {
    if (method.toUpperCase() === 'REGISTER') throw new Error('the kit has no registrar: kit.phone() registers a phone');
    const request = buildRequest(method.toUpperCase(), options);
    const from = parseUri(options.from.includes('<') ? (/<([^>]+)>/u.exec(options.from)?.[1] ?? options.from) : options.from);
    const caller = options.name ?? (from.kind === 'sip' ? (from.user ?? from.host) : 'caller');
    const call = new KitCall(request, caller, { ladder: this.#ladder, clock: this.clock, activity: this.#activity });
    const local = from.kind === 'sip' && this.#network.isLocalDomain(from.host);
    this.#core.start(call, { authenticated: options.authenticated ?? local });
    return call;
  }

  /** The next event of `app` (optionally only of one kind) fails with `fault` instead of running. */
  failNextEvent(app: string, fault: InjectedFault = {}): void {
    this.runtime.inject(app, fault);
  }

  /** Every message so far (optionally of one Call-ID), with virtual times. */
  ladder(filter: { callId?: string } = {}): LadderEntry[] {
    return this.#ladder.entries(filter);
  }

  /** The ladder as aligned text (see formatLadder). */
  formatLadder(options: { callId?: string; times?: boolean } = {}): string {
    return formatLadder(this.#ladder.entries(options.callId === undefined ? {} : { callId: options.callId }), options.times === undefined ? {} : { times: options.times });
  }

  /** The application session's attributes (plain data) — undefined once it ended. */
  session(app: string, callId: string): { readonly [key: string]: PlainData } | undefined {
    const session = this.engine.sessions.get(app, callId);
    return session === undefined || session.invalidated ? undefined : session.attributes;
  }

  /** Log lines (the default logger only), of one app when given: its ctx.log lines and faults. */
  logs(app?: string): KitLogLine[] {
    return this.#logLines.filter((line) => app === undefined || line.app === app);
  }

  /** Waits until no app event and no step of the core is running. */
  idle(): Promise<void> {
    return this.#activity.idle();
  }

  async close(): Promise<void> {
    await this.#activity.idle().catch(() => undefined);
    this.engine.close();
    await this.runtime.close();
    await Promise.all(this.#folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }

  #createHost(): ServiceHost {
    const network = this.#network;
    return {
      lookup: async (uri) => {
        const aor = network.aorOf(uri);
        if (aor === undefined) return { kind: 'not-ours' };
        const found = network.lookup(aor);
        if (found.kind !== 'found') return found;
        return { kind: 'found', contacts: found.phones.map((phone) => ({ uri: phone.contact, q: phone.q ?? 1, expiresAt: this.clock.now() + 3_600_000 })) };
      },
      isLocalDomain: (domain) => network.isLocalDomain(domain),
      onRegistration: (listener) => {
        this.#registrations.add(listener);
        return () => void this.#registrations.delete(listener);
      },
      userAgent: createKitUserAgent(network),
    };
  }

  #captureLogger(): Logger {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString('utf8').split('\n')) {
          if (text === '') continue;
          const { level, ...rest } = JSON.parse(text) as { level: number; msg: string; [field: string]: unknown };
          this.#logLines.push({ ...rest, level: LEVELS[level] ?? 'info' });
        }
        done();
      },
    });
    return pino({ level: 'debug' }, sink);
  }
}

/** The caller's request as it arrives (RFC 3261 §8.1.1: every mandatory header). */
function buildRequest(method: string, options: CallOptions): SipRequest {
  const nameAddr = (value: string): string => (value.includes('<') ? value : `<${value}>`);
  const callId = options.callId ?? generateCallId();
  const headers: HeaderField[] = Array.isArray(options.headers)
    ? [...(options.headers as readonly HeaderField[])]
    : Object.entries((options.headers ?? {}) as Record<string, string>).map(([name, value]) => ({ name, value }));
  const body = options.body ?? '';
  const lines = [
    `${method} ${options.uri ?? options.to.replace(/^.*<([^>]+)>.*$/u, '$1')} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK${generateTag()}`,
    'Max-Forwards: 70',
    `From: ${nameAddr(options.from)};tag=${generateTag()}`,
    `To: ${nameAddr(options.to)}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    ...(method === 'INVITE' ? [`Contact: ${nameAddr(options.from.replace(/^.*<([^>]+)>.*$/u, '$1'))}`] : []),
    ...headers.map((field) => `${field.name}: ${field.value}`),
    ...(body === '' ? [] : [`Content-Type: ${options.contentType ?? (method === 'INVITE' ? 'application/sdp' : 'text/plain')}`]),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  const { message } = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`));
  if (!(message instanceof SipRequest)) throw new Error(`the kit could not build a valid ${method} from ${JSON.stringify(options)}`);
  return message;
}
