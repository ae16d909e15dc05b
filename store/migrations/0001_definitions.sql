-- Workflow definitions. One row per definition in definitions, one row per immutable version in
-- definition_versions. Portable SQL: runs unchanged on SQLite and PostgreSQL.
--
-- Timestamps are TEXT in a fixed-width RFC 3339 UTC layout with nanoseconds
-- (2006-01-02T15:04:05.000000000Z), so they sort as text and round-trip exactly on both databases
-- (PostgreSQL's TIMESTAMP keeps only microseconds).

CREATE TABLE definitions (
    account_id   TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    -- Highest version number ever written. Version numbers come from here, so a deleted version's
    -- number is never handed out again, and updating this row serialises writers of one definition.
    last_version INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    -- Set when the whole definition is deleted. The row stays as a tombstone so its ID is never
    -- reused; its versions are deleted.
    deleted_at   TEXT,
    PRIMARY KEY (account_id, id)
);

CREATE INDEX definitions_by_account_created ON definitions (account_id, created_at);

CREATE TABLE definition_versions (
    account_id     TEXT    NOT NULL,
    definition_id  TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    sub_account_id TEXT    NOT NULL,
    trigger_type   TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('enabled', 'disabled')),
    name           TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (account_id, definition_id, version),
    FOREIGN KEY (account_id, definition_id) REFERENCES definitions (account_id, id) ON DELETE CASCADE
);

-- Routing an inbound event: EnabledDefinitions.
CREATE INDEX definition_versions_routing ON definition_versions (account_id, trigger_type, status);
