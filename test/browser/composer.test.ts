/**
 * The web composer end to end in Debian's Chromium (playwright-core, headless, loopback only):
 * sign in, build "busy or no answer after 15 s → voicemail" with the blocks, check the XML in
 * the monaco view, simulate a busy call, see a server error at its block, save, and check that
 * a second user cannot read the first user's script. Screenshots go to test-output/screenshots/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCpl } from '../../cpl/index.js';
import { scriptFromXml } from '../../web-composer/src/model/from-xml.js';
import { freePort } from '../support/ports.js';
import { runSipp, sippKeys, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';
import { startComposerServer, type ComposerServer } from './composer-server.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const composerDist = `${repo}web-composer/dist`;
const shots = `${repo}test-output/screenshots`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags for this machine's closed network (see the env notes): no background connections.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** The page's globals, for code run inside the browser with page.evaluate (no DOM lib here). */
type PageGlobals = {
  document: { cookie: string; activeElement: { tagName: string; type?: string } | null };
  composerEditor: { getValue(): string; setValue(v: string): void; setPosition(p: { lineNumber: number; column: number }): void; focus(): void };
  composer: { xml(): string };
  performance: { getEntriesByName(name: string): Array<{ startTime: number }> };
};

let server: ComposerServer;
let browser: Browser;

async function ensureBuilt(): Promise<void> {
  if (existsSync(`${composerDist}/index.html`)) return;
  const { build } = await import('vite');
  await build({ configFile: `${repo}web-composer/vite.config.ts`, logLevel: 'warn' });
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('[data-aor]').textContent().catch(() => null)).toBe(`${username}@sb.test`);
}

/** A SIPp phone registered as `user` that waits for one call and plays `scenario`. */
async function phone(user: string, password: string, scenario: string, timeoutSeconds = 20): Promise<{ done: Promise<SippRun> }> {
  const port = await freePort();
  const done = runSipp({ scenario, localPort: port, calls: 1, timeoutSeconds });
  await sleep(300);
  const reg = await runSipp({
    scenario: 'register-auth.xml',
    remote: `127.0.0.1:${server.sip.port}`,
    localPort: await freePort(),
    extraArgs: [...sippKeys({ user, domain: server.domain, contact_port: String(port), q: '1.0', expires: '300' }), '-au', user, '-ap', password, '-auth_uri', server.domain],
  });
  expect(reg.exitCode, reg.errors || reg.stderr).toBe(0);
  return { done }; // wrapped: an async function would otherwise wait for the phone to finish
}

/** "+ Add a step" in `scope`, pick a kind, fill its form, press Add. */
async function addStep(page: Page, scope: ReturnType<Page['locator']>, kind: RegExp, fill: (page: Page) => Promise<void> = async () => {}): Promise<void> {
  await scope.getByRole('button', { name: '+ Add a step' }).first().click();
  await page.getByRole('button', { name: kind }).click();
  await fill(page);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
}

