/** `switchboard user add|del|list|passwd` against a real SQLite store in a temp data folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { captureIo } from './test-helpers.js';
import { main } from './main.js';


async function cli(args: string[], stdin = ''): Promise<{ status: number; out: string; err: string }> {
  const io = captureIo(stdin);
  const status = await main(args, io);
  return { status, out: io.out, err: io.err };
}

async function verify(dataDir: string, aor: string, password: string): Promise<boolean> {
  const store = openSqliteStore({ dataDir, logger: silentLogger });
  try {
    return await store.users.verifyPassword(aor, password);
  } finally {
    await store.close();
  }
}

describe('switchboard user', () => {
  it('adds users to the default domain localhost, with the password from the flag or stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-user-'));
    expect(await cli(['user', 'add', 'alice', '--data-dir', dir, '--password', 'pw-a'])).toEqual({ status: 0, out: 'added alice@localhost\n', err: '' });
    expect((await cli(['user', 'add', 'bob@LOCALHOST', '--data-dir', dir, '--display-name', 'Bob B'], 'pw-b\nignored\n')).status).toBe(0);
    expect(await verify(dir, 'alice@localhost', 'pw-a')).toBe(true);
    expect(await verify(dir, 'bob@localhost', 'pw-b')).toBe(true);

    const table = await cli(['user', 'list', '--data-dir', dir]);
    expect(table.status).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AOR\s+DISPLAY NAME\s+CREATED$/);
    expect(lines[1]).toMatch(/^alice@localhost\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(lines[2]).toMatch(/^bob@localhost\s+Bob B\s+\d{4}-/);

    const listed = JSON.parse((await cli(['user', 'list', '--json', '--data-dir', dir])).out) as Array<Record<string, unknown>>;
    expect(listed.map((user) => user.aor)).toEqual(['alice@localhost', 'bob@localhost']);
    expect(listed[1]).toMatchObject({ username: 'bob', domain: 'localhost', displayName: 'Bob B' });
    expect(JSON.stringify(listed)).not.toMatch(/ha1/i);
  });

  it('says what is wrong: duplicate user, unknown domain, missing user, no password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-user-'));
    await cli(['user', 'add', 'alice', '--data-dir', dir, '--password', 'x']);
    expect(await cli(['user', 'add', 'alice', '--data-dir', dir, '--password', 'y'])).toEqual({
      status: 1,
      out: '',
      err: 'error: user alice@localhost already exists\n',
    });
    expect(await cli(['user', 'add', 'carol@example.com', '--data-dir', dir, '--password', 'x'])).toEqual({
      status: 1,
      out: '',
      err: 'error: domain example.com is not served here (configured domains: localhost)\n',
    });
    expect((await cli(['user', 'del', 'nobody', '--data-dir', dir])).err).toBe('error: no user nobody@localhost\n');
    expect((await cli(['user', 'passwd', 'nobody', '--data-dir', dir, '--password', 'x'])).err).toBe('error: no user nobody@localhost\n');
    const noPassword = await cli(['user', 'add', 'dave', '--data-dir', dir], '');
    expect(noPassword.status).toBe(1);
    expect(noPassword.err).toMatch(/^error: no password/);
    expect((await cli(['user', 'list', '--data-dir', dir, '--json'])).out).toMatch(/"alice@localhost"/);
  });

  it('changes a password and deletes a user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-user-'));
    await cli(['user', 'add', 'alice', '--data-dir', dir, '--password', 'old']);
    expect(await cli(['user', 'passwd', 'alice@localhost', '--data-dir', dir], 'new\n')).toEqual({ status: 0, out: 'password of alice@localhost changed\n', err: '' });
    expect(await verify(dir, 'alice@localhost', 'new')).toBe(true);
    expect(await verify(dir, 'alice@localhost', 'old')).toBe(false);
    expect(await cli(['user', 'del', 'alice', '--data-dir', dir])).toEqual({ status: 0, out: 'deleted alice@localhost\n', err: '' });
    expect((await cli(['user', 'list', '--data-dir', dir])).out).toBe('no users\n');
  });

  it('takes the domains and the data folder from --config; --data-dir overrides the folder', async () => {
    const base = mkdtempSync(join(tmpdir(), 'sb-user-'));
    const dataDir = join(base, 'from-config');
    const config = join(base, 'switchboard.yaml');
    writeFileSync(config, `dataDir: ${dataDir}\ndomains: [sb.test, Other.Test]\n`);
    expect((await cli(['user', 'add', 'alice', '--config', config, '--password', 'x'])).out).toBe('added alice@sb.test\n');
    expect((await cli(['user', 'add', 'bob', '--domain', 'other.test', '--config', config, '--password', 'x'])).out).toBe('added bob@other.test\n');
    expect((await cli(['user', 'add', 'carol@localhost', '--config', config, '--password', 'x'])).err).toMatch(/domain localhost is not served here/);
    expect(await verify(dataDir, 'alice@sb.test', 'x')).toBe(true);
    const elsewhere = join(base, 'elsewhere');
    expect((await cli(['user', 'add', 'dave', '--config', config, '--data-dir', elsewhere, '--password', 'x'])).status).toBe(0);
    expect(await verify(elsewhere, 'dave@sb.test', 'x')).toBe(true);
    expect(await verify(dataDir, 'dave@sb.test', 'x')).toBe(false);
    const onlyOther = JSON.parse((await cli(['user', 'list', '--json', '--domain', 'other.test', '--config', config])).out) as unknown[];
    expect(onlyOther).toHaveLength(1);
  });

  it('names a bad configuration file', async () => {
    const base = mkdtempSync(join(tmpdir(), 'sb-user-'));
    const config = join(base, 'bad.yaml');
    writeFileSync(config, 'domains: []\n');
    const result = await cli(['user', 'list', '--config', config]);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/^error: invalid configuration in .*bad\.yaml/);
  });
});
