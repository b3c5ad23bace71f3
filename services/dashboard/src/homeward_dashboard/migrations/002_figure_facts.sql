-- The impact report's facts, one row per (event, metric): the stage feed's stage entries and
-- the services' figure events (figure.recorded, training, legal milestones). Ids, codes,
-- days and amounts: nothing personal. A redelivered event is the same row (primary key), so
-- it counts once. Truncated and replayed by `python -m homeward_dashboard.rebuild`.
CREATE TABLE dashboard.figure_facts (
    event_id    uuid          NOT NULL,
    metric      text          NOT NULL,
    year        integer       NOT NULL,      -- of on_date: the report's year
    on_date     date          NOT NULL,      -- the day it happened, in the reporting time zone
    subject     uuid          NOT NULL,      -- her case id, or an activity's own id
    dims        jsonb         NOT NULL DEFAULT '{}',
    amount      numeric(16,2) NOT NULL DEFAULT 1,
    occurred_at timestamptz   NOT NULL,
    producer    text          NOT NULL,
    PRIMARY KEY (event_id, metric)
);
CREATE INDEX figure_facts_by_year ON dashboard.figure_facts (year, metric);
CREATE INDEX figure_facts_by_metric_day ON dashboard.figure_facts (metric, on_date);
