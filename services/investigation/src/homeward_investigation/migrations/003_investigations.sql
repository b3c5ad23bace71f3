-- Investigations on an establishment, opened from intake's leads or by the team, and their
-- undercover visits. A lead names a province but not always a district.
ALTER TABLE investigation.establishments ALTER COLUMN district DROP NOT NULL;

CREATE TABLE investigation.investigations (
    investigation_id uuid PRIMARY KEY,
    -- A retried open (the team's key, or 'lead:<lead id>') finds the first investigation.
    idempotency_key  text        NOT NULL UNIQUE,
    establishment_id uuid        NOT NULL REFERENCES investigation.establishments,
    origin           text        NOT NULL CHECK (origin IN ('lead', 'team')),
    urgency          text        NOT NULL,
    opened_at        timestamptz NOT NULL,
    opened_by        text        NOT NULL,
    closed_at        timestamptz
);
-- At most one open investigation per establishment.
CREATE UNIQUE INDEX investigations_one_open ON investigation.investigations (establishment_id)
    WHERE closed_at IS NULL;

CREATE TABLE investigation.investigation_leads (
    lead_id          uuid PRIMARY KEY,
    investigation_id uuid        NOT NULL REFERENCES investigation.investigations,
    urgency          text        NOT NULL,
    persons_reported smallint    NOT NULL,
    indicators       text[]      NOT NULL DEFAULT '{}',
    received_at      timestamptz NOT NULL
);
CREATE INDEX investigation_leads_investigation
    ON investigation.investigation_leads (investigation_id);

-- Observations are free text about the women seen: sealed under the establishment's key.
CREATE TABLE investigation.undercover_visits (
    visit_id          uuid PRIMARY KEY,
    investigation_id  uuid        NOT NULL REFERENCES investigation.investigations,
    idempotency_key   text        NOT NULL UNIQUE,
    visited_on        date        NOT NULL,
    investigators     text[]      NOT NULL CHECK (cardinality(investigators) >= 1),
    recorded_at       timestamptz NOT NULL,
    recorded_by       text        NOT NULL,
    observations_sealed bytea
);
CREATE INDEX undercover_visits_investigation
    ON investigation.undercover_visits (investigation_id, visited_on);
