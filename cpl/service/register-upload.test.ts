import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/log/logger.js';
import { createRequest, type SipRequest } from '../../platform/sip/index.js';
import { openCplStore } from '../../platform/store/cpl-store.js';
import { CplScriptCache } from '../index.js';
import { CplScriptManager } from './cpl-script-manager.js';
import { handleCplRegister } from './register-upload.js';

const SCRIPT = '<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="busy"/></incoming></cpl>';

function register(headers: Array<[string, string]>, body = ''): SipRequest {
  return createRequest({
    method: 'REGISTER',
    uri: 'sip:sb.test',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1' },
      { name: 'From', value: '<sip:bob@sb.test>;tag=1' },
      { name: 'To', value: '<sip:bob@sb.test>' },
      { name: 'Call-ID', value: 'reg1' },
      { name: 'CSeq', value: '1 REGISTER' },
      { name: 'Max-Forwards', value: '70' },
      ...headers.map(([name, value]) => ({ name, value })),
    ],
    body,
  });
}

function setup() {
  const store = openCplStore({ dataDir: '/unused', fileName: ':memory:', logger: silentLogger });
  const cache = new CplScriptCache();
  return { store, cache, manager: new CplScriptManager(store.scripts, { cache }) };
}

describe('CPL upload through REGISTER (draft-lennox-sip-reg-payload, as Kamailio)', () => {
  it('ignores ordinary REGISTERs (including Accept: */*)', async () => {
    const { manager } = setup();
    expect(await handleCplRegister(manager, register([]), 'bob@sb.test', 'bob@sb.test')).toEqual({ kind: 'none' });
    expect(await handleCplRegister(manager, register([['Accept', '*/*']]), 'bob@sb.test', 'bob@sb.test')).toEqual({ kind: 'none' });
  });

  it('stores an application/cpl+xml body for the authenticated owner and refreshes the cache', async () => {
    const { manager, store, cache } = setup();
    const action = await handleCplRegister(manager, register([['Content-Type', 'application/cpl+xml'], ['Content-Disposition', 'script; action=store']], SCRIPT), 'bob@sb.test', 'bob@sb.test');
    expect(action).toMatchObject({ kind: 'stored', version: 1 });
    const head = await store.scripts.head('bob@sb.test');
    expect(cache.get('bob@sb.test', head?.hash ?? '')).not.toBeNull();
  });

  it('answers 400 "Bad CPL script" with the problems as text, keeping the old script', async () => {
    const { manager, store } = setup();
    await manager.upload('bob@sb.test', SCRIPT);
    const action = await handleCplRegister(manager, register([['Content-Type', 'application/cpl+xml']], '<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><sub ref="nowhere"/></incoming></cpl>'), 'bob@sb.test', 'bob@sb.test');
    expect(action).toMatchObject({ kind: 'reject', status: 400, reason: 'Bad CPL script' });
    expect(action.kind === 'reject' ? action.body?.content : '').toMatch(/^error: 1:\d+: \[sub-undefined\] /u);
    expect((await store.scripts.get('bob@sb.test'))?.xml).toBe(SCRIPT);
  });

  it('refuses an upload for someone other than the authenticated user (403)', async () => {
    const { manager } = setup();
    const action = await handleCplRegister(manager, register([['Content-Type', 'application/cpl+xml']], SCRIPT), 'bob@sb.test', 'alice@sb.test');
    expect(action).toMatchObject({ kind: 'reject', status: 403 });
    expect(await handleCplRegister(manager, register([['Content-Type', 'application/cpl+xml']], SCRIPT), 'bob@sb.test', undefined)).toMatchObject({ status: 403 });
  });

  it('removes with action=remove and downloads with Accept: application/cpl+xml', async () => {
    const { manager } = setup();
    await manager.upload('bob@sb.test', SCRIPT);
    const download = await handleCplRegister(manager, register([['Accept', 'application/cpl+xml']]), 'bob@sb.test', 'bob@sb.test');
    expect(download).toEqual({ kind: 'download', body: { contentType: 'application/cpl+xml', content: SCRIPT } });
    expect(await handleCplRegister(manager, register([['Content-Disposition', 'script; action=remove']]), 'bob@sb.test', 'bob@sb.test')).toEqual({ kind: 'removed', existed: true });
    expect(await handleCplRegister(manager, register([['Accept', 'application/cpl+xml']]), 'bob@sb.test', 'bob@sb.test')).toEqual({ kind: 'download', body: null });
  });

  it('rejects an unknown disposition action', async () => {
    const { manager } = setup();
    const action = await handleCplRegister(manager, register([['Content-Type', 'application/cpl+xml'], ['Content-Disposition', 'script; action=append']], SCRIPT), 'bob@sb.test', 'bob@sb.test');
    expect(action).toMatchObject({ kind: 'reject', status: 400 });
  });
});
