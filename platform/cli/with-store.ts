/** One CLI command's use of a store: opened for the command, always closed, and a thrown error
 *  becomes "error: …" on stderr with exit status 1. */
import type { CliIo } from './io.js';

export async function withStore<S extends { close(): void }>(
  open: () => S,
  io: CliIo,
  setStatus: (code: number) => void,
  body: (store: S) => Promise<void>,
): Promise<void> {
  let store: S | undefined;
  try {
    store = open();
    await body(store);
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n`);
    setStatus(1);
  } finally {
    store?.close();
  }
}
