/**
 * The message ladder: every SIP message the simulated core exchanges with the caller, the
 * scripted phones and the app's own requests, with its virtual time — the sequence diagram an
 * app author reasons in. 100 Trying, ACK and the 200 to a CANCEL are left out (hop-by-hop
 * transaction traffic, RFC 3261 §16.7 step 5, §9.2); responses the core made up itself (a timeout,
 * a transport failure) are kept and marked `local`.
 */

export interface LadderEntry {
  /** Virtual ms since the kit started. */
  readonly at: number;
  /** Who sent it: the caller's or a phone's name, or `app` (the server with its apps). */
  readonly from: string;
  readonly to: string;
  /** The request's method, or for a response the method it answers. */
  readonly method: string;
  /** Responses only. */
  readonly status?: number;
  readonly reason?: string;
  /** Requests only: the Request-URI. */
  readonly uri?: string;
  readonly callId: string;
  /** Made up by the core (408 on a timeout, 503 on a transport failure), not received. */
  readonly local?: boolean;
  /** `METHOD from→to` or `STATUS from→to` — the short form for assertions. */
  readonly label: string;
}

export type LadderInput = Omit<LadderEntry, 'label' | 'at'>;

export class Ladder {
  readonly #entries: LadderEntry[] = [];
  readonly #elapsed: () => number;

  constructor(elapsed: () => number) {
    this.#elapsed = elapsed;
  }

  record(input: LadderInput): void {
    const head = input.status === undefined ? input.method : String(input.status);
    this.#entries.push({ ...input, at: this.#elapsed(), label: `${head} ${input.from}→${input.to}${input.local ? ' (local)' : ''}` });
  }

  entries(filter: { callId?: string } = {}): LadderEntry[] {
    return this.#entries.filter((entry) => filter.callId === undefined || entry.callId === filter.callId);
  }
}

/**
 * One line per message, aligned, for snapshot-style assertions:
 *   "    0  alice → app  INVITE sip:bob@sb.test"
 *   "10000  app → desk   CANCEL sip:desk@10.0.0.1"
 *   "10000  desk → app   487 Request Terminated"
 *   "32000  app → bob    MESSAGE sip:bob@sb.test"
 *   "32000  bob → app    200 OK (MESSAGE)"
 * Responses name their method unless it is INVITE; `[local]` marks responses the core made up.
 * `times: false` leaves the virtual times out.
 */
export function formatLadder(entries: readonly LadderEntry[], options: { times?: boolean } = {}): string {
  const arrows = entries.map((entry) => `${entry.from} → ${entry.to}`);
  const width = Math.max(0, ...arrows.map((arrow) => arrow.length));
  const timeWidth = Math.max(1, ...entries.map((entry) => String(entry.at).length));
  return entries
    .map((entry, i) => {
      const what =
        entry.status === undefined
          ? `${entry.method} ${entry.uri ?? ''}`.trimEnd()
          : `${entry.status} ${entry.reason ?? ''}`.trimEnd() + (entry.method === 'INVITE' ? '' : ` (${entry.method})`) + (entry.local ? ' [local]' : '');
      const time = options.times === false ? '' : `${String(entry.at).padStart(timeWidth)}  `;
      return `${time}${arrows[i]!.padEnd(width)}  ${what}`;
    })
    .join('\n');
}
