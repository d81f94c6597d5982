/**
 * `switchboard ifc profile put USER FILE | get USER | rm USER`: the TS 29.228 service profiles
 * the S-CSCF role evaluates for local users (platform/endpoint/scscf-stage.ts), in the store
 * under --data-dir (SQLite WAL: works while a server runs; the server sees a new profile on the
 * next request). `put` validates strictly (loadProfile) and refuses a profile that does not list
 * the user among its public identities, so a bad upload never replaces the active one.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { silentLogger } from '../log/logger.js';
import { formatProblem } from '../isc/index.js';
import { normalizeAor } from '../store/aor.js';
import { openServiceProfileStore, type ServiceProfileStore } from '../store/service-profile-store.js';
import { checkServiceProfile } from '../isc/scscf/index.js';
import type { CliIo } from './io.js';
import { withStore as runWithStore } from './with-store.js';

interface StoreFlags {
  dataDir: string;
  json?: boolean;
}

export function registerIfcProfileCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const ifc = program.commands.find((command) => command.name() === 'ifc') ?? program.command('ifc').description('initial Filter Criteria tools (3GPP TS 29.228 user profiles)');
  const profile = ifc.command('profile').description('service profiles (TS 29.228 IMSSubscription) of local users, for the S-CSCF role');
  const dataDirOption = ['--data-dir <dir>', 'where the server keeps its data', './data'] as const;

  const withStore = (flags: StoreFlags, body: (store: ServiceProfileStore) => Promise<void>): Promise<void> =>
    runWithStore(() => openServiceProfileStore({ dataDir: flags.dataDir, logger: silentLogger }), io, setStatus, body);
  const aorOf = (user: string): string => normalizeAor(user.replace(/^sips?:/iu, ''));

  profile
    .command('put')
    .description('validate and store USER\'s service profile (XML, or its YAML/JSON form; - reads standard input)')
    .argument('<user>', 'user@domain')
    .argument('<file>', 'the profile document')
    .option(...dataDirOption)
    .option('--json', 'print the result as JSON')
    .action(async (user: string, file: string, flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const aor = aorOf(user);
        const text = file === '-' ? (await io.readStdin()).toString('utf8') : await readFile(file, 'utf8');
        const checked = checkServiceProfile(aor, text);
        if (!checked.ok) {
          for (const problem of checked.problems) io.stderr(`error: ${formatProblem(file, problem)}\n`);
          io.stderr(`error: ${file}: rejected; the previous profile of ${aor}, if any, stays active\n`);
          setStatus(1);
          return;
        }
        for (const warning of checked.warnings) io.stderr(`warning: ${formatProblem(file, warning)}\n`);
        const { record, created } = await store.profiles.put(aor, text);
        if (flags.json) io.stdout(`${JSON.stringify({ ok: true, aor: record.aor, version: record.version, hash: record.hash, size: record.size, ifcs: checked.ifcCount }, null, 2)}\n`);
        else io.stdout(`${created ? 'stored' : 'replaced'} the service profile of ${record.aor} (version ${record.version}, ${checked.ifcCount} iFC${checked.ifcCount === 1 ? '' : 's'})\n`);
      }),
    );

  profile
    .command('get')
    .description('print USER\'s stored service profile')
    .argument('<user>', 'user@domain')
    .option(...dataDirOption)
    .action(async (user: string, flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const aor = aorOf(user);
        const record = await store.profiles.get(aor);
        if (!record) {
          io.stderr(`error: ${aor} has no service profile\n`);
          setStatus(1);
          return;
        }
        io.stdout(record.text.endsWith('\n') ? record.text : `${record.text}\n`);
      }),
    );

  profile
    .command('rm')
    .description('remove USER\'s service profile (no iFCs run for the user any more)')
    .argument('<user>', 'user@domain')
    .option(...dataDirOption)
    .action(async (user: string, flags: StoreFlags) =>
      withStore(flags, async (store) => {
        const aor = aorOf(user);
        if (!(await store.profiles.remove(aor))) {
          io.stderr(`error: ${aor} has no service profile\n`);
          setStatus(1);
          return;
        }
        io.stdout(`removed the service profile of ${aor}\n`);
      }),
    );
}
