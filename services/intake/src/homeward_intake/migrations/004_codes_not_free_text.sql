-- Codes, not free text (issue 16). Before this, intake accepted any text as a signal's
-- language, a placement's reason and a lead's or an outreach day's province and district,
-- and kept it in clear. Each existing value becomes a code, or is set aside:
--
-- - a province written as a known name ("Phnom Penh", "Siem Reab", "kh-12") becomes its
--   ISO 3166-2:KH code; any other text is set to NULL;
-- - a district that is not a four-digit district code of its province is set to NULL (no
--   table maps district names to codes);
-- - a language written as an ISO 639 code or an English language name becomes its ISO 639-1
--   code; any other text is set to NULL;
-- - a routing reason that is no placement, lead or closure reason code is set to NULL.
--
-- Every value set to NULL gets a row in intake.set_aside (table, row id, column, reason
-- code): the value itself is dropped, not kept in clear and not sealed. These tables have
-- no sealed column for these fields, and an SQL migration cannot seal (the keys are the
-- service's); a place or language typed as text is not worth keeping at the risk of a
-- name in clear. The area of a lead feeds its match key, so an old open lead and a new
-- signal about the same place no longer meet by area: investigation links them by area.

-- intake.set_aside records every value a migration could not turn into a code: which
-- table, row and column, and why (a reason code). The value itself is dropped, never kept
-- in clear (it may be a name typed where a code belonged); the row says that something was
-- there, so nothing is lost without a trace. Nothing here is personal: ids and codes.
CREATE TABLE intake.set_aside (
    set_aside_id bigserial   PRIMARY KEY,
    table_name   text        NOT NULL,
    row_key      text        NOT NULL,   -- the row's primary key (ids only)
    column_name  text        NOT NULL,
    reason       text        NOT NULL CHECK (reason IN ('not_a_code', 'not_in_province')),
    migration    text        NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE intake.leads ALTER COLUMN province DROP NOT NULL;
ALTER TABLE intake.outreach_activities ALTER COLUMN province DROP NOT NULL;

-- Provinces: the known name, else set aside.
UPDATE intake.leads SET province = intake.kh_province_code(province)
    WHERE province IS NOT NULL AND intake.kh_province_code(province) IS NOT NULL;
WITH cleared AS (
    UPDATE intake.leads SET province = NULL
    WHERE province IS NOT NULL AND province !~ '^KH-([1-9]|1[0-9]|2[0-5])$'
    RETURNING lead_id
)
INSERT INTO intake.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'leads', lead_id::text, 'province', 'not_a_code', '004' FROM cleared;

UPDATE intake.outreach_activities SET province = intake.kh_province_code(province)
    WHERE province IS NOT NULL AND intake.kh_province_code(province) IS NOT NULL;
WITH cleared AS (
    UPDATE intake.outreach_activities SET province = NULL
    WHERE province IS NOT NULL AND province !~ '^KH-([1-9]|1[0-9]|2[0-5])$'
    RETURNING activity_id
)
INSERT INTO intake.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'outreach_activities', activity_id::text, 'province', 'not_a_code', '004'
    FROM cleared;

-- Districts: a code of the (now coded) province, else set aside.
WITH cleared AS (
    UPDATE intake.leads SET district = NULL
    WHERE district IS NOT NULL AND NOT intake.kh_district_ok(district, province)
    RETURNING lead_id
)
INSERT INTO intake.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'leads', lead_id::text, 'district', 'not_a_code', '004' FROM cleared;
WITH cleared AS (
    UPDATE intake.outreach_activities SET district = NULL
    WHERE district IS NOT NULL AND NOT intake.kh_district_ok(district, province)
    RETURNING activity_id
)
INSERT INTO intake.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'outreach_activities', activity_id::text, 'district', 'not_a_code', '004'
    FROM cleared;

-- Languages: an ISO 639 code or a known name, else set aside.
UPDATE intake.signals SET language = intake.iso639_code(language)
    WHERE language IS NOT NULL AND intake.iso639_code(language) IS NOT NULL;
WITH cleared AS (
    UPDATE intake.signals SET language = NULL
    WHERE language IS NOT NULL AND intake.iso639_code(language) IS NULL
    RETURNING signal_id
)
INSERT INTO intake.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'signals', signal_id::text, 'language', 'not_a_code', '004' FROM cleared;

-- Routing reasons: the placement, lead and closure reason codes only.
WITH cleared AS (
    UPDATE intake.signals SET routing_reason = NULL
    WHERE routing_reason IS NOT NULL AND routing_reason NOT IN (
        'walk_in_needs_shelter', 'needs_shelter_now', 'police_referral', 'partner_referral',
        'repatriated', 'left_exploitation',
        'establishment_named', 'establishment_reported', 'persons_still_held',
        'outreach_observation',
        'not_trafficking', 'insufficient_information', 'duplicate', 'referred_elsewhere',
        'out_of_area', 'unfounded')
    RETURNING signal_id
)
INSERT INTO intake.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'signals', signal_id::text, 'routing_reason', 'not_a_code', '004' FROM cleared;
