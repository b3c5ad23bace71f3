-- Leads on establishments, handed to investigation. The name and address are sealed under
-- the lead's own key; match_key is an HMAC of kind, area and normalised name under a key
-- derived from the master key, so equal places meet without the name being stored in clear.
CREATE TABLE intake.leads (
    lead_id          uuid PRIMARY KEY,
    match_key        text        NOT NULL,
    establishment_kind text      NOT NULL,
    province         text        NOT NULL,
    district         text,
    urgency          text        NOT NULL,
    persons_reported integer     NOT NULL CHECK (persons_reported >= 0),
    indicators       text[]      NOT NULL DEFAULT '{}',
    signals          integer     NOT NULL DEFAULT 1 CHECK (signals >= 1),
    status           text        NOT NULL,
    opened_at        timestamptz NOT NULL,
    opened_by        text        NOT NULL,
    first_signal_id  uuid        NOT NULL REFERENCES intake.signals (signal_id),
    name_sealed      bytea,
    address_sealed   bytea
);
-- One open lead per place: a second signal about it is linked, even when two officers
-- route at the same moment.
CREATE UNIQUE INDEX leads_one_open_per_place ON intake.leads (match_key) WHERE status = 'open';

ALTER TABLE intake.signals ADD COLUMN lead_id uuid REFERENCES intake.leads (lead_id);
