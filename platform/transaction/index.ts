/** Public entry of the transaction layer (RFC 3261 §17, RFC 6026). */
export { TransactionLayer, type ClientTransaction, type TransactionLayerOptions } from './transaction-layer.js';
export type { ClientTransactionUser, ServerTransaction, ServerTransactionUser, TransactionUser } from './transaction-user.js';
export { InviteClientInput, InviteClientState, InviteClientTransaction } from './invite-client-transaction.js';
export { NonInviteClientInput, NonInviteClientState, NonInviteClientTransaction } from './non-invite-client-transaction.js';
export { InviteServerInput, InviteServerState, InviteServerTransaction } from './invite-server-transaction.js';
export { NonInviteServerInput, NonInviteServerState, NonInviteServerTransaction } from './non-invite-server-transaction.js';
export { TransactionStateError } from './transaction.js';
export { DEFAULT_TIMER_CONFIG, TRYING_DELAY_MS, deriveTimerValues, resolveTimerConfig, type TimerConfig, type TimerValues } from './timers.js';
export { createAckForFailure } from './create-ack.js';
export { createCancel } from './create-cancel.js';
export { isRfc3261Branch } from './matching.js';
export { pushClientVia, type ClientViaOptions } from './client-via.js';
