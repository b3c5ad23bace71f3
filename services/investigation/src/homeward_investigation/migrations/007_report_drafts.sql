-- A report being typed, kept for its author (issue 18). Its whole body (fields and persons,
-- names included) is one sealed blob under a key of the draft's own (domain.drafts.draft_key,
-- a row of case_keys): deleting the draft, filing the report or the retention purge destroys
-- that key, so the text is gone even from backups of this table. Clear columns hold only the
-- author's user id, times and a count.
CREATE TABLE investigation.report_drafts (
    draft_id      uuid PRIMARY KEY,
    author        text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    persons_count smallint    NOT NULL CHECK (persons_count >= 0),
    body_sealed   bytea       NOT NULL
);
CREATE INDEX report_drafts_author ON investigation.report_drafts (author, updated_at DESC);
CREATE INDEX report_drafts_age ON investigation.report_drafts (updated_at);
