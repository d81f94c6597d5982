/** The exception typed getters and parse helpers throw; it carries the response it becomes. */
import type { SipParseError } from './types.js';

export class SipParseException extends Error {
  constructor(readonly error: SipParseError) {
    super(error.reason);
    this.name = 'SipParseException';
  }
}