beforeAll(async () => {
  await ensureBuilt();
  mkdirSync(shots, { recursive: true });
  server = await startComposerServer({
    users: [
      { username: 'alice', password: 'alice-secret' },
      { username: 'bob', password: 'bob-secret' },
      { username: 'vm', password: 'vm-secret' },
      { username: 'carol', password: 'carol-secret' },
      { username: 'mobile', password: 'mobile-secret' },
    ],
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('web CPL composer in Chromium', () => {
  it('signs in, builds busy/no-answer → voicemail with blocks, simulates, shows errors at the block, saves', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const monacoRequests: string[] = [];
    page.on('request', (r) => /monaco|editor\.worker/.test(r.url()) && monacoRequests.push(r.url()));
    const started = Date.now();
    await page.goto(`${server.url}/composer`);
    await page.getByLabel('User name').waitFor({ state: 'visible' });
    const wallMs = Date.now() - started;
    // Measured in the page: navigation start → the sign-in form rendered with its handlers.
    const firstScreenMs = await page.evaluate(() => (globalThis as unknown as PageGlobals).performance.getEntriesByName('composer-interactive')[0]?.startTime ?? Infinity);
    console.log(`composer first screen interactive after ${firstScreenMs.toFixed(0)} ms (in page), ${wallMs} ms (test clock)`);
    expect(firstScreenMs).toBeLessThan(1000);
    await page.screenshot({ path: `${shots}/01-sign-in.png` });

    // A wrong password is refused in words, not with a browser dialog.
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Unknown user or wrong password');
    await signIn(page, 'alice', 'alice-secret');
    await expect.poll(() => page.locator('[data-active]').getAttribute('data-active')).toBe('none');
    // The session cookie is HttpOnly: scripts cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)).not.toContain('sb_session');

    // Subaction "voicemail": ring sip:vm@sb.test — built with the keyboard only.
    await page.getByRole('button', { name: '+ Add a named subaction' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.tagName)).toBe('INPUT');
    await page.getByLabel('Name of the new subaction').fill('voicemail');
    await page.keyboard.press('Enter');
    const voicemail = page.getByRole('region', { name: 'Subaction voicemail' });
    await voicemail.getByRole('button', { name: '+ Add a step' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.tagName)).toBe('BUTTON');
    await page.getByRole('button', { name: /^Add a phone or address/ }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.tagName)).toBe('INPUT');
    await page.getByLabel('Phone or address to ring').fill('sip:vm@sb.test');
    await page.keyboard.press('Enter');
    await addStep(page, voicemail.getByRole('group', { name: /^Add sip:vm@sb.test/ }), /^Ring the phones/);

    // Calls to me: find my phones; if found, ring them 15 s; busy or no answer → voicemail.
    const calls = page.getByRole('region', { name: 'Calls to me' });
    await addStep(page, calls, /^Find my registered phones/);
    await calls.getByRole('button', { name: '+ If found' }).click();
    await addStep(page, calls.getByRole('group', { name: 'If found' }), /^Ring the phones/, async (p) => {
      await p.getByLabel('Ring for (seconds)').fill('15');
    });
    const proxy = calls.getByRole('group', { name: 'Ring the phones for 15 s' });
    for (const [button, output] of [
      ['+ If busy', 'If busy'],
      ['+ If nobody answers', 'If nobody answers'],
    ] as const) {
      await proxy.getByRole('button', { name: button }).click();
      await addStep(page, proxy.getByRole('group', { name: output }), /^Go to a named subaction/, async (p) => {
        await expect.poll(() => p.getByLabel('Go to the subaction').inputValue()).toBe('voicemail');
      });
    }
    await expect.poll(() => calls.getByRole('group', { name: 'Go to "voicemail"' }).count()).toBe(2);

    // Undo and redo the last step.
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => calls.getByRole('group', { name: 'Go to "voicemail"' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => calls.getByRole('group', { name: 'Go to "voicemail"' }).count()).toBe(2);
    await page.screenshot({ path: `${shots}/02-builder.png`, fullPage: true });

    // The XML view (monaco, loaded now) shows the same script, and the server finds it valid.
    expect(monacoRequests).toEqual([]); // the builder never loaded the editor
    await page.getByRole('tab', { name: 'XML' }).click();
    await page.locator('.monaco-editor').waitFor();
    expect(monacoRequests.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.xml-status').textContent(), { timeout: 10_000 }).toContain('Valid');
    const xml = await page.evaluate(() => (globalThis as unknown as PageGlobals).composerEditor.getValue());
    expect(validateCpl(xml)).toMatchObject({ ok: true, errors: [] });
    const model = scriptFromXml(xml);
    expect(model.subactions.map((s) => s.id)).toEqual(['voicemail']);
    expect(model.subactions[0]?.node).toMatchObject({ kind: 'location', attrs: { url: 'sip:vm@sb.test' }, next: { kind: 'proxy' } });
    const lookup = model.toplevel[0]?.node;
    expect(lookup).toMatchObject({ kind: 'lookup', attrs: { source: 'registration' } });
    const ring = lookup?.outputs[0]?.node;
    expect(ring).toMatchObject({ kind: 'proxy', attrs: { timeout: '15' } });
    expect(ring?.outputs.map((o) => [o.kind, o.node?.kind, o.node?.attrs.ref])).toEqual([
      ['busy', 'sub', 'voicemail'],
      ['noanswer', 'sub', 'voicemail'],
    ]);
    await page.screenshot({ path: `${shots}/03-xml-view.png` });

    // Completion knows the grammar: typing "<" inside <busy> offers nodes such as <sub>, not outputs.
    const busyLine = xml.split('\n').findIndex((l) => l.trim() === '<busy>') + 1;
    await page.evaluate((line) => {
      const ed = (globalThis as unknown as PageGlobals).composerEditor;
      ed.setPosition({ lineNumber: line, column: 100 });
      ed.focus();
    }, busyLine);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('<');
    await page.locator('.suggest-widget .monaco-list-row').first().waitFor({ timeout: 10_000 });
    const offered = await page.locator('.suggest-widget .monaco-list-row').allTextContents();
    expect(offered[0]).toMatch(/address-switch/);
    expect(offered.join(' ')).not.toMatch(/noanswer|busy/);
    await page.keyboard.type('su');
    await expect.poll(() => page.locator('.suggest-widget .monaco-list-row').allTextContents()).toEqual(['sub']);
    await page.keyboard.press('Escape');
    await page.evaluate((text) => (globalThis as unknown as PageGlobals).composerEditor.setValue(text), xml);

    // Editing the XML updates the blocks (and the server's markers follow the text).
    await page.evaluate(() => {
      const ed = (globalThis as unknown as PageGlobals).composerEditor;
      ed.setValue(ed.getValue().replace('timeout="15"', 'timeout="15" ordering="bogus"'));
    });
    await expect.poll(() => page.locator('.xml-status').textContent(), { timeout: 10_000 }).toContain('problem');
    await expect.poll(() => page.locator('.monaco-editor .squiggly-error').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: `${shots}/04-xml-markers.png` });
    await page.evaluate(() => {
      const ed = (globalThis as unknown as PageGlobals).composerEditor;
      ed.setValue(ed.getValue().replace(' ordering="bogus"', ''));
    });
    await expect.poll(() => page.locator('.xml-status').textContent(), { timeout: 10_000 }).toContain('Valid');
    await page.getByRole('tab', { name: 'Blocks' }).click();

    // Try it: my desk phone is busy, voicemail answers → the call ends at voicemail.
    const tryIt = page.getByRole('region', { name: 'Try it' });
    await tryIt.getByLabel('My registered phones').fill('sip:alice@192.0.2.10');
    await tryIt.getByLabel('To').click(); // leaving the field refreshes the phone list
    await tryIt.getByLabel('sip:alice@192.0.2.10').selectOption('busy');
    await tryIt.getByLabel('sip:vm@sb.test').selectOption('answer');
    await tryIt.getByRole('button', { name: 'Run the pretend call' }).click();
    await expect.poll(() => tryIt.locator('.outcome').getAttribute('data-outcome')).toBe('proceed');
    const steps = await tryIt.locator('.steps li').allTextContents();
    expect(steps.join('\n')).toMatch(/busy/);
    expect(steps.join('\n')).toMatch(/voicemail/);
    expect(await page.locator('.block.kind-proxy.on-path').count()).toBe(2);
    expect(await page.locator('.output.out-busy.on-path').count()).toBe(1);
    expect(await page.locator('.output.out-noanswer.on-path').count()).toBe(0);
    await page.screenshot({ path: `${shots}/05-try-it.png`, fullPage: true });

    // A value only the server can refuse (lookup sources are allow-listed): the error shows at the block.
    const lookupBlock = calls.getByRole('group', { name: 'Find my registered phones' });
    await lookupBlock.getByRole('button', { name: 'Edit: Find my registered phones' }).click();
    await page.getByLabel('Where to look').fill('http://locate.example.com/alice');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.block.kind-lookup.has-error').count()).toBe(1);
    expect(await page.locator('.block.kind-lookup .problems').textContent()).toMatch(/\S/);
    await expect.poll(() => page.locator('[data-active]').getAttribute('data-active')).toBe('none');
    await page.screenshot({ path: `${shots}/06-save-error.png`, fullPage: true });
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByRole('group', { name: 'Find my registered phones' }).count()).toBe(1);

    // Save: version 1 is active, and the server holds exactly the builder's XML.
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('[data-active]').getAttribute('data-active')).toBe('1');
    const stored = await fetch(`${server.url}/api/v1/users/alice@sb.test/cpl`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(stored.status).toBe(200);
    expect(await stored.text()).toBe(await page.evaluate(() => (globalThis as unknown as PageGlobals).composer.xml()));
    await page.screenshot({ path: `${shots}/07-saved.png`, fullPage: true });

    // A real call: alice's SIPp phone is busy (486), so the saved rule sends the caller to voicemail.
    const alicePhone = await phone('alice', 'alice-secret', 'uas-486.xml');
    const voicemailBox = await phone('vm', 'vm-secret', 'uas-answer.xml');
    const call = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${server.sip.port}`, localPort: await freePort(), timeoutSeconds: 12, extraArgs: sippKeys({ callee: 'alice', domain: server.domain }) });
    const [aliceRun, vmRun] = await Promise.all([alicePhone.done, voicemailBox.done]);
    if (process.env.COMPOSER_DEBUG) console.log(call.messages.slice(0, 6000), '\n=====ALICE\n', aliceRun.messages.slice(0, 3000), '\n=====VM\n', vmRun.messages.slice(0, 3000));
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect(aliceRun.messages).toMatch(/SIP\/2\.0 486 Busy Here/u);
    expect(vmRun.exitCode, vmRun.errors).toBe(0);
    expect(vmRun.messages).toMatch(/INVITE sip:vm@/u);
    expect(call.messages).not.toMatch(/SIP\/2\.0 486/u);

    // Reloading shows the saved rules as blocks again.
    await page.reload();
    await expect.poll(() => page.getByRole('group', { name: 'Ring the phones for 15 s' }).count()).toBe(1);
    await context.close();
  });

  it('a second user cannot read or change the first user’s script; writes need the CSRF token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/composer/`);
    await signIn(page, 'bob', 'bob-secret');
    await expect.poll(() => page.locator('[data-active]').getAttribute('data-active')).toBe('none');
    const status = await page.evaluate(async () => {
      const h = { 'X-Requested-With': 'XMLHttpRequest' };
      const read = await fetch('/api/v1/users/alice%40sb.test/cpl', { headers: h });
      const csrf = ((await (await fetch('/api/v1/session', { headers: h })).json()) as { csrfToken: string }).csrfToken;
      const write = await fetch('/api/v1/users/alice%40sb.test/cpl', { method: 'PUT', headers: { ...h, 'Content-Type': 'application/cpl+xml', 'X-CSRF-Token': csrf }, body: '<cpl/>' });
      const noCsrf = await fetch('/api/v1/users/bob%40sb.test/cpl', { method: 'PUT', headers: { ...h, 'Content-Type': 'application/cpl+xml' }, body: '<cpl/>' });
      const log = await fetch('/api/v1/users/alice%40sb.test/cpl/log', { headers: h });
      return { read: read.status, write: write.status, noCsrf: noCsrf.status, log: log.status, body: await read.text() };
    });
    expect(status).toMatchObject({ read: 403, write: 403, noCsrf: 403, log: 403 });
    expect(status.body).not.toContain('voicemail');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').waitFor();
    expect(await page.evaluate(async () => (await fetch('/api/v1/session', { headers: { 'X-Requested-With': 'XMLHttpRequest' } })).status)).toBe(401);
    await context.close();
  });

  it('a newcomer makes "forward to my mobile when I don’t answer within 20 s" from a template, and a call proves it', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${server.url}/composer/`);
    await signIn(page, 'carol', 'carol-secret');
    await page.getByRole('button', { name: 'Templates…' }).click();
    await page.getByRole('button', { name: /^Forward when busy or not answered/ }).click();
    await page.getByLabel('Forward to').fill('sip:mobile@sb.test');
    await page.getByLabel('Ring my phones for (seconds)').fill('20');
    await page.getByLabel('Also when I am busy').uncheck();
    await page.screenshot({ path: `${shots}/08-template.png` });
    await page.getByRole('button', { name: 'Use this template' }).click();
    await expect.poll(() => page.getByRole('group', { name: 'Ring the phones for 20 s' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('group', { name: 'If busy' }).count()).toBe(0);
    // Log each call: a "Write to my log" step inserted before the first block.
    await page.getByRole('button', { name: 'Insert a step before: Find my registered phones' }).click();
    await page.getByRole('button', { name: /^Write to my log/ }).click();
    await page.getByLabel('Text to write').fill('call for carol');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByRole('group', { name: 'Write to my log: call for carol' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('[data-active]').getAttribute('data-active')).toBe('1');
    await page.screenshot({ path: `${shots}/09-forward-on-no-answer.png`, fullPage: true });

    // carol's phone rings and nobody answers: after 20 s the server cancels it and rings her mobile.
    const desk = await phone('carol', 'carol-secret', 'uas-ring-cancel.xml', 45);
    const mobile = await phone('mobile', 'mobile-secret', 'uas-answer.xml', 45);
    const started = Date.now();
    const call = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${server.sip.port}`, localPort: await freePort(), timeoutSeconds: 40, extraArgs: sippKeys({ callee: 'carol', domain: server.domain }) });
    const elapsed = Date.now() - started;
    const [deskRun, mobileRun] = await Promise.all([desk.done, mobile.done]);
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect(deskRun.exitCode, deskRun.errors).toBe(0);
    expect(deskRun.messages).toMatch(/CANCEL sip:/u);
    expect(mobileRun.exitCode, mobileRun.errors).toBe(0);
    expect(mobileRun.messages).toMatch(/INVITE sip:mobile@/u);
    expect(elapsed).toBeGreaterThanOrEqual(19_000);
    // The call left an entry in carol's CPL log, shown on the page.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('.log-entries li').first().textContent()).toContain('call for carol');
    await page.screenshot({ path: `${shots}/10-log.png`, fullPage: true });
    await context.close();
  });

  it('keeps the first screen small: the page’s JavaScript without monaco is under 200 KB gzipped', () => {
    const html = readFileSync(`${composerDist}/index.html`, 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="\/composer\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
    expect(initial.length).toBeGreaterThan(0);
    expect(initial.join(' ')).not.toMatch(/monaco|editor\.worker/);
    const gz = initial.reduce((sum, file) => sum + gzipSync(readFileSync(`${composerDist}/${file}`)).length, 0);
    console.log(`composer JavaScript without monaco: ${(gz / 1024).toFixed(1)} KB gzipped`);
    expect(gz).toBeLessThan(200 * 1024);
    // monaco is there, but only reached through a dynamic import.
    const monaco = readdirSync(`${composerDist}/assets`).filter((f) => f.startsWith('monaco-setup') && f.endsWith('.js'));
    expect(monaco).toHaveLength(1);
  });
});
