/**
 * `switchboard cpl …`: manage users' CPL scripts (RFC 3880) in the store under --data-dir, and
 * check or simulate a script file.
 *
 *   cpl put USER FILE      validate and store (FILE "-" reads standard input); errors keep the old script
 *   cpl get USER           print the stored script
 *   cpl rm USER            remove it
 *   cpl log USER           the entries the script's `log` nodes wrote
 *   cpl validate FILE      problems as FILE:line:column [rule] message (or --json)
 *   cpl simulate FILE      the decision path and the actions in order (or --json)
 *
 * The store is the server's SQLite file (WAL), so this works while the server runs; the
 * server checks the stored script's hash on every call, so a put takes effect on the next call.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { formatSimulation, simulateCpl, simulationJson, validateCpl, type CplDiagnostic, type CplSimulatedCall } from '../../cpl/index.js';
import { CplScriptManager, formatProblems } from '../../cpl/service/index.js';
import { silentLogger } from '../log/logger.js';
import { normalizeAor } from '../store/aor.js';
import { openCplStore, type CplStore } from '../store/cpl-store.js';
import type { CliIo } from './io.js';
import { withStore as runWithStore } from './with-store.js';

interface StoreFlags {
  dataDir: string;
  json?: boolean;
}

interface SimulateFlags {
  direction: string;
  from: string;
  to?: string;
  requestUri?: string;
  header: string[];
  time?: string;
  outcome: string[];
  registrations?: string;
  floatingTimeZone?: string;
  json?: boolean;
}

export function registerCplCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const cpl = program.command('cpl').description('Call Processing Language (RFC 3880) scripts: store, check, simulate');
  const dataDirOption = ['--data-dir <dir>', 'where the server keeps its data', './data'] as const;

  const withStore = (flags: StoreFlags, body: (store: CplStore) => Promise<void>): Promise<void> =>
    runWithStore(() => openCplStore({ dataDir: flags.dataDir, logger: silentLogger }), io, setStatus, body);

  cpl
    .command('put')
    .description("validate a script and store it as the user's script (a rejected script leaves the old one active)")
    .argument('<user>', 'the owner, user@domain')
    .argument('<file>', 'the CPL script; "-" for standard input')
    .option(...dataDirOption)
    .option('--json', 'print the result as JSON')
    .action(async (user: string, file: string, flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const aor = normalizeAor(user.replace(/^sips?:/iu, ''));
        const xml = await readScript(file, io);
        const result = await new CplScriptManager(store.scripts).upload(aor, xml);
        if (!result.ok) {
          if (flags.json) io.stdout(`${JSON.stringify({ ok: false, problems: result.errors, warnings: result.warnings }, null, 2)}\n`);
          io.stderr(prefixed(file, result.errors, 'error') + prefixed(file, result.warnings, 'warning'));
          io.stderr(`error: ${file}: rejected (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}); the previous script of ${aor}, if any, stays active\n`);
          setStatus(1);
          return;
        }
        io.stderr(prefixed(file, result.warnings, 'warning'));
        const { record } = result;
        if (flags.json) {
          io.stdout(`${JSON.stringify({ ok: true, aor: record.aor, version: record.version, hash: record.hash, size: record.size, uploadedAt: new Date(record.uploadedAt).toISOString(), warnings: result.warnings }, null, 2)}\n`);
        } else {
          io.stdout(`${result.created ? 'stored' : 'replaced'} the CPL script of ${record.aor} (version ${record.version}, ${record.size} bytes)\n`);
        }
      }),
    );

  cpl
    .command('get')
    .description("print the user's stored script")
    .argument('<user>', 'user@domain')
    .option(...dataDirOption)
    .option('--json', 'print the script with its version and upload time as JSON')
    .action(async (user: string, flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const aor = normalizeAor(user.replace(/^sips?:/iu, ''));
        const record = await store.scripts.get(aor);
        if (record === undefined) {
          io.stderr(`error: ${aor} has no CPL script\n`);
          setStatus(1);
          return;
        }
        if (flags.json) io.stdout(`${JSON.stringify({ aor: record.aor, version: record.version, hash: record.hash, size: record.size, uploadedAt: new Date(record.uploadedAt).toISOString(), script: record.xml }, null, 2)}\n`);
        else io.stdout(record.xml.endsWith('\n') ? record.xml : `${record.xml}\n`);
      }),
    );

  cpl
    .command('rm')
    .description("remove the user's script (calls get the default behaviour)")
    .argument('<user>', 'user@domain')
    .option(...dataDirOption)
    .action(async (user: string, flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const aor = normalizeAor(user.replace(/^sips?:/iu, ''));
        if (!(await store.scripts.remove(aor))) {
          io.stderr(`error: ${aor} has no CPL script\n`);
          setStatus(1);
          return;
        }
        io.stdout(`removed the CPL script of ${aor}\n`);
      }),
    );

  cpl
    .command('log')
    .description("the entries the user's script logged (RFC 3880 §7.2), newest first")
    .argument('<user>', 'user@domain')
    .option(...dataDirOption)
    .option('--limit <n>', 'how many entries', wholeNumber('--limit'), 50)
    .option('--json', 'print the entries as JSON')
    .action(async (user: string, flags: StoreFlags & { limit: number }) =>
      withStore(flags, async (store) => {
        const aor = normalizeAor(user.replace(/^sips?:/iu, ''));
        const entries = await store.logs.list(aor, { limit: flags.limit });
        if (flags.json) {
          io.stdout(`${JSON.stringify(entries.map((e) => ({ ...e, time: new Date(e.time).toISOString() })), null, 2)}\n`);
          return;
        }
        for (const e of entries) {
          io.stdout(`${new Date(e.time).toISOString()} ${e.name ?? '-'} ${e.origin} → ${e.destination}${e.comment !== null ? `: ${e.comment}` : ''}\n`);
        }
      }),
    );

  cpl
    .command('validate')
    .description('check a script: every problem with its line, column and rule')
    .argument('<file>', 'the CPL script; "-" for standard input')
    .option('--json', 'print {valid, problems, warnings} as JSON')
    .action(async (file: string, flags: { json?: boolean }) => {
      let xml: string;
      try {
        xml = await readScript(file, io);
      } catch (error) {
        io.stderr(`error: ${(error as Error).message}\n`);
        setStatus(1);
        return;
      }
      const result = validateCpl(xml);
      if (flags.json) {
        io.stdout(`${JSON.stringify({ valid: result.ok, problems: result.errors, warnings: result.warnings }, null, 2)}\n`);
      } else {
        io.stderr(prefixed(file, result.errors, 'error') + prefixed(file, result.warnings, 'warning'));
        if (result.ok) io.stdout(`${file}: valid${result.warnings.length > 0 ? ` (${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'})` : ''}\n`);
      }
      if (!result.ok) setStatus(1);
    });

  cpl
    .command('simulate')
    .description('run a script against an imagined call and explain its decision')
    .argument('<file>', 'the CPL script; "-" for standard input')
    .option('--direction <dir>', 'incoming (the owner is called) or outgoing (the owner calls)', 'incoming')
    .option('--from <addr>', 'From header value', '<sip:caller@example.org>')
    .option('--to <addr>', 'To header value (default: the Request-URI)')
    .option('--request-uri <uri>', 'Request-URI (default: the URI in --to)')
    .option('--header <"Name: value">', 'an extra header (Subject, Priority, Accept-Language, User-Agent, …); repeatable', collect, [])
    .option('--time <iso>', 'when the call arrives, e.g. 2026-12-03T09:30:00Z (default now)')
    .option('--outcome <uri=result>', 'what a proxy target does: sip:a@b=486, =busy, =noanswer, =200, =302:sip:c@d; "*=…" for any other; repeatable', collect, [])
    .option('--registrations <list>', 'what lookup source="registration" finds: addresses, "notfound" or "failure"')
    .option('--floating-time-zone <zone>', 'zone of time-switches without tzid (the server\'s cpl.floatingTimeZone; default UTC)')
    .option('--json', 'print the simulation as JSON (format switchboard.cpl.simulation/1)')
    .action(async (file: string, flags: SimulateFlags) => {
      try {
        if (flags.direction !== 'incoming' && flags.direction !== 'outgoing') throw new Error(`--direction must be incoming or outgoing, got "${flags.direction}"`);
        if (flags.to === undefined && flags.requestUri === undefined) throw new Error('give --to or --request-uri (the called address)');
        const xml = await readScript(file, io);
        const headers: Record<string, string[]> = {};
        for (const header of flags.header) {
          const colon = header.indexOf(':');
          if (colon <= 0) throw new Error(`--header "${header}" is not "Name: value"`);
          const name = header.slice(0, colon).trim().toLowerCase();
          (headers[name] ??= []).push(header.slice(colon + 1).trim());
        }
        const outcomes: Record<string, string> = {};
        for (const spec of flags.outcome) {
          const eq = spec.indexOf('=');
          if (eq <= 0) throw new Error(`--outcome "${spec}" is not TARGET=RESULT (e.g. sip:a@b=486)`);
          outcomes[spec.slice(0, eq).trim()] = spec.slice(eq + 1).trim();
        }
        const to = flags.to ?? `<${flags.requestUri as string}>`;
        const call: CplSimulatedCall = {
          direction: flags.direction,
          from: flags.from,
          to,
          ...(flags.requestUri !== undefined ? { requestUri: flags.requestUri } : {}),
          headers,
          ...(flags.time !== undefined ? { time: flags.time } : {}),
          ...(flags.registrations !== undefined ? { registrations: flags.registrations } : {}),
        };
        if (flags.time !== undefined && Number.isNaN(new Date(flags.time).getTime())) throw new Error(`--time "${flags.time}" is not a date`);
        const simulation = simulateCpl(xml, call, outcomes, flags.floatingTimeZone !== undefined ? { floatingTimeZone: flags.floatingTimeZone } : {});
        if (flags.json) io.stdout(`${JSON.stringify(simulationJson(simulation), null, 2)}\n`);
        else if (!simulation.ok) io.stderr(prefixed(file, simulation.errors, 'error'));
        else io.stdout(`${formatSimulation(simulation)}\n`);
        if (!simulation.ok) setStatus(1);
      } catch (error) {
        io.stderr(`error: ${(error as Error).message.replace(/^simulateCpl: /u, '')}\n`);
        setStatus(1);
      }
    });
}

async function readScript(file: string, io: CliIo): Promise<string> {
  if (file === '-') return (await io.readStdin()).toString('utf8');
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** `FILE:line:column: error: [rule] message`, the compiler convention editors understand. */
function prefixed(file: string, problems: readonly CplDiagnostic[], label: string): string {
  return formatProblems(problems, label)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const m = /^(\w+): (\d+:\d+): (.*)$/u.exec(line);
      return m ? `${file}:${m[2]}: ${m[1]}: ${m[3]}\n` : `${file}: ${line}\n`;
    })
    .join('');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeNumber(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/u.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${flag} must be a positive whole number, got "${value}"`);
    return Number(value);
  };
}
