import { afterAll, describe, expect, it } from 'vitest';
import { bundleApp, BUNDLE_GLOBAL } from './bundle-app.js';
import { DeployError, formatProblem } from './deploy-error.js';
import { removeAppFolders, writeAppFolder } from './test-support.js';

afterAll(removeAppFolders);

async function deployError(dir: string): Promise<DeployError> {
  try {
    await bundleApp(dir);
  } catch (error) {
    if (error instanceof DeployError) return error;
    throw error;
  }
  throw new Error('bundleApp succeeded');
}

describe('bundleApp', () => {
  it('compiles TypeScript with local imports and the SDK into one classic script', async () => {
    const dir = await writeAppFolder(
      { name: 'greeter', permissions: ['store'] },
      {
        'src/index.ts': `import sdk from '@switchboard/sdk';
import { greet } from './greet.js';
export default { hello(p: { who: string }): string { sdk.log('info', 'hi'); return greet(p.who); } };`,
        'src/greet.ts': `export const greet = (who: string): string => \`hello \${who}\`;`,
      },
    );
    const bundle = await bundleApp(dir);
    expect(bundle.manifest.name).toBe('greeter');
    expect(bundle.manifest.permissions).toEqual(['store']);
    expect(bundle.code).toContain(`var ${BUNDLE_GLOBAL} =`);
    expect(bundle.code).toContain('globalThis.sdk');
    expect(bundle.code).not.toMatch(/\brequire\(/);
    expect(bundle.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses `import fs from "node:fs"` naming the file, line and column', async () => {
    const dir = await writeAppFolder({}, {
      'src/index.ts': `import { helper } from './util.js';\nexport default { invite: () => helper() };`,
      'src/util.ts': `// reads a file\nimport fs from 'node:fs';\nexport const helper = () => fs.readFileSync('/etc/passwd', 'utf8');`,
    });
    const error = await deployError(dir);
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems;
    expect(problem).toMatchObject({ file: 'src/util.ts', line: 2, column: 16 });
    expect(problem?.text).toMatch(/Node built-in module "node:fs" is not available to apps/);
    expect(error.message).toContain('src/util.ts:2:16: Node built-in module "node:fs"');
  });

  it('refuses every Node built-in form: bare, subpath, require and literal dynamic import', async () => {
    const dir = await writeAppFolder({}, {
      'src/index.ts': [
        `import * as net from 'net';`,
        `import { readFile } from 'fs/promises';`,
        `const cp = require('child_process');`,
        `export default { async invite() { const os = await import('os'); return [net, readFile, cp, os].length; } };`,
      ].join('\n'),
    });
    const error = await deployError(dir);
    expect(error.problems.map((problem) => [problem.line, /"(.+?)"/.exec(problem.text)?.[1]])).toEqual([
      [1, 'net'],
      [2, 'fs/promises'],
      [3, 'child_process'],
      [4, 'os'],
    ]);
  });

  it('lists each compile error as file:line:column', async () => {
    const dir = await writeAppFolder({}, {
      'src/index.ts': `export default { invite() { return 1 +; } };\nimport missing from './nope.js';`,
    });
    const error = await deployError(dir);
    expect(error.problems.length).toBeGreaterThanOrEqual(1);
    for (const problem of error.problems) {
      expect(formatProblem(problem)).toMatch(/^src\/index\.ts:\d+:\d+: /);
    }
  });

  it('refuses a folder without manifest.json and a manifest whose entry is missing', async () => {
    const noManifest = await writeAppFolder({}, {});
    const { rm } = await import('node:fs/promises');
    await rm(`${noManifest}/manifest.json`);
    expect((await deployError(noManifest)).problems[0]?.text).toMatch(/no manifest\.json/);
    const noEntry = await writeAppFolder({ entry: 'src/main.ts' }, {});
    expect((await deployError(noEntry)).problems[0]?.text).toMatch(/entry "src\/main\.ts" does not exist/);
  });

  it('refuses invalid JSON in manifest.json', async () => {
    const dir = await writeAppFolder({}, { 'src/index.ts': 'export default { a() {} };' });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/manifest.json`, '{ "name": ');
    expect((await deployError(dir)).problems[0]?.text).toMatch(/not JSON/);
  });

  it('can bundle a real SDK entry in place of the global shim', async () => {
    const sdkDir = await writeAppFolder({}, { 'sdk.ts': `export const defineApp = <T>(app: T): T => app;` });
    const dir = await writeAppFolder({}, {
      'src/index.ts': `import { defineApp } from '@switchboard/sdk';\nexport default defineApp({ invite: () => 'ok' });`,
    });
    const bundle = await bundleApp(dir, { sdkEntry: `${sdkDir}/sdk.ts` });
    expect(bundle.code).toContain('defineApp');
    expect(bundle.code).not.toContain('globalThis.sdk');
  });
});
