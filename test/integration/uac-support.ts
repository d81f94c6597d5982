/**
 * A UA built from the real core for the UAC / B2BUA tests: loopback UDP and TCP transport, a
 * transaction layer, the UA core and its transaction user (the same hooks the endpoint wiring
 * uses). `onNewRequest` answers what is not for one of the core's dialogs.
 */
import { UserAgentCore } from '../../platform/endpoint/user-agent-core.js';
import { contactFromTransport } from '../../platform/endpoint/user-agent-contact.js';
import { UserAgentTransactionUser, type NewRequestHandler } from '../../platform/endpoint/user-agent-transaction-user.js';
import { silentLogger } from '../../platform/log/logger.js';
import { createResponse, generateTag } from '../../platform/sip/index.js';
import { TransactionLayer } from '../../platform/transaction/transaction-layer.js';
import type { TimerConfig } from '../../platform/transaction/timers.js';
import { TransportLayer } from '../../platform/transport/transport-layer.js';
import { freePort } from '../support/ports.js';
import { runSipp, type SippOptions, type SippRun } from '../support/sipp.js';

export interface TestUserAgent {
  readonly port: number;
  readonly core: UserAgentCore;
  readonly transactions: TransactionLayer;
  stop(): Promise<void>;
}

export async function startUserAgent(onNewRequest?: NewRequestHandler, timers?: Partial<TimerConfig>): Promise<TestUserAgent> {
  const port = await freePort();
  const transport = new TransportLayer({
    listen: [
      { protocol: 'udp', host: '127.0.0.1', port },
      { protocol: 'tcp', host: '127.0.0.1', port },
    ],
    logger: silentLogger,
  });
  const transactions = new TransactionLayer({ sender: transport, logger: silentLogger, ...(timers ? { timers } : {}) });
  const core = new UserAgentCore({ transactions, contact: contactFromTransport(transport), logger: silentLogger, userAgent: 'switchboard-test' });
  const fallback: NewRequestHandler = (request, transaction) =>
    transaction.respond(createResponse(request, 405, 'Method Not Allowed', { toTag: generateTag(), headers: [{ name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE' }] }));
  transactions.setUser(new UserAgentTransactionUser(core, onNewRequest ?? fallback, silentLogger));
  transport.onMessage(transactions.handleInbound);
  await transport.start();
  return {
    port,
    core,
    transactions,
    async stop() {
      core.close();
      await transport.stop();
      transactions.close();
    },
  };
}

/** Starts a SIPp UAS and gives it time to bind before the test sends to it. (Wrapped: an
 *  async function returning the run's promise would wait for SIPp to exit.) */
export async function startSippUas(options: Omit<SippOptions, 'remote'>): Promise<{ run: Promise<SippRun> }> {
  const run = runSipp(options);
  await delay(400);
  return { run };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first value of a header in a traced message. */
export function header(text: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(text);
  return match?.[1]?.trim();
}

export function tagIn(value: string | undefined): string | undefined {
  return value ? /;\s*tag=([^;>\s]+)/i.exec(value)?.[1] : undefined;
}
