/**
 * The store as the rest of the server sees it: repositories and a way to close them.
 * Implementations: `SqliteStore` (embedded, default). A server database would provide another.
 */
import type { BindingRepository } from './binding-repository.js';
import type { UserRepository } from './user-repository.js';

export interface Store {
  readonly users: UserRepository;
  readonly bindings: BindingRepository;
  /** Release the database; the repositories must not be used afterwards. */
  close(): Promise<void>;
}
