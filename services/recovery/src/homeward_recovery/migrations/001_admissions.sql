-- Centres are configuration the organisation can change; these three are the ones it runs.
CREATE TABLE recovery.centres (
    code         text PRIMARY KEY,
    name         text    NOT NULL,
    province     text    NOT NULL,
    capacity     integer NOT NULL CHECK (capacity >= 0),
    childcare    boolean NOT NULL,
    for_youngest boolean NOT NULL,
    languages    text[]  NOT NULL DEFAULT '{}'
);
INSERT INTO recovery.centres (code, name, province, capacity, childcare, for_youngest, languages)
VALUES ('TD', 'Tom Dy', 'Phnom Penh', 120, true, false, '{km,vi,en}'),
       ('KC', 'Kompong Cham', 'Kampong Cham', 60, false, true, '{km}'),
       ('SR', 'Siem Reap', 'Siem Reap', 80, false, false, '{km,th}');

-- A request waits here, visibly and with its reason, until staff admit her.
CREATE TABLE recovery.admission_requests (
    case_id           uuid PRIMARY KEY,
    case_number       text        NOT NULL,
    correlation_id    uuid        NOT NULL,
    source            text        NOT NULL,
    urgency           text        NOT NULL,
    apparent_minor    boolean     NOT NULL,
    children_with_her integer     NOT NULL,
    language          text,
    received_at       timestamptz NOT NULL,
    proposed_centre   text REFERENCES recovery.centres (code),
    waiting_reason    text,
    status            text        NOT NULL
);
CREATE INDEX admission_requests_waiting ON recovery.admission_requests (received_at)
    WHERE status = 'waiting';

CREATE TABLE recovery.residents (
    case_id               uuid PRIMARY KEY REFERENCES recovery.admission_requests (case_id),
    case_number           text        NOT NULL,
    correlation_id        uuid        NOT NULL,
    centre                text        NOT NULL REFERENCES recovery.centres (code),
    admitted_at           timestamptz NOT NULL,
    admitted_by           text        NOT NULL,
    consent_informed      boolean     NOT NULL,
    house_rules_accepted  boolean     NOT NULL,
    consent_given_on      date        NOT NULL,
    status                text        NOT NULL,
    stage                 text        NOT NULL,
    skills                text[]      NOT NULL DEFAULT '{}',
    name_sealed           bytea,
    aliases_sealed        bytea,
    birth_date_sealed     bytea,
    family_contacts_sealed bytea,
    village_sealed        bytea
);
CREATE INDEX residents_by_centre ON recovery.residents (centre) WHERE status = 'resident';
