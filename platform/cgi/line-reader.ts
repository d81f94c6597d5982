/**
 * Lines of a script's output, read from the raw octets so that bodies can be cut by
 * Content-Length exactly. RFC 3050 §6.1: the Unix newline is LF and servers SHOULD also accept
 * CR LF, so a CR before the LF is dropped.
 */
export class LineReader {
  #pos = 0;
  #line = 0;

  constructor(private readonly data: Buffer) {}

  /** Number of the last line taken (1-based; 0 before the first). */
  get lineNumber(): number {
    return this.#line;
  }

  /** The next line without its newline, not consumed; undefined at the end. */
  peek(): string | undefined {
    return this.#read()?.text;
  }

  take(): string | undefined {
    const next = this.#read();
    if (next === undefined) return undefined;
    this.#pos = next.end;
    this.#line++;
    return next.text;
  }

  /** Up to `count` octets (fewer when the output ends first). */
  takeBytes(count: number): Buffer {
    const end = Math.min(this.data.length, this.#pos + count);
    const bytes = this.data.subarray(this.#pos, end);
    this.#advance(end);
    return bytes;
  }

  takeRest(): Buffer {
    return this.takeBytes(this.data.length - this.#pos);
  }

  #advance(end: number): void {
    for (let i = this.#pos; i < end; i++) if (this.data[i] === 0x0a) this.#line++;
    this.#pos = end;
  }

  #read(): { text: string; end: number } | undefined {
    const data = this.data;
    if (this.#pos >= data.length) return undefined;
    const newline = data.indexOf(0x0a, this.#pos);
    const stop = newline < 0 ? data.length : newline;
    const textEnd = stop > this.#pos && data[stop - 1] === 0x0d ? stop - 1 : stop;
    return { text: data.toString('utf8', this.#pos, textEnd), end: newline < 0 ? data.length : newline + 1 };
  }
}
