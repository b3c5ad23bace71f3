-- Follow-up visits are recorded on their scheduled row, once: the idempotency key makes a
-- retried submit a no-op, and visited_on going from NULL to a date happens once.
ALTER TABLE reintegration.follow_up_visits
    ADD COLUMN visited_on       date,
    ADD COLUMN by_role          text,
    ADD COLUMN outcomes         text[] NOT NULL DEFAULT '{}',
    ADD COLUMN notes_sealed     bytea,
    ADD COLUMN recorded_by      text,
    ADD COLUMN recorded_at      timestamptz,
    ADD COLUMN idempotency_key  text UNIQUE,
    ADD CONSTRAINT visit_recorded_whole CHECK (
        (visited_on IS NULL) = (by_role IS NULL) AND (visited_on IS NULL) = (recorded_by IS NULL)
    );
-- What the overdue sweep scans: visits not yet made.
CREATE INDEX follow_up_visits_open ON reintegration.follow_up_visits (due_on)
    WHERE visited_on IS NULL;

ALTER TABLE reintegration.cases
    ADD COLUMN closed_on      date,
    ADD COLUMN closure_reason text;

-- One alert per (case, visit), ever: however many schedulers run, or restart, the primary
-- key lets exactly one transaction raise it, and the event goes out in that transaction.
CREATE TABLE reintegration.overdue_alerts (
    case_id      uuid        NOT NULL,
    visit_no     integer     NOT NULL,
    due_on       date        NOT NULL,
    days_overdue integer     NOT NULL CHECK (days_overdue >= 0),
    raised_at    timestamptz NOT NULL,
    PRIMARY KEY (case_id, visit_no),
    FOREIGN KEY (case_id, visit_no) REFERENCES reintegration.follow_up_visits (case_id, visit_no)
);
