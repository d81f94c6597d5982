/**
 * Every way a SIP-CGI invocation can fail, defined once with a stable code and the response it
 * becomes. RFC 3050 §5.6: when a script exceeds a limit the server "MAY kill the script" and
 * SHOULD abort the transaction with 504 or 500; a full invocation queue is our overload signal
 * (503, RFC 3261 §21.5.4) so that a caller may retry elsewhere.
 */
export type CgiFailureCode =
  | 'saturated'
  | 'timeout'
  | 'output-limit'
  | 'exit-status'
  | 'spawn-failed'
  | 'malformed-output'
  | 'invalid-action';

export interface CgiFailure {
  code: CgiFailureCode;
  /** Status of the response sent upstream when no final response has been sent yet. */
  status: number;
  reason: string;
  /** What happened, for the log (never sent on the wire). */
  detail: string;
  /** 1-based line of the script output the problem was found on (output errors only). */
  line?: number;
}

const RESPONSES: Record<CgiFailureCode, { status: number; reason: string }> = {
  // No free invocation slot and the queue is full (or the wait exceeded its limit).
  'saturated': { status: 503, reason: 'Service Unavailable' },
  // §5.6: "504 Gateway Timed Out" in the RFC's words; RFC 3261 §21.5.5 calls it Server Time-out.
  'timeout': { status: 504, reason: 'Server Time-out' },
  'output-limit': { status: 500, reason: 'Server Internal Error' },
  // Not covered by the RFC; a crashed script's partial output is not trusted (spec §11 #13).
  'exit-status': { status: 500, reason: 'Server Internal Error' },
  'spawn-failed': { status: 500, reason: 'Server Internal Error' },
  // §5.6 rules 3 and 5 ("SHOULD report a 500-class server error"), extended to every parse error.
  'malformed-output': { status: 500, reason: 'Server Internal Error' },
  // Output that parses but cannot be carried out (unknown response token, `this` on a request …).
  'invalid-action': { status: 500, reason: 'Server Internal Error' },
};

export function cgiFailure(code: CgiFailureCode, detail: string, line?: number): CgiFailure {
  const { status, reason } = RESPONSES[code];
  return line === undefined ? { code, status, reason, detail } : { code, status, reason, detail, line };
}
