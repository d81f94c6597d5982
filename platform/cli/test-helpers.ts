/** A CliIo that records what a command prints and feeds it `stdin`, for the CLI tests. */
import type { CliIo } from './io.js';

export function captureIo(stdin = '', encoding: BufferEncoding = 'utf8'): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    readStdin: async () => Buffer.from(stdin, encoding),
  };
  return io;
}
