-- Vigil state database, first schema.
--
-- The same file runs on SQLite and on PostgreSQL, so it keeps to types both read the
-- same way through sqlx's Any driver:
--   ids        TEXT, UUIDv7 made by the application (time-ordered, no sequences needed)
--   times      BIGINT, milliseconds since the Unix epoch, UTC
--   flags      SMALLINT 0/1 (SQLite has no BOOLEAN the Any driver can decode)
--   JSON       TEXT holding a JSON document
--   raw bytes  BYTEA (SQLite stores the value as a BLOB)

CREATE TABLE agencies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    parent_id   TEXT REFERENCES agencies (id),
    created_at  BIGINT NOT NULL
);

-- Tokens keep only the SHA-256 of their secret part; the plaintext is shown once.
CREATE TABLE ingest_tokens (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    agency_id     TEXT NOT NULL REFERENCES agencies (id),
    scope         TEXT NOT NULL CHECK (scope = 'ingest'),
    role          TEXT,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    last_used_at  BIGINT,
    revoked       SMALLINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX ingest_tokens_agency ON ingest_tokens (agency_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    agency_id     TEXT REFERENCES agencies (id),
    scope         TEXT NOT NULL CHECK (scope IN ('api', 'admin')),
    role          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    last_used_at  BIGINT,
    revoked       SMALLINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);

-- One row per (rule, agency, host) episode; repeats inside the dedup window fold into it.
CREATE TABLE alerts (
    id                TEXT PRIMARY KEY,
    dedup_key         TEXT NOT NULL,
    rule_id           TEXT NOT NULL,
    rule_title        TEXT NOT NULL,
    rule_author       TEXT,
    level             TEXT NOT NULL
        CHECK (level IN ('informational', 'low', 'medium', 'high', 'critical')),
    agency_id         TEXT NOT NULL REFERENCES agencies (id),
    system            TEXT,
    host              TEXT NOT NULL,
    count             BIGINT NOT NULL,
    first_seen        BIGINT NOT NULL,
    last_seen         BIGINT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'acknowledged', 'in_progress', 'closed', 'false_positive')),
    assignee          TEXT,
    sample_event_ids  TEXT NOT NULL DEFAULT '[]',
    updated_at        BIGINT NOT NULL
);
CREATE INDEX alerts_dedup ON alerts (dedup_key, last_seen);
CREATE INDEX alerts_last_seen ON alerts (last_seen);
CREATE INDEX alerts_agency_last_seen ON alerts (agency_id, last_seen);
CREATE INDEX alerts_status_last_seen ON alerts (status, last_seen);

CREATE TABLE alert_comments (
    id          TEXT PRIMARY KEY,
    alert_id    TEXT NOT NULL REFERENCES alerts (id),
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX alert_comments_alert ON alert_comments (alert_id, created_at);

-- Rules are files; this table only records the analysts' overrides.
CREATE TABLE rule_state (
    rule_id     TEXT PRIMARY KEY,
    enabled     SMALLINT NOT NULL CHECK (enabled IN (0, 1)),
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Suppress a rule's hit when `field` matches `pattern` (for one agency, or all when NULL).
CREATE TABLE rule_exceptions (
    id          TEXT PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    agency_id   TEXT REFERENCES agencies (id),
    field       TEXT NOT NULL,
    match_kind  TEXT NOT NULL CHECK (match_kind IN ('equals', 'wildcard', 'regex', 'cidr')),
    pattern     TEXT NOT NULL,
    comment     TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX rule_exceptions_rule ON rule_exceptions (rule_id);

-- Input that could not be parsed, kept byte for byte with the reason.
CREATE TABLE quarantine (
    id           TEXT PRIMARY KEY,
    received_at  BIGINT NOT NULL,
    source       TEXT NOT NULL,
    agency_id    TEXT REFERENCES agencies (id),
    reason       TEXT NOT NULL,
    raw          BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    truncated    SMALLINT NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1))
);
CREATE INDEX quarantine_received ON quarantine (received_at);

-- Which agency and system a syslog sender belongs to: an IP, a CIDR or a host name.
CREATE TABLE source_addresses (
    id          TEXT PRIMARY KEY,
    address     TEXT NOT NULL UNIQUE,
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    system      TEXT,
    created_at  BIGINT NOT NULL
);

-- Append-only, hash-chained: hash = sha256(id, at, actor, action, object, before, after,
-- prev_hash). audit_head holds the last link so appends serialise on one row lock.
CREATE TABLE audit_log (
    id           BIGINT PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    object       TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object);

CREATE TABLE audit_head (
    id         SMALLINT PRIMARY KEY CHECK (id = 1),
    last_id    BIGINT NOT NULL,
    last_hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
