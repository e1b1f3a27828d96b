-- The register (issue 5): who is responsible in each agency, the information systems with
-- their security level and level dossier, the controls catalogue, self-assessments,
-- inspections and their findings. Conventions of 0001_state.sql; calendar dates (decision
-- dates, deadlines, review dates) are TEXT 'YYYY-MM-DD', which sorts and compares as dates
-- on both engines.

-- Responsible persons and contacts of an agency (the on-site force, layer 1 of the
-- 4-layer model). The agency tree itself is agencies.parent_id.
CREATE TABLE agency_contacts (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    name        TEXT NOT NULL,
    title       TEXT,
    phone       TEXT,
    email       TEXT,
    duty        TEXT NOT NULL
        CHECK (duty IN ('head', 'security_officer', 'focal_point_24x7', 'on_site_force', 'other')),
    created_at  BIGINT NOT NULL
);
CREATE INDEX agency_contacts_agency ON agency_contacts (agency_id);

CREATE TABLE information_systems (
    id                   TEXT PRIMARY KEY,
    agency_id            TEXT NOT NULL REFERENCES agencies (id),
    name                 TEXT NOT NULL,
    purpose              TEXT,
    operator             TEXT,
    hosting              TEXT,
    users_served         TEXT,
    personal_data        SMALLINT NOT NULL DEFAULT 0 CHECK (personal_data IN (0, 1)),
    state_secrets        SMALLINT NOT NULL DEFAULT 0 CHECK (state_secrets IN (0, 1)),
    level                BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    regime               TEXT NOT NULL DEFAULT 'decree331_2026'
        CHECK (regime IN ('decree85_2016', 'decree331_2026')),
    dossier_status       TEXT NOT NULL DEFAULT 'draft'
        CHECK (dossier_status IN ('draft', 'submitted', 'appraised', 'approved', 'returned')),
    decision_number      TEXT,
    decision_date        TEXT,
    approving_authority  TEXT,
    review_date          TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (agency_id, name)
);
CREATE INDEX information_systems_level ON information_systems (level, dossier_status);

-- Where a system answers: URLs, IPs, CIDR blocks, domains and internal host names.
CREATE TABLE system_addresses (
    id               TEXT PRIMARY KEY,
    system_id        TEXT NOT NULL REFERENCES information_systems (id),
    address          TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('url', 'ip', 'cidr', 'domain', 'host')),
    internet_facing  SMALLINT NOT NULL DEFAULT 0 CHECK (internet_facing IN (0, 1))
);
CREATE INDEX system_addresses_system ON system_addresses (system_id);

-- Software a system runs: name and version, and the CPE 2.3 name when known.
CREATE TABLE system_components (
    id         TEXT PRIMARY KEY,
    system_id  TEXT NOT NULL REFERENCES information_systems (id),
    name       TEXT NOT NULL,
    version    TEXT,
    cpe        TEXT
);
CREATE INDEX system_components_system ON system_components (system_id);

-- Every version of the controls catalogue ever used; a new version never changes an old
-- one, so an assessment always shows the controls it was made against.
CREATE TABLE control_catalogues (
    version     BIGINT PRIMARY KEY,
    title       TEXT NOT NULL,
    body_json   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE self_assessments (
    id                 TEXT PRIMARY KEY,
    system_id          TEXT NOT NULL REFERENCES information_systems (id),
    catalogue_version  BIGINT NOT NULL REFERENCES control_catalogues (version),
    assessed_by        TEXT NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE INDEX self_assessments_system ON self_assessments (system_id, created_at);

CREATE TABLE assessment_results (
    assessment_id  TEXT NOT NULL REFERENCES self_assessments (id),
    control_id     TEXT NOT NULL,
    result         TEXT NOT NULL
        CHECK (result IN ('met', 'partly', 'not_met', 'not_applicable')),
    comment        TEXT,
    PRIMARY KEY (assessment_id, control_id)
);

-- Files that back an assessment result or a finding's remediation, kept with their hash.
CREATE TABLE evidence_files (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    control_id  TEXT,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    content     BYTEA NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX evidence_files_owner ON evidence_files (owner);

CREATE TABLE inspection_plans (
    id          TEXT PRIMARY KEY,
    year        BIGINT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE inspections (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT REFERENCES inspection_plans (id),
    agency_id     TEXT NOT NULL REFERENCES agencies (id),
    team          TEXT NOT NULL,
    planned_date  TEXT NOT NULL,
    done_date     TEXT,
    scope         TEXT NOT NULL,
    system_ids    TEXT NOT NULL DEFAULT '[]',
    created_at    BIGINT NOT NULL
);
CREATE INDEX inspections_plan ON inspections (plan_id);
CREATE INDEX inspections_agency ON inspections (agency_id);

CREATE TABLE findings (
    id            TEXT PRIMARY KEY,
    agency_id     TEXT NOT NULL REFERENCES agencies (id),
    system_id     TEXT REFERENCES information_systems (id),
    inspection_id TEXT REFERENCES inspections (id),
    control_id    TEXT,
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    description   TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    owner         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'in_progress', 'remediated', 'verified', 'risk_accepted')),
    remediation   TEXT,
    verified_by   TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX findings_agency ON findings (agency_id, status);
