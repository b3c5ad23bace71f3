-- Codes, not free text (issue 16). Before this, investigation accepted any text as an
-- establishment's province and district and as an identified person's language, and kept
-- it in clear. Each existing value becomes a code, or is set aside:
--
-- - a province written as a known name ("Kandal", "Siem Reab", "kh-8") becomes its
--   ISO 3166-2:KH code; any other text is set to NULL;
-- - a district that is not a four-digit district code of its province is set to NULL (no
--   table maps district names to codes);
-- - a language written as an ISO 639 code or an English language name becomes its ISO 639-1
--   code; any other text is set to NULL.
--
-- Every value set to NULL gets a row in investigation.set_aside (table, row id, column,
-- reason code): the value itself is dropped, neither kept in clear nor sealed (an SQL
-- migration has no keys to seal with, and a place or language typed as text is not worth
-- the risk of a name in clear). Evidence locations are left as they are: the old pattern
-- already refused spaces, so each is an identifier; only new ones are held to 64 characters.
-- Open investigations are matched by area (kind, province, district): one whose area was
-- set aside no longer meets a new lead by area, and investigators link it by hand.

-- investigation.set_aside records every value a migration could not turn into a code: which
-- table, row and column, and why (a reason code). The value itself is dropped, never kept
-- in clear (it may be a name typed where a code belonged); the row says that something was
-- there, so nothing is lost without a trace. Nothing here is personal: ids and codes.
CREATE TABLE investigation.set_aside (
    set_aside_id bigserial   PRIMARY KEY,
    table_name   text        NOT NULL,
    row_key      text        NOT NULL,   -- the row's primary key (ids only)
    column_name  text        NOT NULL,
    reason       text        NOT NULL CHECK (reason IN ('not_a_code', 'not_in_province')),
    migration    text        NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE investigation.establishments ALTER COLUMN province DROP NOT NULL;

UPDATE investigation.establishments
    SET province = investigation.kh_province_code(province)
    WHERE province IS NOT NULL AND investigation.kh_province_code(province) IS NOT NULL;
WITH cleared AS (
    UPDATE investigation.establishments SET province = NULL
    WHERE province IS NOT NULL AND province !~ '^KH-([1-9]|1[0-9]|2[0-5])$'
    RETURNING establishment_id
)
INSERT INTO investigation.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'establishments', establishment_id::text, 'province', 'not_a_code', '006'
    FROM cleared;

WITH cleared AS (
    UPDATE investigation.establishments SET district = NULL
    WHERE district IS NOT NULL AND NOT investigation.kh_district_ok(district, province)
    RETURNING establishment_id
)
INSERT INTO investigation.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'establishments', establishment_id::text, 'district', 'not_a_code', '006'
    FROM cleared;

UPDATE investigation.persons SET language = investigation.iso639_code(language)
    WHERE language IS NOT NULL AND investigation.iso639_code(language) IS NOT NULL;
WITH cleared AS (
    UPDATE investigation.persons SET language = NULL
    WHERE language IS NOT NULL AND investigation.iso639_code(language) IS NULL
    RETURNING case_id
)
INSERT INTO investigation.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'persons', case_id::text, 'language', 'not_a_code', '006' FROM cleared;
