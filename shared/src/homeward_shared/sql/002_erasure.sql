-- Erasure of a person (two admins) and master-key rotation. Created in every schema so that
-- any service can host the erasure workflow; one does (docs/security.md says which and why).

-- The two-admin workflow: one admin requests with a reason code, a different admin approves
-- or anyone of them rejects; a request not decided in time expires. Codes and user ids only:
-- nothing here says who she is.
CREATE TABLE {schema}.erasure_requests (
    erasure_id     uuid PRIMARY KEY,
    case_id        uuid        NOT NULL,
    reason         text        NOT NULL,
    requested_by   text        NOT NULL,
    requested_at   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    status         text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by     text,
    decided_at     timestamptz,
    decision_reason text,
    CHECK (status = 'pending' OR decided_by IS NOT NULL),
    -- Four eyes, also in the database: nobody approves her own request.
    CHECK (status <> 'approved' OR decided_by <> requested_by)
);
CREATE INDEX erasure_requests_case ON {schema}.erasure_requests (case_id);

-- Rotation looks for case keys wrapped by a master key other than the current one.
CREATE INDEX case_keys_master_key ON {schema}.case_keys (master_key_id)
    WHERE destroyed_at IS NULL;
