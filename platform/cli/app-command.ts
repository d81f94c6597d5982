/**
 * `switchboard app deploy DIR | undeploy NAME | list | kv NAME [KEY [JSON]]`: manage sandboxed
 * TypeScript apps (issue 5 §2) through the apps database under --data-dir, which a running
 * server watches: `deploy` compiles the app here (compile errors are printed with
 * file:line:column), submits the bundle and waits for the server's verdict — deployed, or
 * refused with the error it threw while loading (the old version keeps running). Without a
 * running server the app is loaded at the next start.
 *
 * The CLI never loads the sandbox itself (isolated-vm needs --no-node-snapshot, which the CLI
 * process does not have), so it imports the bundler and the database modules only.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { bundleApp } from '../container/bundle-app.js';
import { DeployError, formatProblem } from '../container/deploy-error.js';
import { AppRepository } from '../sdk/host/app-repository.js';
import { openAppsDatabase } from '../sdk/host/apps-database.js';
import { createSqliteKv, KV_LIMITS } from '../sdk/host/kv-store.js';
import { sdkEntryPath } from '../sdk/host/sdk-entry.js';
import type { CliIo } from './io.js';

const dataDirOption = ['--data-dir <dir>', 'where the server keeps its data', './data'] as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function registerAppCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const app = program.command('app').description('sandboxed TypeScript apps: deploy, undeploy, list, key-value data');

  app
    .command('deploy')
    .description('compile an app folder (manifest.json + TypeScript) and deploy it to the server without a restart')
    .argument('<dir>', 'the app folder')
    .option(...dataDirOption)
    .option('--wait <seconds>', 'how long to wait for a running server to load it (0: do not wait)', seconds, 10)
    .action(async (dir: string, flags: { dataDir: string; wait: number }) => {
      let bundle;
      try {
        bundle = await bundleApp(dir, { sdkEntry: sdkEntryPath() });
      } catch (error) {
        if (!(error instanceof DeployError)) throw error;
        io.stderr(`error: ${error.message}\n`);
        setStatus(1);
        return;
      }
      for (const warning of bundle.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
      const db = openAppsDatabase(flags.dataDir);
      try {
        const repository = new AppRepository(db);
        repository.submit(bundle, 'pending');
        const { name, version } = bundle.manifest;
        const deadline = Date.now() + flags.wait * 1000;
        for (;;) {
          const record = repository.get(name);
          if (record === undefined) {
            io.stderr(`error: the record of "${name}" disappeared (undeployed meanwhile?)\n`);
            setStatus(1);
            return;
          }
          if (record.state === 'active' && record.hash === bundle.hash) {
            io.stdout(`deployed ${name} ${version}\n`);
            return;
          }
          if (record.state === 'refused') {
            io.stderr(`error: ${record.error ?? 'refused'}\n`);
            if (record.hash !== bundle.hash) io.stderr(`${name} ${record.version} keeps running\n`);
            setStatus(1);
            return;
          }
          if (Date.now() >= deadline) {
            io.stdout(`submitted ${name} ${version}; no server loaded it yet — a running server picks it up within seconds, otherwise at its next start\n`);
            return;
          }
          await sleep(100);
        }
      } finally {
        db.close();
      }
    });

  app
    .command('undeploy')
    .description('remove an app (a running server disposes it within seconds)')
    .argument('<name>')
    .option(...dataDirOption)
    .action((name: string, flags: { dataDir: string }) => {
      const db = openAppsDatabase(flags.dataDir);
      try {
        if (new AppRepository(db).remove(name)) io.stdout(`undeployed ${name}\n`);
        else {
          io.stderr(`error: no app "${name}"\n`);
          setStatus(1);
        }
      } finally {
        db.close();
      }
    });

  app
    .command('list')
    .description('deployed apps and the state of their last deploy')
    .option(...dataDirOption)
    .option('--json', 'print JSON')
    .action((flags: { dataDir: string; json?: boolean }) => {
      const db = openAppsDatabase(flags.dataDir);
      try {
        const rows = new AppRepository(db).all().map((record) => ({
          name: record.name,
          version: record.version,
          state: record.state,
          permissions: record.bundle.manifest.permissions,
          ...(record.error === undefined ? {} : { error: record.error }),
          updatedAt: new Date(record.updatedAt).toISOString(),
        }));
        if (flags.json) return io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        for (const row of rows) io.stdout(`${row.name}\t${row.version}\t${row.state}${row.error === undefined ? '' : `\t${row.error.split('\n')[0] ?? ''}`}\n`);
      } finally {
        db.close();
      }
    });

  app
    .command('kv')
    .description("an app's key-value data: list keys, print one value, or set it to JSON")
    .argument('<name>', 'the app')
    .argument('[key]')
    .argument('[json]', 'the new value, as JSON (e.g. \'["mallory@evil.test"]\')')
    .option('--delete', 'delete the key')
    .option('--prefix <prefix>', 'list only keys starting with this', '')
    .option(...dataDirOption)
    .action((name: string, key: string | undefined, json: string | undefined, flags: { dataDir: string; delete?: boolean; prefix: string }) => {
      const db = openAppsDatabase(flags.dataDir);
      try {
        const kv = createSqliteKv(db);
        if (key === undefined) {
          for (const each of kv.list(name, flags.prefix, KV_LIMITS.maxList)) io.stdout(`${each}\n`);
          return;
        }
        if (flags.delete) {
          if (!kv.delete(name, key)) {
            io.stderr(`error: no key "${key}"\n`);
            setStatus(1);
          }
          return;
        }
        if (json === undefined) {
          const value = kv.get(name, key);
          if (value === undefined) {
            io.stderr(`error: no key "${key}"\n`);
            setStatus(1);
            return;
          }
          io.stdout(`${JSON.stringify(value)}\n`);
          return;
        }
        let value;
        try {
          value = JSON.parse(json) as Parameters<typeof kv.set>[2];
        } catch {
          io.stderr(`error: "${json}" is not JSON (quote strings: '"sip:vm@example.com"')\n`);
          setStatus(1);
          return;
        }
        kv.set(name, key, value);
      } finally {
        db.close();
      }
    });
}

function seconds(value: string): number {
  if (!/^\d+$/u.test(value)) throw new InvalidArgumentError(`--wait must be a whole number of seconds, got "${value}"`);
  return Number(value);
}
