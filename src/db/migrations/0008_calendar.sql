-- 0008: the working-day calendar's data (src/calendar, docs/calendar.md).
--
-- The public holidays of the Labour Code and their compensatory days are
-- computed, never stored. Stored here is what an administrator enters from the
-- deciding documents: one row per date that is a day off or a working day
-- against the computed calendar (make-up Saturdays, the two days of a swap,
-- extra days off), each with the document's number and date; and this
-- installation's working week and hours. Dates are local (Asia/Ho_Chi_Minh)
-- 'YYYY-MM-DD'; times are UTC milliseconds.
CREATE TABLE calendar_day (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('day_off', 'working_day')),
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    document_date TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row: the ISO weekdays people work ('12345' is Monday to Friday) and the
-- working hours ('07:00-11:30,13:30-17:00'), which decide when an intake
-- counts on the next working day and when a deadline's last day ends.
CREATE TABLE calendar_week (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    working_days TEXT NOT NULL,
    hours TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO calendar_week (id, working_days, hours, updated_by, updated_at)
    VALUES (1, '12345', '07:00-11:30,13:30-17:00', 'migration', 0);
