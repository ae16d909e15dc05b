-- The subscriptions Junction keeps at apps for definitions whose trigger is a webhook the app
-- sends only once asked to by API (issue 16): one row per definition, written by the
-- definition's subscription workflow (runs.AppSubscriptionWorkflow) as it subscribes, renews and
-- unsubscribes, and read by the definitions API. The workflow holds the truth; the row is what
-- people read, and it says that a workflow may hold a subscription, so that disabling a
-- definition signals it. Portable SQL like 0001-0013.
CREATE TABLE app_subscriptions (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    definition_id   TEXT NOT NULL,
    -- pending, subscribed, failed or unsubscribed (runs.AppSubscription*).
    status          TEXT NOT NULL,
    -- What is (or was last) subscribed: the app, its version, its trigger, the connection and
    -- the webhook URL the app calls.
    app             TEXT NOT NULL DEFAULT '',
    app_version     TEXT NOT NULL DEFAULT '',
    trigger_id      TEXT NOT NULL DEFAULT '',
    connection_id   TEXT NOT NULL DEFAULT '',
    webhook_url     TEXT NOT NULL DEFAULT '',
    -- The app's id of the subscription, and when it expires unless renewed ('' when never).
    subscription_id TEXT NOT NULL DEFAULT '',
    expires_at      TEXT NOT NULL DEFAULT '',
    -- Why the last attempt failed, scrubbed of secrets.
    error           TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (account_id, definition_id)
);
