-- OAuth2 authorizations in progress: one row per authorization-code flow that the gateway started
-- and the provider has not yet sent back. The state is stored only as its SHA-256 (the state
-- itself travels in the browser); the PKCE verifier never leaves the server. A row is claimed
-- once by the callback (which records the code) and taken once by the activity that exchanges
-- the code, so a state works a single time; rows past expires_at are refused and purged.

CREATE TABLE oauth2_authorizations (
    -- hex SHA-256 of the state parameter.
    state_hash    TEXT NOT NULL PRIMARY KEY,
    account_id    TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    -- The redirect_uri the authorization request named: the exchange must send the same.
    redirect_url  TEXT NOT NULL,
    -- '' until the callback claims the row.
    code          TEXT NOT NULL DEFAULT '',
    expires_at    TEXT NOT NULL,
    FOREIGN KEY (account_id, connection_id) REFERENCES connections (account_id, id) ON DELETE CASCADE
);

CREATE INDEX oauth2_authorizations_by_expiry ON oauth2_authorizations (expires_at);
