/**
 * The state of one dialog (RFC 3261 §12): its id, local and remote sequence numbers, local
 * and remote address, remote target, route set and secure flag, and the requests built from
 * it (§12.2.1.1) or checked against it (§12.2.2). No I/O: the UA core sends what this builds.
 */
import {
  cloneUri,
  createParams,
  createRequest,
  formatNameAddr,
  formatUri,
  type HeaderField,
  type NameAddr,
  type SipMessage,
  type SipRequest,
  type Uri,
} from '../sip/index.js';
import { dialogKey, type DialogId } from './dialog-id.js';

export type DialogRole = 'uac' | 'uas';
export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogInit {
  /** Whether this UA sent (uac) or received (uas) the request that created the dialog. */
  role: DialogRole;
  id: DialogId;
  /** Local URI (with display name, without tag): From in requests we send. */
  localAddress: NameAddr;
  /** Remote URI: To in requests we send. */
  remoteAddress: NameAddr;
  /** Empty (undefined) for a UAS dialog until it sends its first request (§12.1.1). */
  localSeq: number | undefined;
  /** Empty (undefined) for a UAC dialog until the peer sends a request (§12.1.2). */
  remoteSeq: number | undefined;
  /** In the order requests take (§12.1.1 / §12.1.2 already applied). */
  routeSet: NameAddr[];
  remoteTarget: Uri;
  secure: boolean;
  /** Our Contact value (a formatted name-addr), sent in target-refresh requests. */
  localContact: string;
  state: DialogState;
}

export interface InDialogRequestOptions {
  headers?: HeaderField[];
  body?: { contentType: string; content: string | Buffer };
}

