import { afterAll, describe, expect, it } from 'vitest';
import { ScriptResolver } from './script-resolver.js';
import { request, ScriptDir } from './test-support.js';

const dir = new ScriptDir();
afterAll(() => dir.remove());

const script = '#!/bin/sh\n';

describe('ScriptResolver: which script runs is local policy (RFC 3050 §3.4)', () => {
  it('prefers the per-user script, then a Request-URI route, then the per-domain script', async () => {
    dir.write('users/alice@one.example.sh', script);
    dir.write('domains/one.example', script);
    dir.write('conference.js', script);
    const resolver = new ScriptResolver({ cgiBin: dir.root, routes: [{ match: /^sip:conf-\d+@/, script: 'conference' }] });
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:alice@ONE.example'))).toEqual({ path: dir.path('users/alice@one.example.sh'), by: 'user' });
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:conf-42@one.example'))).toEqual({ path: dir.path('conference.js'), by: 'route' });
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:bob@one.example'))).toEqual({ path: dir.path('domains/one.example'), by: 'domain' });
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:bob@other.example'))).toBeUndefined();
  });

  it('ignores files that are not executable, hidden, or have an unknown extension', async () => {
    dir.write('domains/two.example.sh', script, 0o644);
    dir.write('domains/.three.example', script);
    dir.write('domains/four.example.au', script);
    const resolver = new ScriptResolver({ cgiBin: dir.root });
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:x@two.example'))).toBeUndefined();
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:x@four.example'))).toBeUndefined();
  });

  it('never leaves the folder for a Request-URI user like ../', async () => {
    dir.write('secret@x.example', script);
    const resolver = new ScriptResolver({ cgiBin: dir.root });
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:..%2Fsecret@x.example'))).toBeUndefined();
    expect(await resolver.resolve(request('', '', 'INVITE', 'sip:%2E%2E@x.example'))).toBeUndefined();
  });

  it('picks up a script dropped into the folder without a restart, once the short cache expires', async () => {
    let now = 0;
    const resolver = new ScriptResolver({ cgiBin: dir.root, cacheMs: 1000, now: () => now });
    const invite = request('', '', 'INVITE', 'sip:x@five.example');
    expect(await resolver.resolve(invite)).toBeUndefined();
    dir.write('domains/five.example.sh', script);
    now = 500;
    expect(await resolver.resolve(invite)).toBeUndefined();
    now = 1001;
    expect(await resolver.resolve(invite)).toEqual({ path: dir.path('domains/five.example.sh'), by: 'domain' });
  });
});
