-- Family tracing attempts and family visits. Family names and places are sealed.
CREATE TABLE reintegration.family_contacts (
    contact_id     uuid PRIMARY KEY,
    case_id        uuid        NOT NULL REFERENCES reintegration.cases (case_id),
    kind           text        NOT NULL CHECK (kind IN ('tracing_attempt', 'family_visit')),
    happened_on    date        NOT NULL,
    result         text CHECK (result IN ('found', 'not_found', 'unsafe')),
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    details_sealed bytea,
    CHECK ((kind = 'tracing_attempt') = (result IS NOT NULL))
);
CREATE INDEX family_contacts_case ON reintegration.family_contacts (case_id, happened_on);

-- Every assessment is kept; the latest decides the plan.
CREATE TABLE reintegration.assessments (
    assessment_id        uuid PRIMARY KEY,
    case_id              uuid        NOT NULL REFERENCES reintegration.cases (case_id),
    assessed_on          date        NOT NULL,
    her_wish             text        NOT NULL,
    market_opportunities text        NOT NULL,
    family_conditions    text        NOT NULL,
    skills_fit           boolean     NOT NULL,
    wants_business       boolean     NOT NULL,
    safety_risks         text[]      NOT NULL DEFAULT '{}',
    recorded_by          text        NOT NULL,
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    seq                  bigserial,
    notes_sealed         bytea
);
CREATE INDEX assessments_case ON reintegration.assessments (case_id, seq);

CREATE TABLE reintegration.disbursements (
    disbursement_id        uuid PRIMARY KEY,
    case_id                uuid          NOT NULL REFERENCES reintegration.cases (case_id),
    kind                   text          NOT NULL,
    form                   text CHECK (form IN ('in_kind', 'cash')),
    items                  text[]        NOT NULL DEFAULT '{}',
    value                  numeric(14,2) NOT NULL CHECK (value >= 0),
    currency               char(3)       NOT NULL,
    disbursed_on           date          NOT NULL,
    approved_by            text          NOT NULL,
    second_kit_approved_by text,
    recorded_by            text          NOT NULL,
    recorded_at            timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX disbursements_case ON reintegration.disbursements (case_id);

-- A retried submit (same key) is answered with what the first one did, once.
CREATE TABLE reintegration.idempotency_keys (
    idempotency_key text PRIMARY KEY,
    case_id         uuid        NOT NULL,
    action          text        NOT NULL,
    record_id       uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE reintegration.cases
    ADD COLUMN destination_country text,
    ADD COLUMN receiving_partner   text;