/** Requests that carry our Contact: they may refresh the remote target (§12.2, RFC 3311, RFC 6665). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export class Dialog {
  readonly role: DialogRole;
  readonly id: DialogId;
  readonly key: string;
  readonly localAddress: NameAddr;
  readonly remoteAddress: NameAddr;
  readonly secure: boolean;
  readonly localContact: string;
  #state: DialogState;
  #localSeq: number | undefined;
  #remoteSeq: number | undefined;
  #routeSet: NameAddr[];
  #remoteTarget: Uri;

  constructor(init: DialogInit) {
    this.role = init.role;
    this.id = init.id;
    this.key = dialogKey(init.id);
    this.localAddress = init.localAddress;
    this.remoteAddress = init.remoteAddress;
    this.secure = init.secure;
    this.localContact = init.localContact;
    this.#state = init.state;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
    this.#routeSet = init.routeSet;
    this.#remoteTarget = init.remoteTarget;
  }

  get state(): DialogState {
    return this.#state;
  }
  get localSeq(): number | undefined {
    return this.#localSeq;
  }
  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }
  get routeSet(): readonly NameAddr[] {
    return this.#routeSet;
  }
  get remoteTarget(): Uri {
    return this.#remoteTarget;
  }

  /** Where requests in this dialog go first (§12.2.1.1 with §8.1.2): the first route (loose,
   *  or strict — then it is also the Request-URI), else the remote target. */
  get nextHopUri(): Uri {
    return this.#routeSet[0]?.uri ?? this.#remoteTarget;
  }

  /** An early dialog becomes confirmed with the 2xx (§12.1). */
  confirm(): void {
    if (this.#state === 'early') this.#state = 'confirmed';
  }

  terminate(): void {
    this.#state = 'terminated';
  }

  /**
   * §12.2.1.1: a request within the dialog. CSeq is the local sequence number plus one (a
   * random start below 2^31 when empty); ACK and CANCEL are not built here (§13.2.2.4 uses
   * `createAck`, CANCEL copies the request it cancels). The caller pushes the Via.
   */
  createRequest(method: string, options: InDialogRequestOptions = {}): SipRequest {
    if (method === 'ACK' || method === 'CANCEL') throw new Error(`${method} is not built by Dialog.createRequest`);
    if (this.#state === 'terminated') throw new Error('the dialog is terminated');
    this.#localSeq = this.#localSeq === undefined ? initialSeq() : this.#localSeq + 1;
    return this.#build(method, this.#localSeq, options);
  }

  /**
   * §13.2.2.4: the ACK for a 2xx to the INVITE with CSeq `inviteSeq` — built like an in-dialog
   * request, "the sequence number of the CSeq header field MUST be the same as the INVITE being
   * acknowledged", and it carries the INVITE's credentials (`headers`: Authorization /
   * Proxy-Authorization as sent).
   */
  createAck(inviteSeq: number, options: InDialogRequestOptions = {}): SipRequest {
    return this.#build('ACK', inviteSeq, options);
  }

  /**
   * §12.2.2: a request received in the dialog. A lower CSeq than the remote sequence number is
   * out of order: false (the UAS answers 500). Otherwise the remote sequence number moves up.
   * ACK and CANCEL reuse their INVITE's number and are not checked.
   */
  acceptRemoteSeq(request: SipRequest): boolean {
    if (request.method === 'ACK' || request.method === 'CANCEL') return true;
    const seq = request.cseq.seq;
    if (this.#remoteSeq !== undefined && seq < this.#remoteSeq) return false;
    this.#remoteSeq = seq;
    return true;
  }

  /**
   * §12.2.1.2 / §12.2.2: a target-refresh request (re-INVITE, UPDATE) or its 2xx may carry a
   * new Contact; it replaces the remote target. The route set never changes after creation.
   */
  refreshTarget(message: SipMessage): void {
    try {
      const contacts = message.contacts;
      if (contacts !== '*' && contacts[0]) this.#remoteTarget = cloneUri(contacts[0].uri);
    } catch {
      // an unreadable Contact leaves the target as it was
    }
  }

  #build(method: string, seq: number, options: InDialogRequestOptions): SipRequest {
    const { uri, routes } = this.#requestTarget();
    const headers: HeaderField[] = [
      ...routes.map((value) => ({ name: 'Route', value })),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: withTag(this.localAddress, this.id.localTag) },
      { name: 'To', value: withTag(this.remoteAddress, this.id.remoteTag) },
      { name: 'Call-ID', value: this.id.callId },
      { name: 'CSeq', value: `${seq} ${method}` },
    ];
    if (TARGET_REFRESH.has(method)) headers.push({ name: 'Contact', value: this.localContact });
    for (const header of options.headers ?? []) headers.push(header);
    if (options.body) headers.push({ name: 'Content-Type', value: options.body.contentType });
    return createRequest({ method, uri, headers, ...(options.body ? { body: options.body.content } : {}) });
  }

  /**
   * §12.2.1.1: empty route set → Request-URI is the remote target, no Route. First route loose
   * (`lr`) → Request-URI is the remote target, Route is the route set. First route strict →
   * Request-URI is the first route (without URI headers, not allowed there), Route is the rest
   * followed by the remote target.
   */
  #requestTarget(): { uri: Uri; routes: string[] } {
    const [first, ...rest] = this.#routeSet;
    if (!first) return { uri: cloneUri(this.#remoteTarget), routes: [] };
    if (first.uri.kind !== 'sip' || first.uri.params.has('lr')) {
      return { uri: cloneUri(this.#remoteTarget), routes: this.#routeSet.map(formatNameAddr) };
    }
    const uri = cloneUri(first.uri);
    if (uri.kind === 'sip') for (const [name] of [...uri.headers.entries()]) uri.headers.delete(name);
    return { uri, routes: [...rest.map(formatNameAddr), `<${formatUri(this.#remoteTarget)}>`] };
  }
}

function withTag(address: NameAddr, tag: string): string {
  const params = createParams([...address.params.entries()].filter(([name]) => name.toLowerCase() !== 'tag'));
  return `${formatNameAddr({ ...address, params })};tag=${tag}`;
}

/** §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer and
 *  MUST be less than 2**31"; §12.2.1.1 allows any start when the local sequence is empty. */
function initialSeq(): number {
  return 1 + Math.floor(Math.random() * 0x7fff);
}
