import type { SipRequest } from '../sip/index.js';
import type { ClientTransaction } from '../transaction/transaction-layer.js';
import type { Destination } from '../transport/types.js';
import type { ProxyTarget } from './target.js';

type BranchState = 'starting' | 'calling' | 'proceeding' | 'completed';

/** One branch of a response context (§16.6): its target, forwarded request, client transaction
 *  and the state the context keeps about it (Timer C, CANCEL bookkeeping). */
export class Branch {
  state: BranchState = 'starting';
  request: SipRequest | undefined;
  destination: Destination | undefined;
  transaction: ClientTransaction | undefined;
  /** A 1xx arrived: a CANCEL may be sent (§9.1). */
  provisional = false;
  cancelWanted = false;
  cancelSent = false;
  timerC: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly target: ProxyTarget,
    readonly index: number,
  ) {}

  get pending(): boolean {
    return this.state !== 'completed';
  }
}
