/**
 * Which script runs for a request — "purely a matter of local policy" (RFC 3050 §3.4). Ours is
 * a cgi-bin folder, looked up on every request so that an executable dropped in is used with no
 * restart (directory listings and stat results are cached for `cacheMs`, default 1 s):
 *
 *   1. `<cgiBin>/users/<user>@<host>`   the Request-URI's user at its host (host lower-cased)
 *   2. configured routes, in order      a RegExp on the Request-URI → `<cgiBin>/<script>`
 *   3. `<cgiBin>/domains/<host>`        the Request-URI's host
 *
 * A name matches the file of exactly that name or that name plus one known script extension
 * (`alice@example.com.sh`). Only regular files with an execute bit count; hidden files never do.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { decodeUser, formatUri, type SipRequest, type Uri } from '../sip/index.js';

export const SCRIPT_EXTENSIONS = ['.sh', '.js', '.mjs', '.cjs', '.py', '.pl', '.rb', '.php', '.cgi'] as const;

export interface ScriptRoute {
  /** Tested against the Request-URI as written (REQUEST_URI). */
  match: RegExp;
  /** A file name in the cgi-bin folder (extension optional, as above). */
  script: string;
}

export interface ScriptResolverOptions {
  cgiBin: string;
  routes?: readonly ScriptRoute[];
  cacheMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface ResolvedScript {
  path: string;
  /** Which rule chose it. */
  by: 'user' | 'route' | 'domain';
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/** A file name built from a URI: nothing that could leave the folder or hide in it. */
function safeName(name: string): string | undefined {
  if (name === '' || name.startsWith('.') || /[/\\\0]/.test(name)) return undefined;
  return name;
}

export class ScriptResolver {
  readonly #root: string;
  readonly #routes: readonly ScriptRoute[];
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #listings = new Map<string, Cached<ReadonlySet<string>>>();
  readonly #executables = new Map<string, Cached<boolean>>();

  constructor(options: ScriptResolverOptions) {
    this.#root = resolve(options.cgiBin);
    this.#routes = options.routes ?? [];
    this.#cacheMs = options.cacheMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  async resolve(request: SipRequest): Promise<ResolvedScript | undefined> {
    return this.resolveUri(request.uri);
  }

  /** The script for a URI: the Request-URI, or the To AOR of a REGISTER (whose Request-URI
   *  names only the domain). */
  async resolveUri(uri: Uri): Promise<ResolvedScript | undefined> {
    const host = uri.kind === 'sip' ? uri.host.toLowerCase() : undefined;
    const user = uri.kind === 'sip' ? decodeUser(uri) : undefined;
    if (host !== undefined && user !== undefined) {
      const name = safeName(`${user}@${host}`);
      const found = name && (await this.#find('users', name));
      if (found) return { path: found, by: 'user' };
    }
    const text = formatUri(uri);
    for (const route of this.#routes) {
      route.match.lastIndex = 0;
      if (!route.match.test(text)) continue;
      const name = safeName(route.script);
      const found = name && (await this.#find('', name));
      if (found) return { path: found, by: 'route' };
    }
    if (host !== undefined) {
      const name = safeName(host);
      const found = name && (await this.#find('domains', name));
      if (found) return { path: found, by: 'domain' };
    }
    return undefined;
  }

  /** The executable for `name` in `<root>/<folder>`, if any. */
  async #find(folder: string, name: string): Promise<string | undefined> {
    const directory = folder === '' ? this.#root : join(this.#root, folder);
    const entries = await this.#cached(this.#listings, directory, () => listing(directory));
    const candidates = [name, ...SCRIPT_EXTENSIONS.map((ext) => name + ext)];
    for (const candidate of candidates) {
      if (!entries.has(candidate)) continue;
      const path = join(directory, candidate);
      if (!path.startsWith(this.#root + sep)) continue;
      if (await this.#cached(this.#executables, path, () => isExecutable(path))) return path;
    }
    return undefined;
  }

  #cached<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = cache.get(key);
    if (hit && now - hit.at < this.#cacheMs) return hit.value;
    const value = load();
    cache.set(key, { at: now, value });
    // Bounded: names come from Request-URIs. Old entries go first (Map keeps insertion order).
    if (cache.size > 4096) cache.delete(cache.keys().next().value as string);
    return value;
  }
}

async function listing(directory: string): Promise<ReadonlySet<string>> {
  try {
    return new Set((await readdir(directory)).filter((name) => !name.startsWith('.')));
  } catch {
    return new Set();
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
