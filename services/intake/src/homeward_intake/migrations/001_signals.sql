-- Intake's own tables. Personal fields are bytea: sealed under the case's key (shared/crypto).
CREATE SEQUENCE intake.case_number_seq;

CREATE TABLE intake.signals (
    signal_id         uuid PRIMARY KEY,
    case_id           uuid        NOT NULL UNIQUE,
    case_number       text        NOT NULL UNIQUE,
    idempotency_key   text        NOT NULL UNIQUE,
    source            text        NOT NULL,
    urgency           text        NOT NULL,
    needs_shelter     boolean     NOT NULL,
    apparent_minor    boolean     NOT NULL,
    children_with_her integer     NOT NULL CHECK (children_with_her >= 0),
    language          text,
    received_at       timestamptz NOT NULL,
    recorded_by       text        NOT NULL,
    status            text        NOT NULL,
    stage             text        NOT NULL,
    routing_reason    text,
    name_sealed       bytea,
    aliases_sealed    bytea,
    phone_sealed      bytea,
    notes_sealed      bytea
);
