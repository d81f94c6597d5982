/** The configuration file's sections as the SIP pipeline's options (sip-pipeline.ts). */
import type { SwitchboardConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { TransportConfig } from '../transport/transport-config.js';
import type { SipPipelineOptions } from './sip-pipeline.js';

export function sipPipelineOptions(
  config: SwitchboardConfig,
  parts: Pick<SipPipelineOptions, 'store' | 'logger' | 'engines'> & { nonceSecret: Buffer },
): SipPipelineOptions {
  const { registrar, proxy, auth } = config;
  return {
    transport: transportConfig(config, parts.logger),
    store: parts.store,
    domains: config.domains,
    logger: parts.logger,
    ...(parts.engines ? { engines: parts.engines } : {}),
    timers: { T1: config.sip.timers.t1, T2: config.sip.timers.t2, T4: config.sip.timers.t4 },
    registrar: {
      minExpires: registrar.minExpires,
      maxExpires: registrar.maxExpires,
      defaultExpires: registrar.defaultExpires,
      maxContactsPerAor: registrar.maxContactsPerAor,
    },
    proxy: {
      timerCMs: proxy.timerCMs,
      sequentialTimeoutMs: proxy.sequentialTimeoutMs,
      recordRoute: proxy.recordRoute,
      recurseOn3xx: proxy.recurseOn3xx,
      maxBranches: proxy.maxBranches,
    },
    forwarding: { forking: proxy.forking },
    ...(proxy.redirectDomains.length > 0 ? { redirect: { domains: proxy.redirectDomains } } : {}),
    ...(config.isc.enabled ? { isc: { trustedScscf: config.isc.trustedScscf, recordRoute: config.isc.recordRoute, historyInfo: config.isc.historyInfo, ...(config.isc.asUri ? { asUri: config.isc.asUri } : {}), ...(config.isc.originatingScscf ? { originatingScscf: config.isc.originatingScscf } : {}) } } : {}),
    receivedRouting: proxy.receivedRouting,
    allowRelay: proxy.allowRelay,
    auth: {
      secret: parts.nonceSecret,
      algorithms: auth.algorithms,
      nonceLifetimeMs: auth.nonceLifetimeMs,
      authenticateRequests: auth.authenticateRequests,
      limiter: { ...auth.rateLimit },
    },
  };
}

export function transportConfig(config: SwitchboardConfig, logger: Logger): TransportConfig {
  const { sip } = config;
  const advertised = sip.advertisedHost ? { advertisedHost: sip.advertisedHost } : {};
  const listen: TransportConfig['listen'] = sip.transports.map((protocol) => ({ protocol, host: sip.host, port: sip.port, ...advertised }));
  if (sip.tls) {
    // Paths from the config file; the transport reads the PEM files and names them if unreadable.
    listen.push({ protocol: 'tls', host: sip.host, port: sip.tls.port, ...advertised, tls: { cert: sip.tls.cert, key: sip.tls.key } });
  }
  // The UDP receive buffer (4 MB) is the transport's own default (udp-transport.ts).
  return {
    listen,
    maxMessageSize: sip.maxMessageSize,
    maxConnections: sip.maxConnections,
    idleTimeoutMs: sip.idleTimeoutMs,
    udpSocketThread: sip.udpSocketThread,
    logger: logger.child({ component: 'transport' }),
  };
}
