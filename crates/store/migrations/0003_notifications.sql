-- Where each agency's alerts are to be sent (issue 4 keeps and checks them; issue 6
-- sends), on the conventions of 0001_state.sql. Addresses are JSON arrays of strings.

CREATE TABLE notification_settings (
    agency_id   TEXT PRIMARY KEY REFERENCES agencies (id),
    emails      TEXT NOT NULL DEFAULT '[]',
    webhooks    TEXT NOT NULL DEFAULT '[]',
    min_level   TEXT NOT NULL DEFAULT 'high'
        CHECK (min_level IN ('informational', 'low', 'medium', 'high', 'critical')),
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
