/**
 * Store errors. Expected outcomes (a user that already exists, a database written by a newer
 * Switchboard) carry a stable `code` so the HTTP and CLI edges can map them to statuses and
 * messages without parsing text.
 */
export type StoreErrorCode =
  | 'user-exists'
  | 'user-not-found'
  | 'invalid-user'
  | 'invalid-binding'
  | 'schema-too-new'
  | 'schema-mismatch'
  | 'open-failed';

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
