-- Indexes that let the console's counts read an index instead of every alert row: open
-- alerts by level (and the queue filtered by status and level, newest first), alerts per
-- rule (the rules page's hit counts), and the overview's groups over a time span.
CREATE INDEX alerts_status_level ON alerts (status, level, last_seen);
CREATE INDEX alerts_rule_last_seen ON alerts (rule_id, last_seen);
CREATE INDEX alerts_last_seen_level ON alerts (last_seen, level, first_seen);
