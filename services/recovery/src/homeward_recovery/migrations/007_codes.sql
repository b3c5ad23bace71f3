-- Fields that were free text become codes (issue 16): education levels, certifying bodies,
-- hand-off skills. A value that maps to a code (after trimming, lower case, spaces and
-- hyphens as underscores) becomes that code. Anything else is set aside: it leaves the clear
-- column and waits in recovery.set_aside, which the service seals under her case key when it
-- starts (homeward_shared.set_aside), keeping only the ciphertext. Nothing is lost, and an
-- erased woman's set-aside value goes with her key.

CREATE TABLE recovery.set_aside (
    id           bigserial   PRIMARY KEY,
    case_id      uuid        NOT NULL,
    record       text        NOT NULL,  -- education_class, education_month, enrolment, handoff, audit
    record_id    text        NOT NULL,  -- the record's id (class id, class id and month, audit seq)
    field        text        NOT NULL,
    reason       text        NOT NULL,  -- not_a_level_code, not_a_certifying_body, not_a_skill
    value_clear  text,                  -- only until the service seals it
    value_sealed bytea,
    set_aside_at timestamptz NOT NULL DEFAULT now(),
    sealed_at    timestamptz,
    CHECK (value_clear IS NULL OR value_sealed IS NULL)
);
CREATE INDEX set_aside_to_seal ON recovery.set_aside (id) WHERE value_clear IS NOT NULL;
CREATE INDEX set_aside_case ON recovery.set_aside (case_id);

