-- Admissions come from intake's placement requests, investigation's rescues and transfers
-- between our centres; one row per case carries whichever is current.
ALTER TABLE recovery.admission_requests
    ADD COLUMN origin           text NOT NULL DEFAULT 'placement',
    ADD COLUMN operation_id     uuid,
    ADD COLUMN from_centre      text REFERENCES recovery.centres (code),
    ADD COLUMN requested_centre text REFERENCES recovery.centres (code),
    ALTER COLUMN source DROP NOT NULL,
    ADD CONSTRAINT admission_requests_origin
        CHECK (origin IN ('placement', 'rescue', 'transfer')),
    ADD CONSTRAINT admission_requests_status
        CHECK (status IN ('waiting', 'admitted', 'withdrawn')),
    ADD CONSTRAINT admission_requests_transfer_target
        CHECK (origin <> 'transfer' OR requested_centre IS NOT NULL);
ALTER TABLE recovery.admission_requests ALTER COLUMN origin DROP DEFAULT;

-- She may leave of her own will: when, and a reason code (never a narrative).
ALTER TABLE recovery.residents
    ADD COLUMN left_on      date,
    ADD COLUMN leave_reason text,
    ADD CONSTRAINT residents_status
        CHECK (status IN ('resident', 'left_centre', 'ready_for_reintegration')),
    ADD CONSTRAINT residents_left
        CHECK ((status = 'left_centre') = (left_on IS NOT NULL AND leave_reason IS NOT NULL));
