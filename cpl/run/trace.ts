/** One step of a run as a person reads it: which node, where, what happened, which output. */
export interface CplTraceStep {
  /** Compiled node id, or null for steps that are not a node (start, default behaviour). */
  readonly nodeId: number | null;
  /** Element name (`address-switch`, `proxy`, ...) or `start` / `default`. */
  readonly element: string;
  readonly line: number;
  readonly column: number;
  /** E.g. 'address-switch on origin host: example.com is a subdomain of example.com → took <address subdomain-of="example.com">'. */
  readonly sentence: string;
  /** The output taken, as written, when there is one. */
  readonly output?: string;
}
