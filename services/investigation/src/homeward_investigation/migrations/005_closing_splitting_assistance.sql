-- Closing an investigation (who, why), leads split off into investigations of their own,
-- and the requests for legal assistance that recovery's centre staff make for residents.
ALTER TABLE investigation.investigations
    ADD COLUMN closed_by text,
    ADD COLUMN close_reason text,
    ADD CONSTRAINT investigations_closed_whole
        CHECK ((closed_at IS NULL) = (closed_by IS NULL)
           AND (closed_at IS NULL) = (close_reason IS NULL)),
    DROP CONSTRAINT investigations_origin_check,
    ADD CONSTRAINT investigations_origin_check CHECK (origin IN ('lead', 'team', 'split'));

-- Codes only: what staff wrote about the request stays sealed in recovery.
CREATE TABLE investigation.legal_assistance_requests (
    request_id      uuid PRIMARY KEY,
    case_id         uuid        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('testify_in_court',
                        'victim_compensation', 'identity_documents', 'immigration', 'other')),
    urgency         text        NOT NULL,
    centre          text        NOT NULL,
    requested_at    timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    assigned_to     text,
    assigned_at     timestamptz,
    assigned_by     text,
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CHECK ((assigned_to IS NULL) = (assigned_at IS NULL)
       AND (assigned_to IS NULL) = (assigned_by IS NULL))
);
CREATE INDEX legal_assistance_requests_case ON investigation.legal_assistance_requests (case_id);
CREATE INDEX legal_assistance_requests_pending
    ON investigation.legal_assistance_requests (received_at DESC) WHERE acknowledged_at IS NULL;
