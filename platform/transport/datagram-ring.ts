/**
 * A queue of datagrams in a SharedArrayBuffer between two threads: one writer, one reader
 * (the UDP socket thread and the server thread, one ring each way; see udp-socket-thread.ts).
 *
 * Records are 4-byte aligned: u32 payload length, u32 port | address length << 16, the address
 * (an IP literal, latin1), the payload. A record never wraps: at the end of the buffer the
 * writer leaves a WRAP mark and starts over at 0. HEAD and TAIL are free-running byte counters
 * (int32 arithmetic, so they may overflow; only their difference is used).
 *
 * The socket thread gets this as source text (`defineDatagramRing.toString()`), so the class
 * is made inside a function that closes over nothing from module scope.
 */
/** ES2024's Atomics.waitAsync (in Node 20; the project's lib is ES2023). */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

export function defineDatagramRing() {
  /** Control words: where the writer is, where the reader is, whether the reader sleeps, drops. */
  const HEAD = 0;
  const TAIL = 1;
  const WAITING = 2;
  const DROPPED = 3;
  const CONTROL_BYTES = 16;
  const WRAP = 0xffffffff;

  return class DatagramRing {
    readonly #control: Int32Array;
    readonly #words: Uint32Array;
    readonly #bytes: Buffer;
    readonly #capacity: number;
    readonly #mask: number;

    /** `capacity` (payload area, bytes) must be a power of two. */
    static create(capacity: number): SharedArrayBuffer {
      if (capacity < 1024 || (capacity & (capacity - 1)) !== 0) throw new Error(`ring capacity must be a power of two ≥ 1024, got ${capacity}`);
      return new SharedArrayBuffer(CONTROL_BYTES + capacity);
    }

    constructor(buffer: SharedArrayBuffer) {
      this.#capacity = buffer.byteLength - CONTROL_BYTES;
      this.#mask = this.#capacity - 1;
      this.#control = new Int32Array(buffer, 0, 4);
      this.#words = new Uint32Array(buffer, CONTROL_BYTES, this.#capacity / 4);
      this.#bytes = Buffer.from(buffer, CONTROL_BYTES, this.#capacity);
    }

    /** Datagrams the writer could not queue because the ring was full. */
    get dropped(): number {
      return Atomics.load(this.#control, DROPPED);
    }

    /** Writer: queue one datagram; false (and counted as dropped) when it does not fit now. */
    write(data: Uint8Array, address: string, port: number): boolean {
      const control = this.#control;
      const capacity = this.#capacity;
      const addressLength = address.length;
      const need = (8 + addressLength + data.length + 3) & ~3;
      let head = control[HEAD]!;
      let used = (head - Atomics.load(control, TAIL)) | 0;
      let offset = head & this.#mask;
      if (offset + need > capacity) {
        const pad = capacity - offset;
        if (used + pad + need > capacity) return this.#drop();
        this.#words[offset >> 2] = WRAP;
        head = (head + pad) | 0;
        used += pad;
        offset = 0;
      }
      if (used + need > capacity) return this.#drop();
      const word = offset >> 2;
      this.#words[word] = data.length;
      this.#words[word + 1] = port | (addressLength << 16);
      const bytes = this.#bytes;
      for (let i = 0; i < addressLength; i++) bytes[offset + 8 + i] = address.charCodeAt(i);
      bytes.set(data, offset + 8 + addressLength);
      Atomics.store(control, HEAD, (head + need) | 0);
      return true;
    }

    #drop(): false {
      Atomics.add(this.#control, DROPPED, 1);
      return false;
    }

    /** Reader: hands every queued datagram to `visit` (payload copied out, so the slot is free). */
    read(visit: (data: Buffer, address: string, port: number) => void): number {
      const control = this.#control;
      const head = Atomics.load(control, HEAD);
      let tail = control[TAIL]!;
      let count = 0;
      while (tail !== head) {
        const offset = tail & this.#mask;
        const length = this.#words[offset >> 2]!;
        if (length === WRAP) {
          tail = (tail + this.#capacity - offset) | 0;
          continue;
        }
        const word = this.#words[(offset >> 2) + 1]!;
        const addressLength = word >>> 16;
        const start = offset + 8 + addressLength;
        const address = this.#bytes.toString('latin1', offset + 8, start);
        const data = Buffer.allocUnsafe(length);
        this.#bytes.copy(data, 0, start, start + length);
        tail = (tail + ((8 + addressLength + length + 3) & ~3)) | 0;
        // Released before the visit: a visitor that throws cannot wedge the ring.
        Atomics.store(control, TAIL, tail);
        count += 1;
        visit(data, address, word & 0xffff);
      }
      return count;
    }

    /** Reader: resolves once the writer may have queued something (at once if it already has). */
    async waitForData(): Promise<void> {
      const control = this.#control;
      Atomics.store(control, WAITING, 1);
      const head = Atomics.load(control, HEAD);
      if (head === control[TAIL]) {
        const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(control, HEAD, head);
        if (wait.async) await wait.value;
      }
      Atomics.store(control, WAITING, 0);
    }

    /** Writer: wakes a reader sleeping in waitForData (one atomic load when it is awake). */
    wake(): void {
      if (Atomics.load(this.#control, WAITING) === 1) Atomics.notify(this.#control, HEAD);
    }

    /** Either side: wake the reader even when the ring is empty (shutting down). */
    interrupt(): void {
      Atomics.add(this.#control, HEAD, 0);
      Atomics.notify(this.#control, HEAD);
    }
  };
}

export const DatagramRing = defineDatagramRing();
export type DatagramRing = InstanceType<typeof DatagramRing>;
