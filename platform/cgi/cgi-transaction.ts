/**
 * What the engine remembers of one SIP transaction a script handles (RFC 3050 §3.2): the cookie,
 * whether the script wants the next message (§5.6.1.5), the responses it may still name by token
 * (§5.5.1.16), the branches it created and their CGI-Request-Tokens (§5.6.2.1), and a queue that
 * keeps one invocation outstanding at a time, later messages waiting in arrival order (§5.3).
 */
import { generateTag, type SipRequest, type SipResponse } from '../sip/index.js';
import type { RequestFacts } from './cgi-facts.js';

export interface CgiBranch {
  origin: 'proxy' | 'new-request';
  requestToken?: string;
}

export interface StoredResponse {
  response: SipResponse;
  branchId?: string;
}

const MAX_RESPONSES = 64;
const MAX_BRANCHES = 256;

export class CgiTransaction {
  /** The To-tag of every response the script generates (spec notes §11 #4). */
  readonly toTag = generateTag();
  cookie: string | undefined;
  /** The last run's `CGI-AGAIN` (§5.6.1.5): yes arms the next message only. */
  again = false;
  /** A failed invocation aborted the transaction: no more scripts for it. */
  aborted = false;
  ended = false;
  /** The script answered the INVITE with a 2xx itself: it gets the ACK (§5.11.1). */
  answeredInvite = false;
  #final: 'none' | 'success' | 'failure' = 'none';
  readonly #responses = new Map<string, StoredResponse>();
  readonly #branches = new Map<string, CgiBranch>();
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly script: string,
    readonly request: SipRequest,
    readonly facts: RequestFacts,
  ) {}

  /** §5.3: run `job` after every job queued before it. */
  serialize<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(job, job);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  rememberResponse(token: string, stored: StoredResponse): void {
    this.#responses.set(token, stored);
    if (this.#responses.size > MAX_RESPONSES) this.#responses.delete(this.#responses.keys().next().value as string);
  }

  response(token: string): StoredResponse | undefined {
    return this.#responses.get(token);
  }

  addBranch(id: string, branch: CgiBranch): void {
    this.#branches.set(id, branch);
    if (this.#branches.size > MAX_BRANCHES) this.#branches.delete(this.#branches.keys().next().value as string);
  }

  branch(id: string | undefined): CgiBranch | undefined {
    return id === undefined ? undefined : this.#branches.get(id);
  }

  /**
   * May a response with this status still go upstream? No provisional after a final; nothing
   * after a non-2xx final (§5.6: "SHOULD NOT accept any responses following a Status message that
   * sends a definitive non-success response"); after a 2xx only further 2xx (RFC 3261 §16.7).
   */
  acceptsResponse(status: number): boolean {
    if (this.#final === 'failure') return false;
    if (this.#final === 'success') return status >= 200 && status < 300;
    return true;
  }

  noteResponseSent(status: number): void {
    if (status >= 300) this.#final = 'failure';
    else if (status >= 200) this.#final = 'success';
  }
}
