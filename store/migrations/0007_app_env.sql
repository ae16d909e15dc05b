-- Environment variables per account and app version (the e-commerce seed's "Environments"):
-- settings such as a partner id or an OAuth client that every connection of one app version
-- shares. Only non-secret values are stored here; a secret variable's row records that it is set
-- (value '') and its value lives in Vault, in one entry per account, app and app version.
-- Portable SQL like 0001-0003: TEXT timestamps in the same fixed-width UTC layout.

CREATE TABLE app_env (
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The connector id ("shopify") and one of its versions ("1.2.0").
    app         TEXT    NOT NULL CHECK (app <> ''),
    app_version TEXT    NOT NULL CHECK (app_version <> ''),
    -- UPPER_SNAKE_CASE, as connectors.EnvVar names are.
    name        TEXT    NOT NULL CHECK (name <> ''),
    -- 1 when the value is in Vault; value is then ''.
    secret      INTEGER NOT NULL CHECK (secret IN (0, 1)),
    value       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (account_id, app, app_version, name),
    CHECK (secret = 0 OR value = '')
);
