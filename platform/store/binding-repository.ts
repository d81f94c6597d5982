/**
 * The location service (RFC 3261 §10): bindings of an address-of-record to contact addresses.
 * No storage types here, so a server database can implement the same interface.
 *
 * Every method resolves only after its change is committed (no write-behind): a registrar
 * answers 200 to a REGISTER only once the bindings it reports are durable.
 */

/** The flow a binding registered from (RFC 5626 §5.2: a registrar keeps it to reach the UA
 *  behind NAT over the same connection). */
export interface BindingFlow {
  /** Transport protocol as the transport layer names it: `udp`, `tcp`, `tls`, `ws`, … */
  protocol: string;
  /** Remote (source) address and port the REGISTER came from. */
  address: string;
  port: number;
  /** Local address and port it arrived on. */
  localAddress?: string;
  localPort?: number;
}

export interface Binding {
  /** `user@domain`, domain lower-cased (see aor.ts). */
  aor: string;
  /** The Contact URI exactly as registered, URI parameters included, header parameters
   *  (`;expires`, `;q`, `;+sip.instance`) excluded. */
  contactUri: string;
  /** Absolute expiry, epoch milliseconds. */
  expiresAt: number;
  /** Preference 0..1 (RFC 3261 §20.10), three decimals; 1.0 when the Contact had no q. */
  q: number;
  /** Call-ID and CSeq of the REGISTER that last refreshed the binding (§10.3 step 7). */
  callId: string;
  cseq: number;
  /** Path header values of that REGISTER, in order (RFC 3327 §5.3). */
  path: string[];
  received?: BindingFlow;
  /** `+sip.instance` (RFC 5626 §4.1), as written, including `<` `>`. */
  instanceId?: string;
  /** `reg-id` (RFC 5626 §4.2). */
  regId?: number;
  userAgent?: string;
  /** When the binding was last written, epoch milliseconds. */
  updatedAt: number;
}

/** What a caller supplies; `updatedAt` is stamped by the repository. */
export type BindingInput = Omit<Binding, 'updatedAt' | 'q'> & { q?: number };

/** One Contact of a REGISTER, for `applyRegistration`. `expiresAt <= now` removes the binding. */
export type ContactUpdate = Omit<BindingInput, 'aor' | 'callId' | 'cseq'>;

/** A whole REGISTER's changes, applied all-or-nothing (§10.3 step 8). */
export interface RegistrationUpdate {
  aor: string;
  callId: string;
  cseq: number;
  /** Epoch milliseconds the request is processed at. */
  now: number;
  /** `Contact: *` with `Expires: 0`: remove every binding of the AOR (§10.3 step 6). */
  removeAll?: boolean;
  contacts?: readonly ContactUpdate[];
  /** Refuse (and change nothing) when more active bindings than this would remain. */
  maxBindings?: number;
}

export type RegistrationOutcome =
  | {
      ok: true;
      added: Binding[];
      refreshed: Binding[];
      removed: Binding[];
      /** Every active binding after the change, in `listActive` order (the 200's Contacts). */
      active: Binding[];
    }
  | {
      ok: false;
      /** A binding with the same Call-ID has an equal or higher CSeq: the request is older than
       *  what is stored, so it must fail (§10.3 steps 6 and 7). */
      reason: 'out-of-order';
      contactUri: string;
      message: string;
    }
  | { ok: false; reason: 'too-many-bindings'; limit: number; message: string };

export interface BindingRepository {
  /**
   * Add or refresh one binding. An existing binding of the same AOR matches when its Contact
   * URI is equivalent (RFC 3261 §19.1.4) or, when both carry an instance-id and reg-id, when
   * those are equal (RFC 5626 §6). Returns the stored binding.
   */
  upsert(binding: BindingInput, now?: number): Promise<Binding>;
  /** The unexpired binding of `aor` whose Contact URI is equivalent to `contactUri`. */
  find(aor: string, contactUri: string, now: number): Promise<Binding | undefined>;
  /** Remove the binding(s) whose Contact URI is equivalent to `contactUri`; returns them. */
  remove(aor: string, contactUri: string): Promise<Binding[]>;
  /** Remove every binding of `aor`; returns them. */
  removeAll(aor: string): Promise<Binding[]>;
  /** Unexpired bindings, highest q first, then most recently updated first. */
  listActive(aor: string, now: number): Promise<Binding[]>;
  countActive(aor: string, now: number): Promise<number>;
  /** Delete every binding with `expiresAt <= now`; returns what was removed. */
  sweepExpired(now: number): Promise<Binding[]>;
  /**
   * RFC 3261 §10.3 steps 6–8 as one atomic change: per Contact, a binding with another Call-ID
   * is replaced, one with the same Call-ID only when the CSeq is higher, otherwise nothing is
   * changed and `out-of-order` returned. Policy (authorisation, expiry limits, 423) stays with
   * the registrar.
   */
  applyRegistration(update: RegistrationUpdate): Promise<RegistrationOutcome>;
}
