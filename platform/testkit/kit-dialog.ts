/**
 * A dialog as engines see it (DialogHandle, platform/services user-agent.ts), over the kit's
 * network: requests in it go to the phone (or, toward the caller, are answered 200 by the kit's
 * caller), BYE ends it once.
 */
import type { DialogEndReason, DialogHandle, InDialogRequestEvent, ServiceResponse } from '../services/index.js';
import { generateTag, reasonPhrase, type HeaderField } from '../sip/index.js';

export class KitDialog implements DialogHandle {
  readonly id: string;
  readonly callId: string;
  readonly localTag = generateTag();
  readonly remoteTag = generateTag();
  state: DialogHandle['state'] = 'confirmed';
  readonly #send: (method: string, body?: string) => ServiceResponse;
  readonly #onEnd = new Set<(reason: DialogEndReason) => void>();

  constructor(callId: string, send: (method: string, body?: string) => ServiceResponse) {
    this.callId = callId;
    this.id = `${callId};${this.localTag}`;
    this.#send = send;
  }

  async request(method: string, options?: { headers?: HeaderField[]; body?: { contentType: string; content: string | Buffer } }): Promise<ServiceResponse> {
    if (this.state === 'terminated') return { status: 481, reason: reasonPhrase(481), headers: [], locallyGenerated: true };
    if (method.toUpperCase() === 'BYE') {
      await this.bye();
      return { status: 200, reason: 'OK', headers: [] };
    }
    return this.#send(method.toUpperCase(), options?.body === undefined ? undefined : String(options.body.content));
  }

  async bye(): Promise<void> {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#send('BYE');
    for (const listener of this.#onEnd) listener('local-bye');
  }

  /** The other side sent BYE (the core answered it). */
  remoteEnded(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const listener of this.#onEnd) listener('remote-bye');
  }

  onRequest(_listener: (request: InDialogRequestEvent) => void): () => void {
    return () => undefined; // the kit's phones send no in-dialog requests
  }

  onEnd(listener: (reason: DialogEndReason) => void): () => void {
    this.#onEnd.add(listener);
    return () => this.#onEnd.delete(listener);
  }
}
