-- The audit chain extended in one round trip (uow.write_audit). It takes the chain's lock,
-- held until the transaction ends, then reads the head in a statement of its own: a VOLATILE
-- function takes a fresh snapshot for each statement under READ COMMITTED, so it sees the row
-- of the transaction that held the lock before. (Read in the statement that waited for the
-- lock, the head would come from the snapshot before the wait and fork the chain.) Each row's
-- hash is sha256(prev_hash || body), body being the canonical JSON the kernel hashes
-- (uow.audit_body); verify_audit_chain recomputes it from the row.
CREATE FUNCTION {schema}.audit_append(
    ats timestamptz[],
    actors text[],
    actions text[],
    case_ids uuid[],
    details jsonb[],
    bodies bytea[]
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev bytea;
    digest bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('homeward.audit.{schema}'));
    SELECT hash INTO prev FROM {schema}.audit ORDER BY seq DESC LIMIT 1;
    prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
    FOR i IN 1 .. coalesce(array_length(bodies, 1), 0) LOOP
        digest := sha256(prev || bodies[i]);
        INSERT INTO {schema}.audit (at, actor, action, case_id, detail, prev_hash, hash)
        VALUES (ats[i], actors[i], actions[i], case_ids[i], details[i], prev, digest);
        prev := digest;
    END LOOP;
END $$;
