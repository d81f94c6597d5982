/**
 * What the core knows about a message that the message itself does not say: who sent it, on
 * which port it arrived, whom the server authenticated. The engine turns these into
 * metavariables (RFC 3050 §5.5.1); the caller (proxy / service adapter) supplies them.
 */

export interface PeerFacts {
  /** REMOTE_ADDR (§5.5.1.7): the previous hop's IP; loopback for locally generated responses (§5.8). */
  remoteAddress: string;
  /** REMOTE_HOST (§5.5.1.8): its FQDN when known (no lookup is done here). */
  remoteHost?: string;
  /** REMOTE_IDENT (§5.5.1.9): RFC 1413 identity, rarely available. */
  remoteIdent?: string;
  /** SERVER_PORT (§5.5.1.19): the port the message was received on. */
  localPort: number;
}

/** Credentials the server itself verified (§5.5.1.1 AUTH_TYPE, §5.5.1.10 REMOTE_USER). */
export interface AuthFacts {
  /** Auth scheme token: `Digest`, `Basic` … */
  scheme: string;
  /** Digest username-value / Basic userid. */
  user: string;
}

export interface RequestFacts extends PeerFacts {
  /** The server transaction this request started; later messages name it. */
  txId: string;
  auth?: AuthFacts;
}

export interface ResponseFacts extends Partial<PeerFacts> {
  /** The branch (from a proxy or new-request step) the response belongs to. */
  branchId?: string;
  /** A response the server made itself, e.g. the 408 of a local Expires (§5.7, §5.8). */
  locallyGenerated?: boolean;
}
