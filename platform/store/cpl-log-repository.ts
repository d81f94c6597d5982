/**
 * Entries written by CPL `log` nodes (RFC 3880 §7.2), kept per user and read through the API.
 * The log is bounded per user (oldest entries go first) so a script cannot fill the disk.
 */

export interface CplLogEntry {
  id: number;
  aor: string;
  /** Epoch milliseconds. */
  time: number;
  /** The script's `name` attribute; null for the user's default log. */
  name: string | null;
  comment: string | null;
  origin: string;
  destination: string;
  callId: string | null;
}

export type NewCplLogEntry = Omit<CplLogEntry, 'id'>;

export interface CplLogRepository {
  append(entry: NewCplLogEntry): Promise<CplLogEntry>;
  /** Newest first; `before` pages back from an entry id. */
  list(aor: string, options?: { limit?: number; before?: number }): Promise<CplLogEntry[]>;
  /** Removes all of a user's entries; returns how many. */
  clear(aor: string): Promise<number>;
}
