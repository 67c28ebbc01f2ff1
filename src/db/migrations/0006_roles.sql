-- 0006: positions and staff assignments in the org tree, and roles granted on org units.
--
-- A role granted on a unit holds in its whole subtree. Grants are revoked, never
-- deleted, so the history of who could do what stays readable.
CREATE TABLE staff_assignment (
    id {{ID}},
    account_id BIGINT NOT NULL REFERENCES account (id),
    org_unit_id BIGINT NOT NULL REFERENCES org_unit (id),
    position TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT
);
CREATE INDEX staff_assignment_account ON staff_assignment (account_id);
CREATE INDEX staff_assignment_unit ON staff_assignment (org_unit_id);

CREATE TABLE role_grant (
    id {{ID}},
    account_id BIGINT NOT NULL REFERENCES account (id),
    role TEXT NOT NULL CHECK (role IN ('desk_officer', 'specialist', 'department_head',
                                       'agency_leader', 'clerk', 'agency_admin',
                                       'province_admin')),
    org_unit_id BIGINT NOT NULL REFERENCES org_unit (id),
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    revoked_by TEXT,
    revoked_at BIGINT
);
CREATE INDEX role_grant_account ON role_grant (account_id);
