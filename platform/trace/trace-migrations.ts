/**
 * Schema of `<data dir>/traces.sqlite`, kept apart from switchboard.db: traces are bulky,
 * short-lived diagnostics, and a full trace file must never slow down the registrar's writes.
 * Append only (platform/store/migrations.ts rules).
 */
import type { Migration } from '../store/migrations.js';

export const TRACE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'trace rules, calls and messages',
    up: `
      CREATE TABLE trace_rules (
        kind       TEXT    NOT NULL CHECK (kind IN ('user', 'app')),
        target     TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (kind, target)
      ) STRICT;

      -- A counter the server polls (one indexed read a second) to pick up rule changes made
      -- by the CLI or the HTTP API in another connection.
      CREATE TABLE trace_state (
        key   TEXT    NOT NULL PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO trace_state (key, value) VALUES ('rules_version', 0);
      CREATE TRIGGER trace_rules_insert AFTER INSERT ON trace_rules
        BEGIN UPDATE trace_state SET value = value + 1 WHERE key = 'rules_version'; END;
      CREATE TRIGGER trace_rules_update AFTER UPDATE ON trace_rules
        BEGIN UPDATE trace_state SET value = value + 1 WHERE key = 'rules_version'; END;
      CREATE TRIGGER trace_rules_delete AFTER DELETE ON trace_rules
        BEGIN UPDATE trace_state SET value = value + 1 WHERE key = 'rules_version'; END;

      CREATE TABLE trace_calls (
        call_id       TEXT    NOT NULL PRIMARY KEY,
        matched       TEXT    NOT NULL,
        linked_to     TEXT,
        first_line    TEXT    NOT NULL,
        started_at    INTEGER NOT NULL,
        last_at       INTEGER NOT NULL,
        message_count INTEGER NOT NULL,
        truncated     INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX trace_calls_started ON trace_calls (started_at);

      CREATE TABLE trace_messages (
        id         INTEGER NOT NULL PRIMARY KEY,
        call_id    TEXT    NOT NULL REFERENCES trace_calls (call_id) ON DELETE CASCADE,
        mono_us    INTEGER NOT NULL,
        wall_us    INTEGER NOT NULL,
        direction  TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
        protocol   TEXT    NOT NULL,
        local      TEXT    NOT NULL,
        remote     TEXT    NOT NULL,
        first_line TEXT    NOT NULL,
        text       TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX trace_messages_call ON trace_messages (call_id, mono_us);
    `,
  },
];
