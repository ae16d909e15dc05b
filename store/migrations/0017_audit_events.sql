-- The audit log of management actions (issue 18): who changed what in an account, and when.
-- One row per management request that succeeded: the API key that made it (its id, never the key,
-- and its name as the actor), the client address, the action ("connection.update"), the resource
-- it acted on, and what changed as JSON (package gateway's audit: the names of the fields the
-- request set and a diff of the resource's API view, which never holds a secret value). Rows are
-- never updated; the table grows until an operator prunes it (DELETE ... WHERE at < ...).
-- Portable SQL like 0001-0016: TEXT timestamps in the fixed-width UTC layout, so they sort as text.

CREATE TABLE audit_events (
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- "aud_" and a UUIDv7: unique, and in time order within one timestamp.
    id             TEXT NOT NULL,
    at             TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    actor          TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL CHECK (action <> ''),
    resource_type  TEXT NOT NULL CHECK (resource_type <> ''),
    resource_id    TEXT NOT NULL DEFAULT '',
    changes        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- AuditEvents: an account's events, newest first, a page at a time from a cursor (at, id).
CREATE INDEX audit_events_by_time ON audit_events (account_id, at, id);
