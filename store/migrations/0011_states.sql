-- States that outlive runs (issue 15): an account's, and each user's, as a JSON object of values.
-- A write reads and replaces the row in one transaction (SQLite's writer lock, PostgreSQL's row
-- lock), so concurrent runs incrementing one value lose no update. Portable SQL like 0001-0010.
CREATE TABLE states (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- "account" (scope_key '') or "user" (scope_key: the user's channel address, runs.AwaitKey).
    scope      TEXT NOT NULL,
    scope_key  TEXT NOT NULL,
    -- The values, a JSON object.
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- When the values expire ('' for never): an expired state reads as empty.
    expires_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, scope, scope_key)
);
