/**
 * REGISTER through SIP-CGI (RFC 3050 §5.9) over real UDP: the in-process registrar + proxy with
 * the SIP-CGI engine's `register` as the registrar stage's hook (as the server wires it), test
 * user agents registering with digest authentication. The AOR's script runs before the
 * registrar: its 200 means it handled the registration (nothing stored), a failure status stores
 * nothing, printing nothing registers as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCgiEngine, type CgiServiceEngine } from '../../platform/cgi/index.js';
import { ScriptDir } from '../../platform/cgi/test-support.js';
import { silentLogger } from '../../platform/log/logger.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';

const DOMAIN = 'sb.test';
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

describe('SIP-CGI scripts for REGISTER (RFC 3050 §5.9)', () => {
  const bin = new ScriptDir();
  let cgi: CgiServiceEngine;
  let server: ProxyServer;
  const phones = new Map<string, TestUa>();

  beforeAll(async () => {
    cgi = createCgiEngine({ cgiBin: bin.root, scriptCacheMs: 0, timeoutMs: 2000 }, silentLogger, { serverName: DOMAIN });
    server = await startProxyServer({
      domains: [DOMAIN],
      users: USERS.map((username) => ({ username, password: `pw-${username}` })),
      engines: [cgi],
      registerHook: (request, aor, authenticatedAs, context) => cgi.register(request, aor, authenticatedAs, context),
    });
    for (const name of USERS) {
      phones.set(name, await new TestUa({ name, proxy: { host: '127.0.0.1', port: server.port }, domain: DOMAIN, password: `pw-${name}` }).start());
    }
  });
  afterAll(async () => {
    for (const phone of phones.values()) await phone.stop();
    await server.stop();
    bin.remove();
  });

  const script = (user: string, text: string): string => bin.write(`users/${user}@${DOMAIN}.sh`, text);
  const register = (user: string) => phones.get(user)!.register({ expires: 600 });
  const registered = async (user: string): Promise<boolean> => (await server.registrar.location.lookup(`sip:${user}@${DOMAIN}`)).kind === 'found';

  it("a script's 200 answers the REGISTER and the server stores nothing; it saw the To AOR's request and the digest user", async () => {
    script(
      'alice',
      `#!/bin/sh
echo "SIP/2.0 200 OK"
echo "Contact: $SIP_CONTACT;expires=60"
echo "X-Handled-By: cgi $REQUEST_METHOD $REQUEST_URI $AUTH_TYPE $REMOTE_USER $SERVER_PORT"
echo
`,
    );
    const response = await register('alice');
    expect(response.status).toBe(200);
    expect(response.getHeader('X-Handled-By')).toBe(`cgi REGISTER sip:${DOMAIN} Digest alice ${server.port}`);
    expect(response.getHeader('Contact')).toMatch(/^<sip:alice@127\.0\.0\.1:\d+>;expires=60$/);
    expect(await registered('alice')).toBe(false);
    expect(cgi.engine.activeTransactions).toBe(0);
  });

  it('a script that prints nothing takes the default action: the registrar stores the binding', async () => {
    script('bob', '#!/bin/sh\necho "CGI-SET-COOKIE seen SIP/2.0"\n');
    const response = await register('bob');
    expect(response.status).toBe(200);
    expect(response.getHeader('Contact')).toMatch(/expires=600/);
    expect(await registered('bob')).toBe(true);
  });

  it('a refusal (403) is sent and nothing is stored', async () => {
    script('carol', '#!/bin/sh\nprintf "SIP/2.0 403 Forbidden\\nWarning: 399 sb.test \\"registrations are closed\\"\\n\\n"\n');
    const response = await register('carol');
    expect(response.status).toBe(403);
    expect(response.getHeader('Warning')).toBe('399 sb.test "registrations are closed"');
    expect(await registered('carol')).toBe(false);
  });

  it('CGI-PROXY-REQUEST for a REGISTER is not supported: 501, nothing stored', async () => {
    script('dave', '#!/bin/sh\necho "CGI-PROXY-REQUEST sip:registrar.example.net SIP/2.0"\necho\n');
    expect((await register('dave')).status).toBe(501);
    expect(await registered('dave')).toBe(false);
  });

  it('a crashing script: 500, nothing stored', async () => {
    script('erin', '#!/bin/sh\necho "SIP/2.0 200 OK"\necho\nexit 2\n');
    expect((await register('erin')).status).toBe(500);
    expect(await registered('erin')).toBe(false);
    expect(cgi.engine.activeTransactions).toBe(0);
  });
});
