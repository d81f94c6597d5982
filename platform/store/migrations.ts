/**
 * Schema migrations, in code so they ship with the build. Append only: never edit or renumber
 * a migration that has been released — add a new one. Tables are STRICT so a wrong type is an
 * error instead of a silent conversion.
 */

export interface Migration {
  /** 1, 2, 3, … without gaps. */
  version: number;
  /** Short, stable description; checked against the database on open. */
  name: string;
  /** SQL run inside the migration's transaction. */
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users and bindings',
    up: `
      CREATE TABLE users (
        aor          TEXT    NOT NULL PRIMARY KEY,
        username     TEXT    NOT NULL,
        domain       TEXT    NOT NULL,
        display_name TEXT,
        ha1_md5      TEXT    NOT NULL,
        ha1_sha256   TEXT    NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX users_by_domain ON users (domain, username);

      CREATE TABLE bindings (
        id                     INTEGER NOT NULL PRIMARY KEY,
        aor                    TEXT    NOT NULL,
        contact_uri            TEXT    NOT NULL,
        -- contact-uri.ts: the normalised parts RFC 3261 §19.1.4 requires to be equal
        contact_key            TEXT    NOT NULL,
        expires_at             INTEGER NOT NULL,
        -- q in thousandths (RFC 3261 §25.1 qvalue has at most three decimals): exact compare
        q_milli                INTEGER NOT NULL DEFAULT 1000 CHECK (q_milli BETWEEN 0 AND 1000),
        call_id                TEXT    NOT NULL,
        cseq                   INTEGER NOT NULL,
        path                   TEXT    NOT NULL DEFAULT '[]',
        received_protocol      TEXT,
        received_address       TEXT,
        received_port          INTEGER,
        received_local_address TEXT,
        received_local_port    INTEGER,
        instance_id            TEXT,
        reg_id                 INTEGER,
        user_agent             TEXT,
        updated_at             INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX bindings_by_contact ON bindings (aor, contact_key);
      CREATE INDEX bindings_by_expiry ON bindings (expires_at);
    `,
  },
  {
    version: 2,
    name: 'cpl scripts and logs',
    // RFC 3880 scripts per user (the XML as uploaded; compiled forms live in memory, keyed by
    // the hash) and the entries their `log` nodes write (§7.2). No foreign key to users: a
    // script may be stored for an AOR whose user is managed elsewhere.
    up: `
      CREATE TABLE cpl_scripts (
        aor         TEXT    NOT NULL PRIMARY KEY,
        xml         TEXT    NOT NULL,
        hash        TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        size        INTEGER NOT NULL,
        uploaded_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE cpl_log (
        id          INTEGER NOT NULL PRIMARY KEY,
        aor         TEXT    NOT NULL,
        time        INTEGER NOT NULL,
        name        TEXT,
        comment     TEXT,
        origin      TEXT    NOT NULL,
        destination TEXT    NOT NULL,
        call_id     TEXT
      ) STRICT;
      CREATE INDEX cpl_log_by_aor ON cpl_log (aor, id);
    `,
  },
  {
    version: 3,
    name: 'ims service profiles',
    // TS 29.228 user profiles (IMSSubscription XML, or its YAML/JSON form) per user, for the
    // S-CSCF role (issue 7): the text as provisioned, compiled in memory keyed by the hash.
    up: `
      CREATE TABLE service_profiles (
        aor         TEXT    NOT NULL PRIMARY KEY,
        text        TEXT    NOT NULL,
        hash        TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        size        INTEGER NOT NULL,
        uploaded_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
