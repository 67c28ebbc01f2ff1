-- 0012: the notifier's claim ("the oldest due rows of this channel") used
-- outbox_state (channel, state) and sorted every queued row of the channel:
-- with the mail server down for an hour and tens of thousands of notices
-- waiting, each claim read them all, inside a write transaction. This index
-- answers it in order, reading only the rows it takes.
CREATE INDEX outbox_due_channel ON outbox (channel, next_attempt_ms, id) WHERE state IN ('queued', 'sending');
