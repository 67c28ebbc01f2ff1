-- 0003: accounts, sessions, API tokens, one-time tokens, recovery codes, sign-in throttling.
--
-- A citizen is identified by the 12-digit personal identification number, which
-- is never stored readable: pid_hash is a keyed hash (the key lives outside the
-- database) used for lookup, pid_enc the number encrypted with another key. A
-- business is identified by its tax code, staff by a login name. Anyone may sign
-- in with their login name (if they have one), their number, or their email.
CREATE TABLE account (
    id {{ID}},
    kind TEXT NOT NULL CHECK (kind IN ('citizen', 'business', 'staff')),
    login TEXT UNIQUE,
    pid_hash {{BLOB}} UNIQUE,
    pid_enc {{BLOB}},
    tax_code TEXT UNIQUE,
    email TEXT UNIQUE,
    email_verified INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    birth_date TEXT,
    sex TEXT CHECK (sex IS NULL OR sex IN ('male', 'female')),
    address TEXT,
    admin_unit TEXT,
    phone TEXT,
    password_hash TEXT,
    auth_source TEXT NOT NULL DEFAULT 'local' CHECK (auth_source IN ('local', 'ldap')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    totp_secret_enc {{BLOB}},
    totp_enabled INTEGER NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (kind <> 'citizen' OR pid_hash IS NOT NULL),
    CHECK (kind <> 'business' OR tax_code IS NOT NULL),
    CHECK (kind <> 'staff' OR login IS NOT NULL)
);

-- Single-use TOTP recovery codes, stored hashed.
CREATE TABLE recovery_code (
    account_id BIGINT NOT NULL REFERENCES account (id),
    code_hash {{BLOB}} NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

-- Browser sessions: only the SHA-256 of the cookie's token is kept.
CREATE TABLE session (
    id {{ID}},
    token_hash {{BLOB}} NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account (id),
    csrf TEXT NOT NULL,
    mfa_pending INTEGER NOT NULL DEFAULT 0,
    mfa_enroll INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    remote TEXT,
    user_agent TEXT
);
CREATE INDEX session_account ON session (account_id);

-- Personal API tokens for machine clients (Authorization: Bearer).
CREATE TABLE api_token (
    id {{ID}},
    token_hash {{BLOB}} NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_token_account ON api_token (account_id);

-- Emailed single-use links: address verification and password reset.
CREATE TABLE one_time_token (
    token_hash {{BLOB}} PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_token_account ON one_time_token (account_id);

-- Sign-in attempts per key ("login:<keyed hash>" or "ip:<addr>") and minute, for throttling
-- over a sliding hour.
CREATE TABLE signin_attempt (
    key TEXT NOT NULL,
    minute BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (key, minute)
);
