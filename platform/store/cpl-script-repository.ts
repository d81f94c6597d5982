/**
 * Per-user CPL scripts (RFC 3880), stored as uploaded with their upload time. The store does not
 * judge scripts: callers validate before `put`, so a rejected upload never reaches it and the
 * previous script stays active. No storage types here, so a server database can implement it.
 */

export interface CplScriptRecord {
  /** `user@domain` (domain lower-cased). */
  aor: string;
  /** The script text exactly as uploaded. */
  xml: string;
  /** SHA-256 of `xml`, lower-case hex: the key of compiled forms. */
  hash: string;
  /** 1 for the first upload, +1 for every replacement. */
  version: number;
  /** Octets of `xml` in UTF-8. */
  size: number;
  /** Epoch milliseconds. */
  uploadedAt: number;
}

/** What a call needs to know to tell whether its cached compiled script is current. */
export interface CplScriptHead {
  hash: string;
  version: number;
}

export interface CplScriptRepository {
  get(aor: string): Promise<CplScriptRecord | undefined>;
  /** The current hash and version only: cheap enough to ask on every call. */
  head(aor: string): Promise<CplScriptHead | undefined>;
  /** Store (replace) the user's script; `created` is true when there was none. */
  put(aor: string, xml: string, hash: string): Promise<{ record: CplScriptRecord; created: boolean }>;
  /** False when the user had no script. */
  remove(aor: string): Promise<boolean>;
}
