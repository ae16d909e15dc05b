-- Accounts (8x8's accountId), their sub-accounts, and the API keys that authenticate as an account.
-- Portable SQL like 0001: TEXT timestamps in the same fixed-width UTC layout, so they sort as text.
--
-- definitions.account_id deliberately has no foreign key to accounts: definitions were stored
-- before accounts existed, and routing an event must not depend on this table.

CREATE TABLE accounts (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sub_accounts (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE api_keys (
    -- "key_" + random: the stable handle used in URLs. Not secret.
    id           TEXT NOT NULL PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- The public start of the key ("jk_" + 8 characters); AuthenticateAPIKey finds the row by it.
    prefix       TEXT NOT NULL UNIQUE,
    -- Lowercase hex SHA-256 of the whole key. The key itself is never stored.
    key_sha256   TEXT NOT NULL CHECK (length(key_sha256) = 64),
    -- Sorted, space-separated scopes ("admin", "read runs").
    scopes       TEXT NOT NULL CHECK (scopes <> ''),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- ListAPIKeys: an account's keys, newest first.
CREATE INDEX api_keys_by_account_created ON api_keys (account_id, created_at);
