-- The connector versions each definition version pins (its document's "apps" block), one row per
-- app, so the API can list the definitions still on a connector version that is being deprecated
-- without reading every document. Written with the version, in the same transaction; deleted with
-- it. Versions stored before this migration pinned nothing and have no rows. Portable SQL like
-- 0001.

CREATE TABLE definition_version_apps (
    account_id    TEXT    NOT NULL,
    definition_id TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    -- The connector id ("shopify") and the version pinned ("1.0.0").
    app           TEXT    NOT NULL CHECK (app <> ''),
    app_version   TEXT    NOT NULL CHECK (app_version <> ''),
    PRIMARY KEY (account_id, definition_id, version, app),
    FOREIGN KEY (account_id, definition_id, version)
        REFERENCES definition_versions (account_id, definition_id, version) ON DELETE CASCADE
);

-- DefinitionsOnAppVersion: an account's definitions pinned to one app version.
CREATE INDEX definition_version_apps_by_app ON definition_version_apps (account_id, app, app_version);
