/**
 * What the live CPL adapter needs from the rest of the server, as plain interfaces: the store's
 * repositories (platform/store implements them) and a mail queue. Defined here so that the
 * adapter depends on the service interface only, never on the store.
 */

/** The stored script of a user (platform/store CplScriptRepository satisfies this). */
export interface CplStoredScript {
  readonly aor: string;
  readonly xml: string;
  readonly hash: string;
  readonly version: number;
  readonly size: number;
  /** Epoch milliseconds. */
  readonly uploadedAt: number;
}

export interface CplScriptSource {
  /** Hash and version only: asked on every call, so a script uploaded by another process
   *  (the CLI) takes effect at once. */
  head(aor: string): Promise<{ hash: string; version: number } | undefined>;
  get(aor: string): Promise<CplStoredScript | undefined>;
}

export interface CplScriptStore extends CplScriptSource {
  put(aor: string, xml: string, hash: string): Promise<{ record: CplStoredScript; created: boolean }>;
  remove(aor: string): Promise<boolean>;
}

/** One `log` entry (RFC 3880 §7.2), as the store keeps it. */
export interface CplLogWrite {
  aor: string;
  time: number;
  name: string | null;
  comment: string | null;
  origin: string;
  destination: string;
  callId: string | null;
}

export interface CplLogSink {
  append(entry: CplLogWrite): Promise<unknown>;
}

/** A mail a `mail` node asked for (RFC 3880 §7.1.1), on behalf of the script's owner. */
export interface CplOutgoingMail {
  readonly owner: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  readonly replyTo: string | null;
}

/** Takes mail without waiting: sending, queueing and retrying happen behind it. */
export interface CplMailQueue {
  enqueue(mail: CplOutgoingMail): void;
}
