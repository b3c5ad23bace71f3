-- Requests for legal assistance made by centre staff for a resident. The kind, urgency and
-- centre are codes that go to legal workers; what staff wrote is sealed under her case key.
CREATE TABLE recovery.legal_assistance_requests (
    request_id      uuid PRIMARY KEY,
    case_id         uuid        NOT NULL REFERENCES recovery.residents (case_id),
    centre          text        NOT NULL REFERENCES recovery.centres (code),
    kind            text        NOT NULL CHECK (kind IN ('testify_in_court',
                        'victim_compensation', 'identity_documents', 'immigration', 'other')),
    urgency         text        NOT NULL,
    requested_at    timestamptz NOT NULL,
    requested_by    text        NOT NULL,
    -- A retried submit finds the first request.
    idempotency_key text UNIQUE,
    note_sealed     bytea
);
CREATE INDEX legal_assistance_requests_by_case
    ON recovery.legal_assistance_requests (case_id, requested_at);
