CREATE TABLE reintegration.cases (
    case_id               uuid PRIMARY KEY,
    case_number           text        NOT NULL,
    correlation_id        uuid        NOT NULL,
    from_centre           text        NOT NULL,
    skills                text[]      NOT NULL DEFAULT '{}',
    wishes_to_return_home boolean,
    received_at           timestamptz NOT NULL,
    status                text        NOT NULL,
    plan                  text,
    resettled_on          date,
    stage                 text        NOT NULL
);

-- The follow-up schedule: one row per planned visit; a visit is due once only.
CREATE TABLE reintegration.follow_up_visits (
    case_id   uuid    NOT NULL REFERENCES reintegration.cases (case_id),
    visit_no  integer NOT NULL CHECK (visit_no >= 1),
    due_on    date    NOT NULL,
    PRIMARY KEY (case_id, visit_no)
);
CREATE INDEX follow_up_visits_due ON reintegration.follow_up_visits (due_on);
