-- Assessments: what staff plan with stays in the clear; the findings are sealed.
CREATE TABLE recovery.assessments (
    assessment_id   uuid PRIMARY KEY,
    case_id         uuid        NOT NULL REFERENCES recovery.residents (case_id),
    centre          text        NOT NULL REFERENCES recovery.centres (code),
    kind            text        NOT NULL
        CHECK (kind IN ('medical', 'psychological', 'education_social')),
    assessed_on     date        NOT NULL,
    assessor_role   text        NOT NULL,
    recorded_by     text        NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    findings_sealed bytea       NOT NULL
);
CREATE INDEX assessments_by_case ON recovery.assessments (case_id, assessed_on);

-- The care plan: goals with review dates; the goal's wording is sealed.
CREATE TABLE recovery.care_goals (
    goal_id          uuid PRIMARY KEY,
    case_id          uuid  NOT NULL REFERENCES recovery.residents (case_id),
    area             text  NOT NULL,
    set_on           date  NOT NULL,
    set_by           text  NOT NULL,
    review_on        date  NOT NULL,
    status           text  NOT NULL CHECK (status IN ('open', 'achieved', 'dropped')),
    last_reviewed_on date,
    goal_sealed      bytea NOT NULL
);
CREATE INDEX care_goals_due ON recovery.care_goals (review_on) WHERE status = 'open';

CREATE TABLE recovery.enrolments (
    enrolment_id    uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES recovery.residents (case_id),
    centre          text NOT NULL REFERENCES recovery.centres (code),
    trade           text NOT NULL,
    started_on      date NOT NULL,
    planned_end_on  date,
    status          text NOT NULL CHECK (status IN ('enrolled', 'completed', 'withdrawn')),
    completed_on    date,
    certified_on    date,
    certifying_body text,
    CHECK (certified_on IS NULL OR status = 'completed')
);
-- One open enrolment per trade: a second, concurrent enrol is a unique violation.
CREATE UNIQUE INDEX enrolments_one_open_per_trade ON recovery.enrolments (case_id, trade)
    WHERE status = 'enrolled';

CREATE TABLE recovery.internships (
    internship_id   uuid PRIMARY KEY,
    case_id         uuid  NOT NULL REFERENCES recovery.residents (case_id),
    centre          text  NOT NULL REFERENCES recovery.centres (code),
    trade           text  NOT NULL,
    started_on      date  NOT NULL,
    ends_on         date  NOT NULL CHECK (ends_on >= started_on),
    business_sealed bytea NOT NULL
);

CREATE TABLE recovery.study_tours (
    tour_id   uuid PRIMARY KEY,
    case_id   uuid   NOT NULL REFERENCES recovery.residents (case_id),
    centre    text   NOT NULL REFERENCES recovery.centres (code),
    toured_on date   NOT NULL,
    trades    text[] NOT NULL
);
