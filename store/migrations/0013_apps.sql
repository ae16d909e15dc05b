-- Declarative apps (issue 16): the versions of the apps an account writes as data (a JSON document,
-- docs/apps.md), each version immutable once stored. The document is kept as it was sent; key,
-- version, name and status are copied out of it so that lists need not read documents. Portable
-- SQL like 0001-0012: TEXT timestamps in the same fixed-width UTC layout, JSON kept as TEXT.

CREATE TABLE apps (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The app's key ("acme_crm"): its connector id.
    app_key    TEXT NOT NULL CHECK (app_key <> ''),
    -- A semantic version without a leading v ("1.0.0"). Versions sort by precedence, which SQL
    -- cannot compute: the store orders them itself.
    version    TEXT NOT NULL CHECK (version <> ''),
    name       TEXT NOT NULL,
    -- stable or beta, as the document says.
    status     TEXT NOT NULL CHECK (status <> ''),
    -- The document, byte for byte as sent.
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, app_key, version)
);
