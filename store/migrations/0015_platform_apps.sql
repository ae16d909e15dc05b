-- Platform apps and deprecations (issue 16).
--
-- Platform apps are declarative apps every account may use, managed by operators: the same
-- immutable versions as an account's apps (0013), kept in a table of their own rather than in
-- apps under some account, because they belong to no account: deleting or renaming an
-- operators' account must not take them along, and apps.account_id keeps its foreign key.
--
-- A version of either kind can be deprecated: the last day it is supported (YYYY-MM-DD), the
-- later version to move to and a note. The document stays as stored; the deprecation is the one
-- thing about a version that can change. '' in deprecated_on means not deprecated (and then
-- replacement and deprecation_note are '' too). Portable SQL like 0001-0013.

ALTER TABLE apps ADD COLUMN deprecated_on TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN replacement TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN deprecation_note TEXT NOT NULL DEFAULT '';

CREATE TABLE platform_apps (
    -- The app's key: its connector id, unique across built-in connectors, platform apps and
    -- accounts' apps (manage.Apps refuses a key another owner has).
    app_key          TEXT NOT NULL CHECK (app_key <> ''),
    version          TEXT NOT NULL CHECK (version <> ''),
    name             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status <> ''),
    body             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    deprecated_on    TEXT NOT NULL DEFAULT '',
    replacement      TEXT NOT NULL DEFAULT '',
    deprecation_note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (app_key, version),
    CHECK (deprecated_on <> '' OR (replacement = '' AND deprecation_note = ''))
);

-- Creating a platform app checks that no account keeps an app of its key.
CREATE INDEX apps_by_key ON apps (app_key);