CREATE FUNCTION recovery.code_of(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(lower(btrim(v)), '[[:space:]-]+', '_', 'g')
$$;

-- These lists are the code's enums, value for value (the migration tests compare them);
-- a new code is a new migration that replaces the function.
CREATE FUNCTION recovery.education_levels() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['pre_literate', 'beginner', 'elementary', 'intermediate', 'advanced',
                 'pre_a1', 'a1', 'a2', 'b1', 'b2', 'c1', 'c2',
                 'grade_1', 'grade_2', 'grade_3', 'grade_4', 'grade_5', 'grade_6',
                 'grade_7', 'grade_8', 'grade_9', 'grade_10', 'grade_11', 'grade_12']
$$;

CREATE FUNCTION recovery.skills() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['sewing_garment_factory', 'sewing_independent_seamstress', 'hairdressing',
                 'weaving', 'life_skills_cooking', 'life_skills_domestic_violence',
                 'life_skills_crafts', 'life_skills_jewellery', 'english', 'computer']
$$;

-- Education: classes and months.
ALTER TABLE recovery.education_classes
    ALTER COLUMN level DROP NOT NULL,
    ADD COLUMN level_set_aside text CHECK (level_set_aside IN ('not_a_level_code'));
ALTER TABLE recovery.education_attendance
    ALTER COLUMN level DROP NOT NULL,
    ADD COLUMN level_set_aside text CHECK (level_set_aside IN ('not_a_level_code'));

INSERT INTO recovery.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT case_id, 'education_class', class_id::text, 'level', 'not_a_level_code', level
FROM recovery.education_classes
WHERE recovery.code_of(level) <> ALL (recovery.education_levels());

INSERT INTO recovery.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT c.case_id, 'education_month', a.class_id::text || '/' || a.month::text, 'level',
       'not_a_level_code', a.level
FROM recovery.education_attendance a
JOIN recovery.education_classes c ON c.class_id = a.class_id
WHERE recovery.code_of(a.level) <> ALL (recovery.education_levels());

UPDATE recovery.education_classes SET
    level = CASE WHEN recovery.code_of(level) = ANY (recovery.education_levels())
                 THEN recovery.code_of(level) END,
    level_set_aside = CASE WHEN recovery.code_of(level) = ANY (recovery.education_levels())
                           THEN NULL ELSE 'not_a_level_code' END;
UPDATE recovery.education_attendance SET
    level = CASE WHEN recovery.code_of(level) = ANY (recovery.education_levels())
                 THEN recovery.code_of(level) END,
    level_set_aside = CASE WHEN recovery.code_of(level) = ANY (recovery.education_levels())
                           THEN NULL ELSE 'not_a_level_code' END;

ALTER TABLE recovery.education_classes
    ADD CONSTRAINT education_class_level_is_a_code
        CHECK (level = ANY (recovery.education_levels())),
    ADD CONSTRAINT education_class_level_or_reason
        CHECK ((level IS NULL) = (level_set_aside IS NOT NULL));
ALTER TABLE recovery.education_attendance
    ADD CONSTRAINT education_month_level_is_a_code
        CHECK (level = ANY (recovery.education_levels())),
    ADD CONSTRAINT education_month_level_or_reason
        CHECK ((level IS NULL) = (level_set_aside IS NOT NULL));

-- Certifying bodies: a declared list; the demo and early data wrote MoLVT for MLVT.
INSERT INTO recovery.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT case_id, 'enrolment', enrolment_id::text, 'certifying_body', 'not_a_certifying_body',
       certifying_body
FROM recovery.enrolments
WHERE certifying_body IS NOT NULL
  AND recovery.code_of(certifying_body) NOT IN ('mlvt', 'molvt', 'moeys', 'mosvy', 'ntb');

UPDATE recovery.enrolments SET certifying_body = CASE
    WHEN recovery.code_of(certifying_body) = 'molvt' THEN 'mlvt'
    WHEN recovery.code_of(certifying_body) IN ('mlvt', 'moeys', 'mosvy', 'ntb')
        THEN recovery.code_of(certifying_body)
    END
WHERE certifying_body IS NOT NULL;

ALTER TABLE recovery.enrolments
    ADD CONSTRAINT enrolment_certifying_body_is_a_code
        CHECK (certifying_body IN ('mlvt', 'moeys', 'mosvy', 'ntb'));

-- Hand-off skills: each element that is not a skill code is set aside, the others kept.
INSERT INTO recovery.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT r.case_id, 'handoff', r.case_id::text, 'skills', 'not_a_skill', s.skill
FROM recovery.residents r, unnest(r.skills) AS s (skill)
WHERE recovery.code_of(s.skill) <> ALL (recovery.skills());

UPDATE recovery.residents r SET skills = coalesce((
    SELECT array_agg(DISTINCT recovery.code_of(s.skill))
    FROM unnest(r.skills) AS s (skill)
    WHERE recovery.code_of(s.skill) = ANY (recovery.skills())
), '{}')
WHERE cardinality(r.skills) > 0;

ALTER TABLE recovery.residents
    ADD CONSTRAINT resident_skills_are_codes CHECK (skills <@ recovery.skills());

-- The audit trail is append-only and hash-chained: its rows stay as written (rewriting one
-- would break the chain `homeward audit verify` proves). A level typed there before levels
-- were codes is copied here to be sealed, and the auditors' route serves that key of those
-- rows as set aside (homeward_shared.audit_trail.register_coded_detail), so the clear value
-- is never served again, to anyone, erased or not.
INSERT INTO recovery.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT case_id, 'audit', seq::text, 'level', 'not_a_level_code', detail ->> 'level'
FROM recovery.audit
WHERE action IN ('class_started', 'attendance_recorded')
  AND case_id IS NOT NULL
  AND detail ? 'level'
  AND (detail ->> 'level') <> ALL (recovery.education_levels());

-- Centres: the province becomes its ISO 3166-2:KH code (common English spellings and the
-- ISO list's own), the languages ISO 639 codes. A province that maps to none is left empty
-- for an admin to set again (a centre's province is configuration, not about a woman).
ALTER TABLE recovery.centres ALTER COLUMN province DROP NOT NULL;
UPDATE recovery.centres c SET province = (
    SELECT p.code FROM (VALUES
        ('banteay meanchey', 'KH-1'), ('banteay mean choăy', 'KH-1'),
        ('battambang', 'KH-2'), ('baat dambang', 'KH-2'),
        ('kampong cham', 'KH-3'), ('kampong chaam', 'KH-3'), ('kompong cham', 'KH-3'),
        ('kampong chhnang', 'KH-4'), ('kampong speu', 'KH-5'), ('kampong spueu', 'KH-5'),
        ('kampong thom', 'KH-6'), ('kampong thum', 'KH-6'), ('kampot', 'KH-7'),
        ('kandal', 'KH-8'), ('kandaal', 'KH-8'), ('koh kong', 'KH-9'), ('kaoh kong', 'KH-9'),
        ('kratie', 'KH-10'), ('kracheh', 'KH-10'), ('mondulkiri', 'KH-11'),
        ('mondol kiri', 'KH-11'), ('phnom penh', 'KH-12'), ('preah vihear', 'KH-13'),
        ('prey veng', 'KH-14'), ('prey veaeng', 'KH-14'), ('pursat', 'KH-15'),
        ('pousaat', 'KH-15'), ('ratanakiri', 'KH-16'), ('rotanak kiri', 'KH-16'),
        ('siem reap', 'KH-17'), ('siem reab', 'KH-17'), ('preah sihanouk', 'KH-18'),
        ('sihanoukville', 'KH-18'), ('stung treng', 'KH-19'), ('stueng traeng', 'KH-19'),
        ('svay rieng', 'KH-20'), ('svaay rieng', 'KH-20'), ('takeo', 'KH-21'),
        ('taakaev', 'KH-21'), ('oddar meanchey', 'KH-22'), ('otdar mean chey', 'KH-22'),
        ('kep', 'KH-23'), ('kaeb', 'KH-23'), ('pailin', 'KH-24'), ('tbong khmum', 'KH-25')
    ) AS p (name, code) WHERE p.name = lower(btrim(c.province))
)
WHERE c.province !~ '^KH-[0-9]{1,2}$';
UPDATE recovery.centres SET languages = coalesce((
    SELECT array_agg(DISTINCT lower(btrim(l))) FROM unnest(languages) AS l
    WHERE lower(btrim(l)) ~ '^[a-z]{2,3}$'
), '{}');
ALTER TABLE recovery.centres
    ADD CONSTRAINT centre_province_is_a_code CHECK (province ~ '^KH-[0-9]{1,2}$'),
    ADD CONSTRAINT centre_languages_are_codes
        CHECK (array_to_string(languages, ',') ~ '^([a-z]{2,3}(,[a-z]{2,3})*)?$');

-- A centre's name is typed text: sealed under the centre's own key (name_sealed). The clear
-- names written so far are sealed by the service when it starts (seal_centre_names), which
-- empties the clear column.
ALTER TABLE recovery.centres
    ALTER COLUMN name DROP NOT NULL,
    ADD COLUMN name_sealed bytea;

-- The language a placement or a rescue named: ISO 639 codes only from now on; anything else
-- that was written is set aside like the rest.
INSERT INTO recovery.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT case_id, 'admission_request', case_id::text, 'language', 'not_a_language_code', language
FROM recovery.admission_requests
WHERE language IS NOT NULL AND lower(btrim(language)) !~ '^[a-z]{2,3}$';
UPDATE recovery.admission_requests SET language = CASE
    WHEN lower(btrim(language)) ~ '^[a-z]{2,3}$' THEN lower(btrim(language)) END
WHERE language IS NOT NULL;
ALTER TABLE recovery.admission_requests
    ADD CONSTRAINT admission_request_language_is_a_code CHECK (language ~ '^[a-z]{2,3}$');
