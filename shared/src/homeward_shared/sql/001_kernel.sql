-- The kernel's tables, created in every service's own schema. {schema} is replaced by the
-- service's schema name (a validated identifier) before this file runs.

-- Transactional outbox (Debezium's column vocabulary). The unit of work inserts rows in the
-- same transaction as the change; the relay publishes them and only then sets published_at.
CREATE TABLE {schema}.outbox (
    seq            bigserial PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    aggregate_type text        NOT NULL,
    aggregate_id   uuid        NOT NULL,           -- the case id: the Kafka key
    event_type     text        NOT NULL,
    topic          text        NOT NULL,
    payload        text        NOT NULL,           -- the envelope, byte for byte as sent
    headers        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text
);
-- "Not yet published" is a flag, not a cursor: a transaction that commits late with a lower
-- seq is still found.
CREATE INDEX outbox_unpublished ON {schema}.outbox (seq) WHERE published_at IS NULL;

-- Inbox (idempotent consumer). The row goes in the same transaction as the effect, so a
-- redelivery is a primary-key conflict, not a second effect.
CREATE TABLE {schema}.inbox (
    consumer    text        NOT NULL,
    event_id    uuid        NOT NULL,
    event_type  text        NOT NULL,
    topic       text        NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset    bigint  NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Audit trail: who did what to which case and when. Append-only; each row's hash covers the
-- previous row's hash, so a changed or removed row breaks the chain.
CREATE TABLE {schema}.audit (
    seq         bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    case_id     uuid,
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    prev_hash   bytea       NOT NULL,
    hash        bytea       NOT NULL
);
CREATE INDEX audit_case ON {schema}.audit (case_id, seq);

CREATE FUNCTION {schema}.audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {schema}.audit
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_is_append_only();

-- One data key per case, wrapped by the service's master key. Destroying the wrapped key
-- makes that person's personal fields unreadable everywhere, backups included.
CREATE TABLE {schema}.case_keys (
    case_id       uuid PRIMARY KEY,
    wrapped_key   bytea,
    master_key_id text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz
);
