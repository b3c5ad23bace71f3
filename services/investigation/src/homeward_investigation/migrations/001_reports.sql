-- Investigation's own tables. Personal fields are bytea, sealed (shared/crypto): a person's
-- under her case's key, an establishment's under a key of its own (its id in case_keys), so
-- erasing her never erases the evidence against the establishment, nor the other way round.
CREATE SEQUENCE investigation.case_number_seq;

CREATE TABLE investigation.establishments (
    establishment_id      uuid PRIMARY KEY,
    kind                  text        NOT NULL,
    province              text        NOT NULL,
    district              text        NOT NULL,
    recorded_at           timestamptz NOT NULL,
    address_sealed        bytea,
    operator_names_sealed bytea
);

CREATE TABLE investigation.reports (
    report_id        uuid PRIMARY KEY,
    idempotency_key  text        NOT NULL UNIQUE,
    establishment_id uuid        NOT NULL REFERENCES investigation.establishments,
    urgency          text        NOT NULL,
    visit_dates      date[]      NOT NULL CHECK (cardinality(visit_dates) >= 1),
    filed_at         timestamptz NOT NULL,
    filed_by         text        NOT NULL
);
CREATE INDEX reports_establishment ON investigation.reports (establishment_id);

CREATE TABLE investigation.report_evidence (
    report_id    uuid     NOT NULL REFERENCES investigation.reports,
    ordinal      smallint NOT NULL,
    content_hash text     NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    location     text     NOT NULL,
    PRIMARY KEY (report_id, ordinal)
);

-- One row per identified person: her case starts here.
CREATE TABLE investigation.persons (
    case_id            uuid PRIMARY KEY,
    case_number        text     NOT NULL UNIQUE,
    report_id          uuid     NOT NULL REFERENCES investigation.reports,
    ordinal            smallint NOT NULL,
    approximate_age    smallint CHECK (approximate_age BETWEEN 0 AND 120),
    sex                text     NOT NULL,
    nationality        text,
    language           text,
    indicators         text[]   NOT NULL DEFAULT '{}',
    stage              text     NOT NULL,
    name_sealed        bytea,
    description_sealed bytea,
    UNIQUE (report_id, ordinal)
);

-- One referral per report: the unique report_id is the last guard against a second one.
CREATE TABLE investigation.legal_referrals (
    referral_id     uuid PRIMARY KEY,
    report_id       uuid        NOT NULL UNIQUE REFERENCES investigation.reports,
    urgency         text        NOT NULL,
    referred_at     timestamptz NOT NULL,
    referred_by     text        NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX legal_referrals_pending ON investigation.legal_referrals (referred_at DESC)
    WHERE acknowledged_at IS NULL;
