/**
 * `switchboard trace on|off|rules|list|show|clear`: per-call SIP message traces (issue 5 §8),
 * switched on for one user or one app, in `<data dir>/traces.sqlite` (WAL: works while a server
 * runs; the server sees rule changes within a second and writes what it captures there).
 *
 *   switchboard trace on --user alice@sb.test [--for 30m]     (default 1h, at most 24h)
 *   switchboard trace on --app call-screening
 *   switchboard trace off --user alice@sb.test | --app NAME | --all
 *   switchboard trace rules [--json]
 *   switchboard trace list [--limit 20] [--json]
 *   switchboard trace show CALL-ID [--full] [--json]
 *   switchboard trace clear                                    (captured calls; rules stay)
 */
import { InvalidArgumentError, type Command } from 'commander';
import { silentLogger } from '../log/logger.js';
import {
  callJson,
  DEFAULT_RULE_MS,
  formatCallList,
  formatLadder,
  formatRules,
  formatTarget,
  messagesJson,
  openTraceStore,
  parseDuration,
  parseTarget,
  ruleJson,
  TraceInputError,
  type TraceStore,
} from '../trace/index.js';
import type { CliIo } from './io.js';
import { withStore as runWithStore } from './with-store.js';

interface StoreFlags {
  dataDir: string;
  json?: boolean;
}

interface TargetFlags extends StoreFlags {
  user?: string;
  app?: string;
  for?: string;
  all?: boolean;
}

export function registerTraceCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const trace = program.command('trace').description('per-call SIP message traces for one user or one app (read and switched while the server runs)');
  const dataDirOption = ['--data-dir <dir>', 'where the server keeps its data', './data'] as const;
  const withStore = (flags: StoreFlags, body: (store: TraceStore) => Promise<void>): Promise<void> =>
    runWithStore(() => openTraceStore({ dataDir: flags.dataDir, logger: silentLogger }), io, setStatus, body);
  /** A usage mistake is reported before the database is opened. */
  const checked = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof TraceInputError)) throw error;
      io.stderr(`error: ${error.message}\n`);
      setStatus(1);
      return undefined;
    }
  };

  trace
    .command('on')
    .description('trace the calls of a user (From, To or Request-URI) or of an app from now on; switching on again renews the expiry')
    .option('--user <aor>', 'address-of-record, e.g. alice@sb.test')
    .option('--app <name>', 'deployed app name')
    .option('--for <duration>', 'how long, e.g. 90s, 30m, 2h (default 1h, at most 24h)')
    .option(...dataDirOption)
    .option('--json', 'print the rule as JSON')
    .action(async (flags: TargetFlags) => {
      const input = checked(() => ({ target: parseTarget(flags), durationMs: flags.for === undefined ? DEFAULT_RULE_MS : parseDuration(flags.for) }));
      if (input === undefined) return;
      await withStore(flags, async (store) => {
        const rule = store.addRule(input.target, input.durationMs);
        if (flags.json) io.stdout(`${JSON.stringify(ruleJson(rule), null, 2)}\n`);
        else io.stdout(`tracing ${formatTarget(rule)} until ${new Date(rule.expiresAt).toISOString()}\n`);
      });
    });

  trace
    .command('off')
    .description('stop tracing a user or an app (its calls in progress stop being captured)')
    .option('--user <aor>', 'address-of-record')
    .option('--app <name>', 'app name')
    .option('--all', 'switch every rule off')
    .option(...dataDirOption)
    .action(async (flags: TargetFlags) => {
      if (flags.all) {
        if (flags.user !== undefined || flags.app !== undefined) {
          io.stderr('error: --all switches every rule off; do not name a user or an app with it\n');
          setStatus(1);
          return;
        }
        await withStore(flags, async (store) => {
          const removed = store.removeAllRules();
          io.stdout(`switched ${removed} trace rule${removed === 1 ? '' : 's'} off\n`);
        });
        return;
      }
      const target = checked(() => parseTarget(flags));
      if (target === undefined) return;
      await withStore(flags, async (store) => {
        if (!store.removeRule(target)) {
          io.stderr(`error: no trace rule is on for ${formatTarget(target)}\n`);
          setStatus(1);
          return;
        }
        io.stdout(`stopped tracing ${formatTarget(target)}\n`);
      });
    });

  trace
    .command('rules')
    .description('list the trace rules that are on, with their expiry')
    .option(...dataDirOption)
    .option('--json', 'print a JSON array')
    .action(async (flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const rules = store.rules();
        io.stdout(flags.json ? `${JSON.stringify(rules.map(ruleJson), null, 2)}\n` : formatRules(rules, Date.now()));
      }),
    );

  trace
    .command('list')
    .description('recent traced calls, newest first: start time, message count, rule, Call-ID, first request')
    .option('--limit <n>', 'how many (default 20)', positive('--limit'), 20)
    .option(...dataDirOption)
    .option('--json', 'print a JSON array')
    .action(async (flags: StoreFlags & { limit: number }) =>
      withStore(flags, async (store) => {
        const calls = store.calls(flags.limit);
        io.stdout(flags.json ? `${JSON.stringify(calls.map(callJson), null, 2)}\n` : formatCallList(calls));
      }),
    );

  trace
    .command('show')
    .description('the message ladder of one traced call')
    .argument('<call-id>', 'Call-ID (see `switchboard trace list`)')
    .option('--full', 'print each whole message under its ladder line (credentials redacted)')
    .option(...dataDirOption)
    .option('--json', 'print the call and its messages as JSON')
    .action(async (callId: string, flags: StoreFlags & { full?: boolean }) =>
      withStore(flags, async (store) => {
        const call = store.call(callId);
        if (call === undefined) {
          io.stderr(`error: no traced call has Call-ID "${callId}" (see switchboard trace list)\n`);
          setStatus(1);
          return;
        }
        const messages = store.messages(callId);
        if (flags.json) io.stdout(`${JSON.stringify({ call: callJson(call), messages: messagesJson(messages) }, null, 2)}\n`);
        else io.stdout(formatLadder(call, messages, { full: flags.full === true }));
      }),
    );

  trace
    .command('clear')
    .description('delete every captured call (the rules stay on)')
    .option(...dataDirOption)
    .action(async (flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const removed = store.clearCalls();
        io.stdout(`deleted ${removed} traced call${removed === 1 ? '' : 's'}\n`);
      }),
    );
}

function positive(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/u.test(value) || Number(value) < 1 || Number(value) > 10_000) throw new InvalidArgumentError(`${flag} must be a whole number from 1 to 10000, got "${value}"`);
    return Number(value);
  };
}
