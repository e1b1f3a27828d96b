-- Incidents and advisories (issue 6). Conventions of 0001_state.sql.
--
-- Each record is one JSON document (`body_json`: timeline, tasks, evidence, reporting,
-- targets) whose shape the `vigil-soc` crate owns; the columns beside it repeat what
-- lists filter and sort by. The `*_agencies` tables say which agencies a record involves,
-- so an agency officer's query is limited to those in the query itself.

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    opened_at   BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    body_json   TEXT NOT NULL
);
CREATE INDEX incidents_opened ON incidents (opened_at);

CREATE TABLE incident_agencies (
    record_id  TEXT NOT NULL REFERENCES incidents (id),
    agency_id  TEXT NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (record_id, agency_id)
);
CREATE INDEX incident_agencies_agency ON incident_agencies (agency_id);

CREATE TABLE advisories (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    opened_at   BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    body_json   TEXT NOT NULL
);
CREATE INDEX advisories_opened ON advisories (opened_at);

CREATE TABLE advisory_agencies (
    record_id  TEXT NOT NULL REFERENCES advisories (id),
    agency_id  TEXT NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (record_id, agency_id)
);
CREATE INDEX advisory_agencies_agency ON advisory_agencies (agency_id);
