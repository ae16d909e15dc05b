-- Which runs wait for a reply from which sender (a WaitForReply step), written by the run itself
-- before it reports that it waits, so that a reply sent the instant it does finds it: Temporal's
-- visibility store, which intake asked before, is eventually consistent, and a reply that came
-- before a run's search attribute was visible started a new run instead (issue 15). Portable SQL
-- like 0001-0009.
CREATE TABLE run_awaits (
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- runs.AwaitKey of the sender: "<channel>:<address>".
    await_key     TEXT NOT NULL,
    -- The run's Temporal workflow and run ids (a run waits inside a step, where it never
    -- continues as new, so the run id holds while the row does).
    workflow_id   TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    definition_id TEXT NOT NULL,
    -- The definition version the run runs.
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, await_key, workflow_id)
);
