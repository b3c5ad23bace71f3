-- The legal track of a referral (one legal case per establishment), who holds the referral,
-- and the rescue operations with their outcome per person.

ALTER TABLE investigation.legal_referrals
    ADD COLUMN assigned_to text,
    ADD COLUMN assigned_at timestamptz,
    ADD COLUMN assigned_by text,
    ADD CONSTRAINT legal_referrals_assignment_whole
        CHECK ((assigned_to IS NULL) = (assigned_at IS NULL)
           AND (assigned_to IS NULL) = (assigned_by IS NULL));
CREATE INDEX legal_referrals_assigned ON investigation.legal_referrals (assigned_to)
    WHERE assigned_to IS NOT NULL;

-- Each milestone once per referral (the primary key), never updated (no UPDATE in the code).
-- Accused are counted, never named: their names are personal data.
CREATE TABLE investigation.legal_milestones (
    referral_id   uuid        NOT NULL REFERENCES investigation.legal_referrals,
    milestone     text        NOT NULL CHECK (milestone IN ('police_engaged',
                      'operation_carried_out', 'charges_filed', 'trial_opened', 'verdict')),
    occurred_on   date        NOT NULL,
    recorded_at   timestamptz NOT NULL,
    recorded_by   text        NOT NULL,
    accused_count smallint    CHECK (accused_count > 0),
    verdicts      jsonb       NOT NULL DEFAULT '[]',
    PRIMARY KEY (referral_id, milestone)
);

CREATE TABLE investigation.rescue_operations (
    operation_id     uuid PRIMARY KEY,
    referral_id      uuid        NOT NULL REFERENCES investigation.legal_referrals,
    idempotency_key  text        NOT NULL UNIQUE,
    carried_out_on   date        NOT NULL,
    recorded_at      timestamptz NOT NULL,
    recorded_by      text        NOT NULL
);
CREATE INDEX rescue_operations_referral ON investigation.rescue_operations (referral_id);

CREATE TABLE investigation.rescue_outcomes (
    operation_id      uuid        NOT NULL REFERENCES investigation.rescue_operations,
    case_id           uuid        NOT NULL REFERENCES investigation.persons,
    outcome           text        NOT NULL CHECK (outcome IN ('rescued', 'not_found')),
    children_with_her smallint    NOT NULL DEFAULT 0 CHECK (children_with_her BETWEEN 0 AND 20),
    medical_urgency   boolean     NOT NULL DEFAULT false,
    recorded_at       timestamptz NOT NULL,
    recorded_by       text        NOT NULL,
    PRIMARY KEY (operation_id, case_id)
);
-- The last guard of "a person is rescued once", whatever the code above does.
CREATE UNIQUE INDEX rescue_outcomes_rescued_once ON investigation.rescue_outcomes (case_id)
    WHERE outcome = 'rescued';
