/**
 * Deploy-time build of an app folder: validate `manifest.json`, compile and bundle the entry with
 * esbuild into one classic script for the isolate. Apps get no Node built-ins: an import of `fs`,
 * `net`, `child_process`… is a build error at the import's line, not a runtime surprise. The SDK
 * import `@switchboard/sdk` resolves to the SDK entry given as `sdkEntry` (platform/sdk, bundled
 * in by the app deployer) or, without one, to a shim over the `sdk` global the isolate provides. Spec §B.1 principle 4: no ambient authority.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { isAbsolute, relative, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { DeployError, type DeployProblem } from './deploy-error.js';
import { parseManifest, type AppManifest } from './manifest.js';

/** The global the bundle assigns its module namespace to; the guest prelude reads and clears it. */
export const BUNDLE_GLOBAL = '__switchboardApp';

/** The import specifier app code uses for the SDK. */
export const SDK_SPECIFIER = '@switchboard/sdk';

/** A compiled app, ready for `AppRuntime.deploy`. Plain data: it can be stored or sent. */
export interface AppBundle {
  readonly manifest: AppManifest;
  /** Classic script (IIFE) that defines `globalThis.__switchboardApp`. */
  readonly code: string;
  /** sha256 of `code`, hex. */
  readonly hash: string;
  readonly warnings: readonly DeployProblem[];
}

export interface BundleOptions {
  /** Absolute path of an SDK entry to bundle in place of the `sdk`-global shim. */
  readonly sdkEntry?: string;
  /** Refuse bundles larger than this (default 8 MiB). */
  readonly maxBundleBytes?: number;
  readonly minify?: boolean;
}

const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);

/** The shim that stands for `@switchboard/sdk` until the real SDK is bundled in. */
const SDK_SHIM = `const sdk = globalThis.sdk;
export default sdk;
export const log = sdk.log;
export const hostCall = sdk.hostCall;
`;

/** Builds the app in `dir`; throws `DeployError` with every problem found. */
export async function bundleApp(dir: string, options: BundleOptions = {}): Promise<AppBundle> {
  const root = resolve(dir);
  const manifest = await readManifest(root);
  const entry = resolve(root, manifest.entry);
  if (!isInside(root, entry)) {
    throw new DeployError('invalid app manifest', [{ file: 'manifest.json', text: `entry "${manifest.entry}" is outside the app folder` }]);
  }
  if (!(await isFile(entry))) {
    throw new DeployError('invalid app manifest', [{ file: 'manifest.json', text: `entry "${manifest.entry}" does not exist` }]);
  }

  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      write: false,
      // A classic script: isolated-vm runs scripts; modules would need a resolver per import.
      format: 'iife',
      globalName: BUNDLE_GLOBAL,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      charset: 'utf8',
      legalComments: 'none',
      minify: options.minify ?? false,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [sandboxPlugin(options.sdkEntry)],
    });
  } catch (error) {
    if (isBuildFailure(error)) {
      throw new DeployError(`app "${manifest.name}" does not compile`, error.errors.map(toProblem));
    }
    throw error;
  }

  const output = result.outputFiles[0];
  if (output === undefined) throw new DeployError(`app "${manifest.name}" produced no bundle`, []);
  const code = output.text;
  const maxBytes = options.maxBundleBytes ?? 8 * 1024 * 1024;
  if (output.contents.byteLength > maxBytes) {
    throw new DeployError(`app "${manifest.name}" is too large`, [
      { text: `bundle is ${output.contents.byteLength} bytes; the limit is ${maxBytes}` },
    ]);
  }
  return {
    manifest,
    code,
    hash: createHash('sha256').update(code).digest('hex'),
    warnings: result.warnings.map(toProblem),
  };
}

async function readManifest(root: string): Promise<AppManifest> {
  let text: string;
  try {
    text = await readFile(resolve(root, 'manifest.json'), 'utf8');
  } catch {
    throw new DeployError('not an app folder', [{ file: 'manifest.json', text: `no manifest.json in ${root}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeployError('invalid app manifest', [{ file: 'manifest.json', text: `not JSON: ${(error as Error).message}` }]);
  }
  return parseManifest(json);
}

/** Resolves the SDK and refuses Node built-ins, with esbuild reporting the importing line. */
function sandboxPlugin(sdkEntry: string | undefined): esbuild.Plugin {
  return {
    name: 'switchboard-sandbox',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.path === SDK_SPECIFIER) {
          return sdkEntry === undefined ? { path: SDK_SPECIFIER, namespace: 'switchboard-sdk' } : { path: sdkEntry };
        }
        if (isNodeBuiltin(args.path)) {
          return {
            errors: [
              {
                text:
                  `Node built-in module "${args.path}" is not available to apps: the sandbox has no file system, ` +
                  `network, process or timers; use a capability granted in manifest.json through "${SDK_SPECIFIER}"`,
              },
            ],
          };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'switchboard-sdk' }, () => ({ contents: SDK_SHIM, loader: 'js' }));
    },
  };
}

function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0] ?? specifier);
}

function toProblem(message: esbuild.Message): DeployProblem {
  const location = message.location;
  if (location === null) return { text: message.text };
  // esbuild columns are 0-based; editors and `file:line:column` links are 1-based.
  return { file: location.file, line: location.line, column: location.column + 1, text: message.text };
}

function isBuildFailure(error: unknown): error is esbuild.BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<esbuild.BuildFailure>).errors);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
