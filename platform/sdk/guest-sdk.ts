/**
 * The two host functions the sandbox gives every isolate (platform/container guest prelude): a
 * logger and JSON host calls to capabilities the manifest grants. Nothing else crosses.
 */

export interface GuestSdk {
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  hostCall(capability: string, method: string, jsonArgs: string): Promise<string>;
}

export function guestSdk(): GuestSdk {
  const sdk = (globalThis as { sdk?: GuestSdk }).sdk;
  if (sdk === undefined) throw new Error('the Switchboard SDK runs only inside the app sandbox (deploy the app to run it)');
  return sdk;
}
