-- A report can be filed under an investigation: it is then about that investigation's
-- establishment, which is recorded once.
ALTER TABLE investigation.reports
    ADD COLUMN investigation_id uuid REFERENCES investigation.investigations;
CREATE INDEX reports_investigation ON investigation.reports (investigation_id)
    WHERE investigation_id IS NOT NULL;
