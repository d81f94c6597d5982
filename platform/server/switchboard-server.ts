/**
 * Composition root: the only place that knows every layer. Binds them in an inversify container
 * and starts/stops them in dependency order (transport last up, first down).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Container } from 'inversify';
import type { SwitchboardConfig } from '../config/config.js';
import { Endpoint } from '../endpoint/endpoint.js';
import { coreCapabilities } from '../endpoint/capabilities.js';
import { FallbackStage } from '../endpoint/fallback-stage.js';
import { OptionsStage } from '../endpoint/options-stage.js';
import { ValidateStage } from '../endpoint/validate-stage.js';
import { HttpServer } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import { TransportLayer } from '../transport/transport-layer.js';
import type { TransportConfig } from '../transport/transport-config.js';
import type { InboundMessage } from '../transport/types.js';

const TOKENS = {
  config: Symbol.for('switchboard.config'),
  logger: Symbol.for('switchboard.logger'),
  transport: Symbol.for('switchboard.transport'),
  transactions: Symbol.for('switchboard.transactions'),
  endpoint: Symbol.for('switchboard.endpoint'),
  http: Symbol.for('switchboard.http'),
} as const;

export class SwitchboardServer {
  readonly #container = new Container();
  readonly #logger: Logger;
  #started = false;

  constructor(config: SwitchboardConfig, logger: Logger) {
    this.#logger = logger;
    const c = this.#container;
    c.bind<SwitchboardConfig>(TOKENS.config).toConstantValue(config);
    c.bind<Logger>(TOKENS.logger).toConstantValue(logger);
    c.bind<TransportLayer>(TOKENS.transport)
      .toDynamicValue(() => new TransportLayer(transportConfig(config, logger)))
      .inSingletonScope();
    c.bind<TransactionLayer>(TOKENS.transactions)
      .toDynamicValue((ctx) => {
        const transport = ctx.get<TransportLayer>(TOKENS.transport);
        const { t1, t2, t4 } = config.sip.timers;
        return new TransactionLayer({ sender: transport, timers: { T1: t1, T2: t2, T4: t4 }, logger: logger.child({ component: 'transaction' }) });
      })
      .inSingletonScope();
    c.bind<Endpoint>(TOKENS.endpoint)
      .toDynamicValue(() => {
        const capabilities = coreCapabilities;
        return new Endpoint([new ValidateStage(capabilities), new OptionsStage(capabilities), new FallbackStage()], logger);
      })
      .inSingletonScope();
    c.bind<HttpServer>(TOKENS.http)
      .toDynamicValue(() => new HttpServer({ host: config.http.host, port: config.http.port, logger, statusSource: { status: () => this.status() } }))
      .inSingletonScope();
  }

  get config(): SwitchboardConfig {
    return this.#container.get<SwitchboardConfig>(TOKENS.config);
  }

  async start(): Promise<void> {
    const config = this.config;
    const dataDir = resolve(config.dataDir);
    mkdirSync(dataDir, { recursive: true });
    const transport = this.#container.get<TransportLayer>(TOKENS.transport);
    const transactions = this.#container.get<TransactionLayer>(TOKENS.transactions);
    transactions.setUser(this.#container.get<Endpoint>(TOKENS.endpoint));
    transport.onMessage((inbound: InboundMessage) => transactions.handleInbound(inbound));
    const httpPort = await this.#container.get<HttpServer>(TOKENS.http).start();
    await transport.start();
    this.#started = true;
    this.#logger.info({ sip: transport.listeners, http: { host: config.http.host, port: httpPort }, dataDir }, 'switchboard started');
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#container.get<TransportLayer>(TOKENS.transport).stop();
    this.#container.get<TransactionLayer>(TOKENS.transactions).close();
    await this.#container.get<HttpServer>(TOKENS.http).stop();
    this.#logger.info('switchboard stopped');
  }

  status(): Record<string, unknown> {
    return {
      sip: this.#container.get<TransportLayer>(TOKENS.transport).listeners,
      transactions: this.#container.get<TransactionLayer>(TOKENS.transactions).size,
    };
  }
}

function transportConfig(config: SwitchboardConfig, logger: Logger): TransportConfig {
  const { sip } = config;
  const advertised = sip.advertisedHost ? { advertisedHost: sip.advertisedHost } : {};
  const listen: TransportConfig['listen'] = sip.transports.map((protocol) => ({ protocol, host: sip.host, port: sip.port, ...advertised }));
  if (sip.tls) {
    // Paths from the config file; the transport reads the PEM files and names them if unreadable.
    listen.push({ protocol: 'tls', host: sip.host, port: sip.tls.port, ...advertised, tls: { cert: sip.tls.cert, key: sip.tls.key } });
  }
  return {
    listen,
    maxMessageSize: sip.maxMessageSize,
    maxConnections: sip.maxConnections,
    idleTimeoutMs: sip.idleTimeoutMs,
    logger: logger.child({ component: 'transport' }),
  };
}
