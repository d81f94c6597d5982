/**
 * SIP users (subscribers) and their digest credentials. No storage types here, so a server
 * database can implement the same interface.
 *
 * Passwords are never stored: `setPassword` keeps HA1 for MD5 and SHA-256 (RFC 8760 §2.1),
 * computed with the user's domain as the realm, which is what the digest authenticator needs
 * (RFC 3261 §22.4) and what an HTTP sign-in can check against (`verifyPassword`).
 */

export interface User {
  /** `username@domain`, domain lower-cased: the key. */
  aor: string;
  username: string;
  /** Lower-cased; also the digest realm. */
  domain: string;
  displayName?: string;
  /** MD5(username:realm:password), lower-case hex. */
  ha1Md5: string;
  /** SHA-256(username:realm:password), lower-case hex. */
  ha1Sha256: string;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  username: string;
  domain: string;
  password: string;
  displayName?: string;
}

export interface UserRepository {
  /** Create a user; rejects with StoreError('user-exists') when the AOR is taken and
   *  StoreError('invalid-user') when the username or domain cannot form an AOR. */
  add(user: NewUser): Promise<User>;
  get(aor: string): Promise<User | undefined>;
  /** All users, or those of one domain, ordered by domain then username. */
  list(domain?: string): Promise<User[]>;
  /** Delete the user (and, in the SQLite store, its registrations). False when absent. */
  delete(aor: string): Promise<boolean>;
  /** Replace both HA1 values; rejects with StoreError('user-not-found'). */
  setPassword(aor: string, password: string): Promise<User>;
  /** Whether `password` is the user's password (constant-time comparison of the SHA-256 HA1).
   *  False for an unknown user. */
  verifyPassword(aor: string, password: string): Promise<boolean>;
}
