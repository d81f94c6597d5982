/** `switchboard start`: load configuration, start the server, stop cleanly on SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig, type ConfigOverrides } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import { SwitchboardServer } from '../server/switchboard-server.js';
import type { CliIo } from './io.js';

interface StartFlags {
  config?: string;
  sipPort?: string;
  httpPort?: string;
  host?: string;
  dataDir?: string;
  logLevel?: string;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function registerStartCommand(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  program
    .command('start')
    .description('run the SIP server (defaults: SIP UDP+TCP 5060, HTTP 8080, data in ./data)')
    .option('--config <file>', 'YAML or JSON configuration file')
    .option('--sip-port <port>', 'SIP port for UDP and TCP')
    .option('--http-port <port>', 'HTTP API port')
    .option('--host <address>', 'address to bind SIP and HTTP to')
    .option('--data-dir <dir>', 'where data is kept')
    .option('--log-level <level>', `one of ${logLevels.join(', ')}`)
    .action(async (flags: StartFlags) => {
      const config = loadConfig(flags.config, toOverrides(flags));
      const logger = createLogger({ level: config.log.level });
      const server = new SwitchboardServer(config, logger);
      await server.start();
      await new Promise<void>((resolve) => {
        // A terminal's Ctrl-C reaches both the launcher (which forwards it) and the server
        // process, so a repeated signal must not stop twice or kill mid-shutdown.
        let stopping = false;
        const shutdown = (signal: NodeJS.Signals): void => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'stopping');
          server.stop().then(resolve, (error: unknown) => {
            io.stderr(`error while stopping: ${(error as Error).message}\n`);
            setStatus(1);
            resolve();
          });
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
    });
}

function toOverrides(flags: StartFlags): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (flags.host !== undefined) overrides.host = flags.host;
  if (flags.sipPort !== undefined) overrides.sipPort = parsePortFlag(flags.sipPort, '--sip-port');
  if (flags.httpPort !== undefined) overrides.httpPort = parsePortFlag(flags.httpPort, '--http-port');
  if (flags.dataDir !== undefined) overrides.dataDir = flags.dataDir;
  if (flags.logLevel !== undefined) {
    const level = logLevels.find((l) => l === flags.logLevel);
    if (!level) throw new Error(`--log-level must be one of ${logLevels.join(', ')}, got "${flags.logLevel}"`);
    overrides.logLevel = level;
  }
  return overrides;
}

function parsePortFlag(text: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new Error(`${flag} must be a port number from 0 to 65535, got "${text}"`);
  return Number(text);
}
