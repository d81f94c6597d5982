import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo as captureLatin1 } from './test-helpers.js';
import { main } from './main.js';

const torture = new URL('../../../shared/conformance/sip-torture/', import.meta.url);

const captureIo = (stdin = ''): ReturnType<typeof captureLatin1> => captureLatin1(stdin, 'latin1');

describe('switchboard sip lint', () => {
  it('prints the first line, each header and the body length of a valid message as JSON', async () => {
    const io = captureIo();
    const status = await main(['sip', 'lint', new URL('wsinv.dat', torture).pathname], io);
    expect(status).toBe(0);
    const report = JSON.parse(io.out) as { firstLine: string; headers: Array<{ name: string; value: string }>; bodyLength: number };
    expect(report.firstLine).toBe('INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0');
    expect(report.bodyLength).toBe(150);
    expect(report.headers.filter((h) => /^(via|v)$/i.test(h.name))).toHaveLength(2);
    expect(report.headers.find((h) => h.name === 'UnknownHeaderWithUnusualValue')?.value).toBe(';;,,;;,;');
  });

  it('reads standard input with -', async () => {
    const message = 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
    const io = captureIo(message);
    expect(await main(['sip', 'lint', '-'], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ firstLine: 'OPTIONS sip:a@b SIP/2.0', bodyLength: 0 });
  });

  it('prints "error: <reason>" and exits 1 for an invalid message', async () => {
    const io = captureIo();
    const status = await main(['sip', 'lint', new URL('ncl.dat', torture).pathname], io);
    expect(status).toBe(1);
    expect(io.out).toMatch(/^error: 400 .*Content-Length/i);
  });

  it('names a version it does not support', async () => {
    const io = captureIo(readFileSync(new URL('badvers.dat', torture), 'latin1'));
    expect(await main(['sip', 'lint'], io)).toBe(1);
    expect(io.out).toMatch(/^error: 505 /);
  });

  it('says so for empty input and for a missing file', async () => {
    const empty = captureIo('');
    expect(await main(['sip', 'lint', '-'], empty)).toBe(1);
    expect(empty.out).toBe('error: empty input: no SIP message to parse\n');
    const missing = captureIo();
    expect(await main(['sip', 'lint', '/nonexistent/message.sip'], missing)).toBe(1);
    expect(missing.err).toMatch(/cannot read \/nonexistent\/message\.sip: ENOENT/);
  });
});

describe('switchboard start', () => {
  it('refuses a bad port flag with a message naming it', async () => {
    const io = captureIo();
    expect(await main(['start', '--sip-port', 'fivethousand'], io)).toBe(1);
    expect(io.err).toContain('--sip-port must be a port number from 0 to 65535, got "fivethousand"');
  });

  it('refuses a configuration file with an unknown key, naming the key', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sb-config-')), 'switchboard.yaml');
    writeFileSync(file, 'sip:\n  prot: 5060\n');
    const io = captureIo();
    expect(await main(['start', '--config', file], io)).toBe(1);
    expect(io.err).toContain('invalid configuration in');
    expect(io.err).toContain('prot');
  });
});
