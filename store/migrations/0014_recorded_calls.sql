-- What the connector steps of a definition's recent runs sent and got (issue 16): the input of
-- each call, the requests it sent and the third party's answers, scrubbed of the secrets in scope
-- by the worker before they are written. A dry run of moving the definition to another version of
-- an app replays them against the new version, the recorded answers standing in for the third
-- party. Only the latest runs of each definition are kept (the store prunes on insert). Portable
-- SQL like 0001-0013: TEXT timestamps in the same fixed-width UTC layout, JSON kept as TEXT.

CREATE TABLE recorded_calls (
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    definition_id TEXT NOT NULL,
    -- The run's Temporal workflow id, and the activity id of the call within it: every step and
    -- every loop iteration has its own, and a retried call keeps it (its last attempt is kept).
    workflow_id   TEXT NOT NULL,
    activity_id   TEXT NOT NULL,
    step_id       TEXT NOT NULL,
    -- The connector ("acme_crm"), the version the run called ("1.0.0") and the action.
    app           TEXT NOT NULL CHECK (app <> ''),
    app_version   TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action <> ''),
    -- The call as recorded (JSON, package connectors/upgrade's Call).
    record        TEXT NOT NULL,
    -- When the call was first recorded; a run's time is that of its first call.
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (account_id, workflow_id, activity_id)
);

-- RecordedCalls and the pruning: the calls of one definition's runs, by time.
CREATE INDEX recorded_calls_by_definition ON recorded_calls (account_id, definition_id, recorded_at);
