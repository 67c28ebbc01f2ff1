-- 0005: the durable outbox (ARCHITECTURE §3, docs/notify.md). A row is written in the
-- same transaction as the change that caused it and sent in the background by notify/.
-- state: queued -> sending (claimed with a lease) -> sent | queued (retry) | dead.
-- While a row is sending, next_attempt_ms is the end of its lease, so one partial
-- index finds every row that is due: queued and due, or sending with an expired lease.
CREATE TABLE outbox (
    id {{ID}},
    channel TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_ms BIGINT NOT NULL,
    lease_until_ms BIGINT,
    last_error TEXT,
    created_ms BIGINT NOT NULL,
    sent_ms BIGINT,
    message_id TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_state ON outbox (channel, state);
