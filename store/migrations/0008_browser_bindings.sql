-- What binds a browser to the gateway, stored so that any gateway behind a load balancer can check
-- it: sessions that stand for an API key (the codec endpoint's sign-in), and which browser opened
-- an OAuth2 authorization link. Only SHA-256 hashes of the random values the browser holds are
-- stored. Portable SQL like 0001-0007.

-- A browser's sign-in with an API key: the cookie holds a random session id, never the key. A
-- session ends at expires_at, with its key (revoked keys are refused on use, deleted ones take
-- their sessions along), and when its key signs in more often than the store keeps sessions of.
CREATE TABLE api_key_sessions (
    -- hex SHA-256 of the session id.
    session_hash TEXT NOT NULL PRIMARY KEY CHECK (length(session_hash) = 64),
    key_id       TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

CREATE INDEX api_key_sessions_by_key ON api_key_sessions (key_id, created_at);
CREATE INDEX api_key_sessions_by_expiry ON api_key_sessions (expires_at);

-- An OAuth2 flow is bound to the browser that opens its authorization link: the link sets a
-- cookie with a random nonce, the row records the nonce's hash, and the callback is accepted only
-- with that cookie. authorization_url is the provider's URL without its state, which is derived
-- from the link's token when the link is opened and never stored.
ALTER TABLE oauth2_authorizations ADD COLUMN authorization_url TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth2_authorizations ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
