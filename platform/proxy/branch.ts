import type { SipRequest } from '../sip/index.js';
import type { ClientTransaction } from '../transaction/transaction-layer.js';
import type { Destination } from '../transport/types.js';
import type { ProxyTarget } from './target.js';
import type { WheelItem } from './timer-wheel.js';

/** Who hears that a branch's Timer C fired (its response context). */
export interface TimerCOwner {
  onTimerC(branch: Branch): void;
}

type BranchState = 'starting' | 'calling' | 'proceeding' | 'completed';

/** One branch of a response context (§16.6): its target, forwarded request, client transaction
 *  and the state the context keeps about it (Timer C, CANCEL bookkeeping). */
export class Branch implements WheelItem {
  state: BranchState = 'starting';
  request: SipRequest | undefined;
  destination: Destination | undefined;
  transaction: ClientTransaction | undefined;
  /** A 1xx arrived: a CANCEL may be sent (§9.1). */
  provisional = false;
  cancelWanted = false;
  cancelSent = false;
  /** Timer C's slot in the proxy core's TimerWheel; -1 when not running. */
  wheelSlot = -1;

  constructor(
    readonly target: ProxyTarget,
    readonly index: number,
    readonly owner: TimerCOwner,
  ) {}

  get pending(): boolean {
    return this.state !== 'completed';
  }
}
