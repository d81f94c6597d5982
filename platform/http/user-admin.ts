/**
 * User management shared by the HTTP API (user-routes.ts) and the CLI (`switchboard user …`):
 * the same names, checks and error codes on both edges. Users live in the configured domains;
 * a name without `@domain` belongs to the first one.
 */
import { StoreError } from '../store/errors.js';
import type { User, UserRepository } from '../store/user-repository.js';

export type UserAdminErrorCode = 'unknown-domain' | 'user-exists' | 'not-found' | 'invalid-user' | 'bad-password';

export class UserAdminError extends Error {
  override readonly name = 'UserAdminError';
  constructor(
    readonly code: UserAdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface UserName {
  username: string;
  domain: string;
  aor: string;
}

/** What the edges show of a user: never the HA1 values. */
export interface UserView {
  aor: string;
  username: string;
  domain: string;
  displayName?: string;
  createdAt: string;
  updatedAt: string;
}

export const MAX_PASSWORD_LENGTH = 256;

/**
 * `alice`, `alice@sb.test` or `sip:alice@sb.test` as a user of ours. `domain` applies to a bare
 * name (default: the first served domain). With `mustBeServed`, a domain not in `domains` is
 * refused — adding users there would create accounts no request can reach.
 */
export function resolveUserName(input: string, domains: readonly string[], options: { domain?: string; mustBeServed?: boolean } = {}): UserName {
  const text = input.trim().replace(/^sips?:/iu, '');
  const at = text.lastIndexOf('@');
  const username = at >= 0 ? text.slice(0, at) : text;
  const domain = (at >= 0 ? text.slice(at + 1) : (options.domain ?? domains[0] ?? '')).toLowerCase();
  if (at >= 0 && options.domain !== undefined && options.domain.toLowerCase() !== domain) {
    throw new UserAdminError('invalid-user', `"${input}" names domain ${domain} but --domain says ${options.domain}`);
  }
  if (username.length === 0) throw new UserAdminError('invalid-user', `"${input}" has no user name`);
  if (domain.length === 0) throw new UserAdminError('invalid-user', `"${input}" has no domain`);
  if (options.mustBeServed !== false && !domains.includes(domain)) {
    throw new UserAdminError('unknown-domain', `domain ${domain} is not served here (configured domains: ${domains.join(', ')})`);
  }
  return { username, domain, aor: `${username}@${domain}` };
}

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length === 0) throw new UserAdminError('bad-password', 'the password must not be empty');
  if (password.length > MAX_PASSWORD_LENGTH) throw new UserAdminError('bad-password', `the password is longer than ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}

export async function addUser(
  users: UserRepository,
  domains: readonly string[],
  input: { name: string; domain?: string; password: string; displayName?: string },
): Promise<User> {
  const name = resolveUserName(input.name, domains, input.domain !== undefined ? { domain: input.domain } : {});
  const password = checkPassword(input.password);
  try {
    return await users.add({
      username: name.username,
      domain: name.domain,
      password,
      ...(input.displayName !== undefined && input.displayName !== '' ? { displayName: input.displayName } : {}),
    });
  } catch (error) {
    throw translate(error, name.aor);
  }
}

export async function deleteUser(users: UserRepository, domains: readonly string[], name: string): Promise<string> {
  const { aor } = resolveUserName(name, domains, { mustBeServed: false });
  let deleted: boolean;
  try {
    deleted = await users.delete(aor);
  } catch (error) {
    throw translate(error, aor);
  }
  if (!deleted) throw new UserAdminError('not-found', `no user ${aor}`);
  return aor;
}

export async function changePassword(users: UserRepository, domains: readonly string[], name: string, password: string): Promise<User> {
  const { aor } = resolveUserName(name, domains, { mustBeServed: false });
  checkPassword(password);
  try {
    return await users.setPassword(aor, password);
  } catch (error) {
    throw translate(error, aor);
  }
}

export function userView(user: User): UserView {
  return {
    aor: user.aor,
    username: user.username,
    domain: user.domain,
    ...(user.displayName !== undefined ? { displayName: user.displayName } : {}),
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}

function translate(error: unknown, aor: string): Error {
  if (!(error instanceof StoreError)) return error as Error;
  switch (error.code) {
    case 'user-exists':
      return new UserAdminError('user-exists', `user ${aor} already exists`);
    case 'user-not-found':
      return new UserAdminError('not-found', `no user ${aor}`);
    case 'invalid-user':
      return new UserAdminError('invalid-user', error.message);
    default:
      return error;
  }
}
