-- Fields that were free text become codes (issue 16): hand-off skills, kit items, the
-- receiving partner (now a code from a register admins keep), approvers' user ids. A value
-- that maps to a code (trimmed, lower case, spaces and hyphens as underscores) becomes that
-- code. Anything else is set aside: it leaves the clear column and waits in
-- reintegration.set_aside, which the service seals under her case key when it starts
-- (homeward_shared.set_aside), keeping only the ciphertext. Nothing is lost, and an erased
-- woman's set-aside value goes with her key.

CREATE TABLE reintegration.set_aside (
    id           bigserial   PRIMARY KEY,
    case_id      uuid        NOT NULL,
    record       text        NOT NULL,  -- case, disbursement
    record_id    text        NOT NULL,
    field        text        NOT NULL,
    reason       text        NOT NULL,  -- not_a_skill, not_a_kit_item, not_a_partner_code, not_a_user_id
    value_clear  text,                  -- only until the service seals it
    value_sealed bytea,
    set_aside_at timestamptz NOT NULL DEFAULT now(),
    sealed_at    timestamptz,
    CHECK (value_clear IS NULL OR value_sealed IS NULL)
);
CREATE INDEX set_aside_to_seal ON reintegration.set_aside (id) WHERE value_clear IS NOT NULL;
CREATE INDEX set_aside_case ON reintegration.set_aside (case_id);

CREATE FUNCTION reintegration.code_of(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(lower(btrim(v)), '[[:space:]-]+', '_', 'g')
$$;

-- These lists are the code's enums, value for value (the migration tests compare them);
-- a new code is a new migration that replaces the function.
CREATE FUNCTION reintegration.skills() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['sewing_garment_factory', 'sewing_independent_seamstress', 'hairdressing',
                 'weaving', 'life_skills_cooking', 'life_skills_domestic_violence',
                 'life_skills_crafts', 'life_skills_jewellery', 'english', 'computer']
$$;

CREATE FUNCTION reintegration.kit_items() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['sewing_machine', 'fabric_stock', 'thread_stock', 'loom', 'yarn_stock',
                 'hair_dryer', 'salon_chair', 'shampoo_stock', 'hairdressing_tools',
                 'cooking_equipment', 'food_stall_cart', 'grocery_stock', 'livestock',
                 'animal_feed', 'seeds_and_tools', 'craft_materials', 'jewellery_materials',
                 'bicycle', 'rice', 'food_supplies', 'health_supplies', 'hygiene_kit',
                 'school_supplies', 'other']
$$;

-- An item as first typed, and the code it means: the code itself, or a common short form.
CREATE FUNCTION reintegration.kit_item_of(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN reintegration.code_of(v) = ANY (reintegration.kit_items())
            THEN reintegration.code_of(v)
        WHEN reintegration.code_of(v) IN ('fabric', 'cloth') THEN 'fabric_stock'
        WHEN reintegration.code_of(v) = 'thread' THEN 'thread_stock'
        WHEN reintegration.code_of(v) = 'yarn' THEN 'yarn_stock'
        WHEN reintegration.code_of(v) = 'shampoo' THEN 'shampoo_stock'
    END
$$;

-- Hand-off skills: each element that is not a skill code is set aside, the others kept.
INSERT INTO reintegration.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT c.case_id, 'case', c.case_id::text, 'skills', 'not_a_skill', s.skill
FROM reintegration.cases c, unnest(c.skills) AS s (skill)
WHERE reintegration.code_of(s.skill) <> ALL (reintegration.skills());

UPDATE reintegration.cases c SET skills = coalesce((
    SELECT array_agg(DISTINCT reintegration.code_of(s.skill))
    FROM unnest(c.skills) AS s (skill)
    WHERE reintegration.code_of(s.skill) = ANY (reintegration.skills())
), '{}')
WHERE cardinality(c.skills) > 0;

ALTER TABLE reintegration.cases
    ADD CONSTRAINT case_skills_are_codes CHECK (skills <@ reintegration.skills());

-- Kit items.
INSERT INTO reintegration.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT d.case_id, 'disbursement', d.disbursement_id::text, 'items', 'not_a_kit_item', i.item
FROM reintegration.disbursements d, unnest(d.items) AS i (item)
WHERE reintegration.kit_item_of(i.item) IS NULL;

UPDATE reintegration.disbursements d SET items = coalesce((
    SELECT array_agg(DISTINCT reintegration.kit_item_of(i.item))
    FROM unnest(d.items) AS i (item)
    WHERE reintegration.kit_item_of(i.item) IS NOT NULL
), '{}')
WHERE cardinality(d.items) > 0;

ALTER TABLE reintegration.disbursements
    ADD CONSTRAINT disbursement_items_are_codes CHECK (items <@ reintegration.kit_items());

-- Approvers are staff user ids (an id, never a name typed in their place).
ALTER TABLE reintegration.disbursements ALTER COLUMN approved_by DROP NOT NULL;

INSERT INTO reintegration.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT case_id, 'disbursement', disbursement_id::text, f.field, 'not_a_user_id', f.value
FROM reintegration.disbursements,
     LATERAL (VALUES ('approved_by', approved_by),
                     ('second_kit_approved_by', second_kit_approved_by)) AS f (field, value)
WHERE f.value IS NOT NULL AND f.value !~ '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$';

UPDATE reintegration.disbursements SET approved_by = NULL
WHERE approved_by !~ '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$';
UPDATE reintegration.disbursements SET second_kit_approved_by = NULL
WHERE second_kit_approved_by !~ '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$';

ALTER TABLE reintegration.disbursements
    ADD CONSTRAINT disbursement_approvers_are_user_ids CHECK (
        approved_by ~ '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$'
        AND second_kit_approved_by ~ '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$'
    );

-- Partner organisations, registered by an admin (PUT /partners/{code}). The display name is
-- sealed under the partner's own key (homeward_reintegration.domain.partners.partner_key).
CREATE TABLE reintegration.partners (
    code          text        PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,31}$'),
    kind          text        NOT NULL CHECK (kind IN ('ngo', 'government_agency', 'un_agency',
                                                      'social_enterprise', 'employer', 'other')),
    country       text        CHECK (country ~ '^[A-Z]{2}$'),
    active        boolean     NOT NULL DEFAULT true,
    name_sealed   bytea,
    registered_by text        NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- A receiving partner already written as a code stays, registered here for an admin to
-- complete (kind other, no name); anything else is set aside.
INSERT INTO reintegration.partners (code, kind, country, registered_by)
SELECT DISTINCT ON (receiving_partner) receiving_partner, 'other', destination_country,
       'migration_005'
FROM reintegration.cases
WHERE receiving_partner ~ '^[A-Z][A-Z0-9_]{1,31}$'
ORDER BY receiving_partner, destination_country;

INSERT INTO reintegration.set_aside (case_id, record, record_id, field, reason, value_clear)
SELECT case_id, 'case', case_id::text, 'receiving_partner', 'not_a_partner_code',
       receiving_partner
FROM reintegration.cases
WHERE receiving_partner IS NOT NULL AND receiving_partner !~ '^[A-Z][A-Z0-9_]{1,31}$';

UPDATE reintegration.cases SET receiving_partner = NULL
WHERE receiving_partner !~ '^[A-Z][A-Z0-9_]{1,31}$';

ALTER TABLE reintegration.cases
    ADD CONSTRAINT case_receiving_partner_is_registered
        FOREIGN KEY (receiving_partner) REFERENCES reintegration.partners (code),
    ADD CONSTRAINT case_destination_country_is_a_code CHECK (destination_country ~ '^[A-Z]{2}$');
