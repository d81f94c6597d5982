/**
 * Where the SDK's entry file is, so that deploy bundles it in for `@switchboard/sdk` imports
 * (platform/container bundle-app.ts `sdkEntry`). From source (tests) it is index.ts; from the
 * compiled tree (dist/) index.js.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function sdkEntryPath(): string {
  for (const name of ['../index.ts', '../index.js']) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('the Switchboard SDK entry (platform/sdk/index) is missing');
}
