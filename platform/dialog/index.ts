/** Public entry of the dialog layer (RFC 3261 §12, §13.2.2.4, §13.3.1.4): dialog state and the
 *  messages built from it. Above transaction, below endpoint. */
export { Dialog, type DialogInit, type DialogRole, type DialogState, type InDialogRequestOptions } from './dialog.js';
export { dialogKey, hasToTag, uacDialogIdOf, uasDialogIdOf, type DialogId } from './dialog-id.js';
export { createUacDialog, createUasDialog, DialogCreationError } from './create-dialog.js';
export { AnswerRetransmitter, type AnswerRetransmitterOptions } from './answer-retransmitter.js';
export { destinationOf, nextHopOf, NextHopError } from './next-hop.js';
export { rejectingAnswer, type SdpBody } from './rejecting-answer.js';
