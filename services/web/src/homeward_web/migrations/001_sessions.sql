-- Web sessions and logins in progress. Only times and digests are clear; everything else
-- (tokens, who the person is) is one blob sealed with the service's master key
-- (AES-GCM, the row's key as associated data: a blob moved to another row fails to open).

CREATE TABLE web.sessions (
    session_key uuid PRIMARY KEY,
    id_digest bytea NOT NULL UNIQUE,        -- SHA-256 of the cookie's value
    sealed bytea NOT NULL,
    master_key_id text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,         -- the absolute end
    access_expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_last_seen ON web.sessions (last_seen_at);
CREATE INDEX sessions_expires ON web.sessions (expires_at);

CREATE TABLE web.logins (
    login_key uuid PRIMARY KEY,
    state_digest bytea NOT NULL UNIQUE,      -- SHA-256 of the OAuth state
    browser_digest bytea NOT NULL,           -- SHA-256 of the login cookie that binds it
    sealed bytea NOT NULL,                   -- code verifier, nonce, where to go after
    master_key_id text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX logins_expires ON web.logins (expires_at);
