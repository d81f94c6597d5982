import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { CgiConfigError, cgiConfigSchema, createCgiEngine, parseCgiConfig, scriptRoutes } from './cgi-config.js';
import { ScriptResolver } from './script-resolver.js';
import { request, ScriptDir } from './test-support.js';

describe('cgi configuration', () => {
  const bin = new ScriptDir();
  afterAll(() => bin.remove());

  it('has working defaults and refuses unknown keys', () => {
    const parsed = cgiConfigSchema.parse({});
    expect(parsed).toMatchObject({ cgiBin: './cgi-bin', timeoutMs: 5000, maxOutputBytes: 262144, maxConcurrent: 16, maxQueue: 64, allowNewRequests: false });
    expect(() => cgiConfigSchema.parse({ cgibin: 'x' })).toThrow();
    expect(() => cgiConfigSchema.parse({ timeoutMs: 0 })).toThrow();
  });

  it('maps users, then routes, then domains to script files in the cgi-bin folder', async () => {
    bin.write('alice-only.sh', '#!/bin/sh\n');
    bin.write('conference.sh', '#!/bin/sh\n');
    bin.write('whole-domain.sh', '#!/bin/sh\n');
    const routes = scriptRoutes(
      cgiConfigSchema.parse({
        users: { 'alice@example.com': 'alice-only' },
        routes: [{ match: '^sip:conf-', script: 'conference' }],
        domains: { 'Example.com': 'whole-domain.sh' },
      }),
    );
    const resolver = new ScriptResolver({ cgiBin: bin.root, routes, cacheMs: 0 });
    const scriptFor = async (uri: string): Promise<string | undefined> => (await resolver.resolve(request('', '', 'INVITE', uri)))?.path;
    expect(await scriptFor('sip:alice@EXAMPLE.com;transport=udp')).toBe(bin.path('alice-only.sh'));
    expect(await scriptFor('sip:alice2@example.com')).toBe(bin.path('whole-domain.sh'));
    expect(await scriptFor('sip:conf-7@other.org')).toBe(bin.path('conference.sh'));
    expect(await scriptFor('sip:bob@example.com:5070')).toBe(bin.path('whole-domain.sh'));
    expect(await scriptFor('sip:bob@example.community')).toBeUndefined();
  });

  it('builds a ServiceEngine named cgi with the limits applied', () => {
    const engine = createCgiEngine({ cgiBin: bin.root, maxConcurrent: 3 }, silentLogger, { serverName: 'sb.test' });
    expect(engine.name).toBe('cgi');
    expect(engine.engine.invoker.running).toBe(0);
  });
});

describe('a bad cgi section', () => {
  it('is refused with every problem named by its key', () => {
    const attempt = (): unknown =>
      createCgiEngine({ cgiBin: '/tmp', timeoutMs: -1, routes: [{ match: '(unclosed', script: 'x.sh' }], bogus: true } as never, silentLogger);
    expect(attempt).toThrow(CgiConfigError);
    let message = '';
    try {
      attempt();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: the cgi section \(SIP-CGI\) has 3 problems:/);
    expect(message).toMatch(/cgi\.timeoutMs: .*>0/);
    expect(message).toContain('cgi.routes.0.match: not a valid regular expression');
    expect(message).toMatch(/cgi: Unrecognized key: "bogus"/);
  });

  it('accepts an empty section (every key has a default)', () => {
    expect(parseCgiConfig(null).cgiBin).toBe('./cgi-bin');
  });
});
