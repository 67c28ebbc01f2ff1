-- 0010: dossiers (hồ sơ) from submission to returned result (docs/dossiers.md).
--
-- A process is how a procedure's dossiers move between units: an ordered list
-- of steps (unit, role, working days), kept as versioned JSON data checked by
-- dossiers/process.c. A dossier keeps the procedure version and the process
-- version it was submitted under.
CREATE TABLE dossier_process (
    id {{ID}},
    procedure_code VARCHAR(64) NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (procedure_code, version)
);

-- The daily sequence of each receiving unit: the NNNN of <unit>-YYMMDD-NNNN,
-- taken in the transaction that creates the dossier, so gap-free and unique.
CREATE TABLE dossier_seq (
    org_unit_id BIGINT NOT NULL REFERENCES org_unit (id),
    day TEXT NOT NULL,
    last INTEGER NOT NULL CHECK (last >= 1),
    PRIMARY KEY (org_unit_id, day)
);

-- state: draft -> submitted -> received -> processing <-> supplement -> result_ready
-- -> returned; refused, withdrawn, stopped end it early. national_status is the
-- national portal's code (DOMAIN-VN §3.2), kept with the state by the same update.
-- The form and the applicant's identifiers are sealed with the identity key
-- (form_sealed): a copy of the database does not show them.
CREATE TABLE dossier (
    id {{ID}},
    code VARCHAR(64) UNIQUE,
    procedure_code VARCHAR(64) NOT NULL,
    procedure_version INTEGER NOT NULL,
    field_code TEXT NOT NULL,
    process_id BIGINT REFERENCES dossier_process (id),
    org_unit_id BIGINT NOT NULL REFERENCES org_unit (id), -- the receiving unit (its desk)
    agency_unit_id BIGINT NOT NULL REFERENCES org_unit (id), -- the implementing unit chosen
    channel TEXT NOT NULL CHECK (channel IN ('online', 'counter', 'post', 'phone', 'fax')),
    applicant_account BIGINT REFERENCES account (id),
    applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('citizen', 'business')),
    applicant_name TEXT NOT NULL,
    applicant_email TEXT,
    applicant_phone TEXT,
    form_sealed {{BLOB}} NOT NULL,
    paper TEXT, -- counter intake: the components handed in on paper, a JSON array of indexes
    state TEXT NOT NULL,
    national_status INTEGER NOT NULL,
    step INTEGER NOT NULL DEFAULT -1,
    step_unit_id BIGINT REFERENCES org_unit (id),
    step_role TEXT,
    step_started_ms BIGINT,
    step_due_ms BIGINT,
    assignee BIGINT REFERENCES account (id),
    resume_state TEXT,
    result TEXT CHECK (result IN ('approved', 'rejected')),
    reason TEXT,
    working_days INTEGER NOT NULL,
    created_ms BIGINT NOT NULL,
    submitted_ms BIGINT,
    received_ms BIGINT,
    due_ms BIGINT,
    due_date TEXT,
    finished_ms BIGINT,
    returned_ms BIGINT,
    closed_ms BIGINT,
    overdue INTEGER NOT NULL DEFAULT 0,
    warned INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX dossier_applicant ON dossier (applicant_account, created_ms);
CREATE INDEX dossier_unit_state ON dossier (org_unit_id, state, due_ms);
CREATE INDEX dossier_step_unit ON dossier (step_unit_id, step_role, state, due_ms);
CREATE INDEX dossier_assignee ON dossier (assignee, state);
CREATE INDEX dossier_due ON dossier (state, due_ms);
CREATE INDEX dossier_received ON dossier (received_ms);

-- The units a dossier passes through (the receiving unit and every step's):
-- their staff may read it.
CREATE TABLE dossier_unit (
    dossier_id BIGINT NOT NULL REFERENCES dossier (id),
    org_unit_id BIGINT NOT NULL REFERENCES org_unit (id),
    PRIMARY KEY (dossier_id, org_unit_id)
);
CREATE INDEX dossier_unit_unit ON dossier_unit (org_unit_id);

-- The timeline: one row per action, in order. step_outcome says, for an action
-- that ended a step, whether it ended before, on or after the step's due time.
CREATE TABLE dossier_event (
    id {{ID}},
    dossier_id BIGINT NOT NULL REFERENCES dossier (id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    step INTEGER NOT NULL,
    to_step INTEGER NOT NULL,
    actor_account BIGINT REFERENCES account (id),
    actor_name TEXT NOT NULL,
    org_unit_id BIGINT REFERENCES org_unit (id),
    note TEXT,
    step_due_ms BIGINT,
    step_outcome TEXT CHECK (step_outcome IN ('early', 'on_time', 'late')),
    due_ms BIGINT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX dossier_event_dossier ON dossier_event (dossier_id, id);

-- Clock pauses while a supplement is awaited (until_ms NULL: still waiting).
CREATE TABLE dossier_pause (
    dossier_id BIGINT NOT NULL REFERENCES dossier (id),
    from_ms BIGINT NOT NULL,
    until_ms BIGINT,
    PRIMARY KEY (dossier_id, from_ms)
);

-- The files of a dossier: for a component of the procedure (component >= 0),
-- for a form field (field), or handed in with a supplement (event_id).
CREATE TABLE dossier_file (
    dossier_id BIGINT NOT NULL REFERENCES dossier (id),
    attachment_id BIGINT NOT NULL REFERENCES attachment (id),
    component INTEGER NOT NULL DEFAULT -1,
    field TEXT,
    event_id BIGINT REFERENCES dossier_event (id),
    PRIMARY KEY (dossier_id, attachment_id)
);

-- Idempotency-Key of a submission: a retried request finds its dossier. The key is
-- claimed first in the submitting transaction (dossier_id set before it commits), so a
-- concurrent retry waits on it or sees it, never creates a second dossier.
CREATE TABLE dossier_idempotency (
    account_id BIGINT NOT NULL REFERENCES account (id),
    idem_key VARCHAR(255) NOT NULL,
    request_hash TEXT NOT NULL,
    dossier_id BIGINT REFERENCES dossier (id),
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
