-- The live view, built only from case.stage_changed. Ids, codes and times: nothing personal.
-- Truncated and replayed by `python -m homeward_dashboard.rebuild`.

-- Each case at its furthest stage by rank (a late or repeated event never moves it back).
CREATE TABLE dashboard.case_progress (
    case_id       uuid PRIMARY KEY,
    stage         text        NOT NULL,
    stage_at      timestamptz NOT NULL,   -- when she entered her current stage
    centre        text,                   -- centre code, once a producer gave one
    first_seen_at timestamptz NOT NULL    -- the earliest stage event: the case's age
);
CREATE INDEX case_progress_by_stage ON dashboard.case_progress (stage, stage_at);

-- When each case first entered each stage, whatever the order the events came in.
CREATE TABLE dashboard.case_stage_entries (
    case_id    uuid        NOT NULL,
    stage      text        NOT NULL,
    entered_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, stage)
);
CREATE INDEX case_stage_entries_by_time ON dashboard.case_stage_entries (entered_at);
