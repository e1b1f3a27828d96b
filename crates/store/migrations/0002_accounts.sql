-- User accounts and their sessions (issue 4), on the conventions of 0001_state.sql.
--
-- Secrets are kept only in forms that cannot log anyone in: argon2id PHC strings for
-- passwords, SHA-256 for session tokens. TOTP secrets must stay readable to check codes.

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    login                 TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL
        CHECK (role IN ('admin', 'soc_analyst', 'leader', 'agency_officer', 'auditor')),
    agency_id             TEXT REFERENCES agencies (id),
    password_hash         TEXT NOT NULL,
    must_change_password  SMALLINT NOT NULL DEFAULT 1 CHECK (must_change_password IN (0, 1)),
    disabled              SMALLINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- Consecutive failed logins since the last success or lock-out.
    failed_logins         BIGINT NOT NULL DEFAULT 0,
    locked_until          BIGINT,
    -- Base32 secrets: the confirmed one, and one being enrolled until a code confirms it.
    totp_secret           TEXT,
    totp_pending_secret   TEXT,
    -- The last 30-second step whose code was accepted; older or equal ones are replays.
    totp_last_step        BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    last_login_at         BIGINT,
    CHECK (role <> 'agency_officer' OR agency_id IS NOT NULL)
);
CREATE INDEX users_agency ON users (agency_id);

-- A session row lives until logout, expiry or its user's password change or disabling.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    source        TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
