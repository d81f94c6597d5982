/**
 * `switchboard user add|del|list|passwd`: manage SIP users in the store under the data folder.
 * Safe while a server runs on the same folder (SQLite WAL; the server reads users per request).
 *
 *   switchboard user add alice [--domain sb.test] [--password …] [--display-name "Alice"]
 *   switchboard user passwd alice@sb.test          (password prompted, or one line on stdin)
 *   switchboard user del alice@sb.test
 *   switchboard user list [--domain sb.test] [--json]
 *
 * `--config FILE` gives the served domains and the data folder; `--data-dir` overrides it.
 */
import type { Command } from 'commander';
import { loadConfig, type SwitchboardConfig } from '../config/config.js';
import { addUser, changePassword, deleteUser, UserAdminError, userView, type UserView } from '../http/user-admin.js';
import { silentLogger } from '../log/logger.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { processIo, type CliIo } from './io.js';

interface StoreFlags {
  config?: string;
  dataDir?: string;
}

interface PasswordFlags extends StoreFlags {
  password?: string;
}

export function registerUserCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const user = program.command('user').description('manage SIP users (AOR user@domain, digest password) in the data folder');
  const storeOptions = (command: Command): Command =>
    command
      .option('--config <file>', 'configuration file (served domains, data folder)')
      .option('--data-dir <dir>', 'data folder (default ./data, or dataDir from --config)');

  storeOptions(
    user
      .command('add')
      .description('add a user; the password is asked for, read from stdin, or given with --password')
      .argument('<user>', 'alice (in the first configured domain) or alice@domain')
      .option('--domain <domain>', 'domain of a bare user name (must be a configured domain)')
      .option('--password <password>', 'the SIP password (visible in the process list; prefer the prompt or stdin)')
      .option('--display-name <name>', 'display name'),
  ).action(
    run(io, setStatus, async (name: string, flags: PasswordFlags & { domain?: string; displayName?: string }) => {
      const password = flags.password ?? (await readPassword(io, `Password for ${name}: `));
      await withStore(flags, async (store, config) => {
        const added = await addUser(store.users, config.domains, {
          name,
          password,
          ...(flags.domain !== undefined ? { domain: flags.domain } : {}),
          ...(flags.displayName !== undefined ? { displayName: flags.displayName } : {}),
        });
        io.stdout(`added ${added.aor}\n`);
      });
    }),
  );

  storeOptions(
    user
      .command('passwd')
      .description("change a user's password")
      .argument('<user>', 'alice or alice@domain')
      .option('--password <password>', 'the new password (prefer the prompt or stdin)'),
  ).action(
    run(io, setStatus, async (name: string, flags: PasswordFlags) => {
      await withStore(flags, async (store, config) => {
        const password = flags.password ?? (await readPassword(io, `New password for ${name}: `));
        const changed = await changePassword(store.users, config.domains, name, password);
        io.stdout(`password of ${changed.aor} changed\n`);
      });
    }),
  );

  storeOptions(
    user
      .command('del')
      .alias('delete')
      .description('delete a user and its registrations')
      .argument('<user>', 'alice or alice@domain'),
  ).action(
    run(io, setStatus, async (name: string, flags: StoreFlags) => {
      await withStore(flags, async (store, config) => {
        const aor = await deleteUser(store.users, config.domains, name);
        io.stdout(`deleted ${aor}\n`);
      });
    }),
  );

  storeOptions(
    user
      .command('list')
      .alias('ls')
      .description('list users')
      .option('--domain <domain>', 'only this domain')
      .option('--json', 'print a JSON array'),
  ).action(
    run(io, setStatus, async (flags: StoreFlags & { domain?: string; json?: boolean }) => {
      await withStore(flags, async (store) => {
        const users = (await store.users.list(flags.domain)).map(userView);
        io.stdout(flags.json ? `${JSON.stringify(users, null, 2)}\n` : formatTable(users));
      });
    }),
  );
}

/** Run an action, turning expected failures into "error: …" and exit status 1. */
function run<A extends unknown[]>(io: CliIo, setStatus: (code: number) => void, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof UserAdminError) && !(error instanceof Error && error.name === 'ConfigError') && !(error instanceof Error && error.name === 'StoreError')) {
        throw error;
      }
      io.stderr(`error: ${error.message}\n`);
      setStatus(1);
    }
  };
}

async function withStore(flags: StoreFlags, work: (store: SqliteStore, config: SwitchboardConfig) => Promise<void>): Promise<void> {
  const config = loadConfig(flags.config, flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {});
  const store = openSqliteStore({ dataDir: config.dataDir, logger: silentLogger });
  try {
    await work(store, config);
  } finally {
    await store.close();
  }
}

function formatTable(users: readonly UserView[]): string {
  if (users.length === 0) return 'no users\n';
  const rows = [['AOR', 'DISPLAY NAME', 'CREATED'], ...users.map((user) => [user.aor, user.displayName ?? '', user.createdAt.slice(0, 19).replace('T', ' ')])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** A password from the terminal (not echoed, asked twice) or the first line of standard input. */
async function readPassword(io: CliIo, prompt: string): Promise<string> {
  if (io === processIo && process.stdin.isTTY) {
    const first = await promptHidden(prompt);
    const second = await promptHidden('Again: ');
    if (first !== second) throw new UserAdminError('bad-password', 'the two passwords differ');
    return first;
  }
  const text = (await io.readStdin()).toString('utf8');
  const line = text.split(/\r?\n/u, 1)[0] ?? '';
  if (line === '') throw new UserAdminError('bad-password', 'no password: give --password, or type it when asked, or pipe it on standard input');
  return line;
}

function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new UserAdminError('bad-password', 'cancelled'));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
