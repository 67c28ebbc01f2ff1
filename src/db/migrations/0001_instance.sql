-- 0001: what this installation is (province, demo label), as key/value settings.
CREATE TABLE instance_setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
