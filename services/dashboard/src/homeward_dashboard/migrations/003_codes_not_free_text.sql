-- Codes, not free text (issue 16). The read model copied what the events carried, and until
-- the contracts enforced codes an intake officer could type any placement reason (it came on
-- case.stage_changed) and any outreach province or district (on figure.recorded); both
-- reached the impact report. Each existing dimension value becomes a code, or is set aside:
--
-- - a province written as a known name ("Phnom Penh", "Siem Reab") becomes its ISO
--   3166-2:KH code; any other text is removed from the fact's dimensions;
-- - a district that is not a four-digit district code is removed;
-- - a stage fact's reason that is no stage reason code (homeward_shared.contracts.stage) is
--   removed;
-- - any other dimension value that is not code-shaped (letters, digits, '_' and '-', at
--   most 64) is removed.
--
-- The fact itself stays (it still counts, under "unknown" for that breakdown), and every
-- removed value gets a row in dashboard.set_aside (the fact's event id and metric, the
-- dimension's name, a reason code): the value is dropped, never kept in clear. Replaying
-- the topics (python -m homeward_dashboard.rebuild) gives the same answer: an event whose
-- reason or area is not a code now fails its contract and goes to the dead-letter topic.

-- dashboard.set_aside records every value a migration could not turn into a code: which
-- table, row and column, and why (a reason code). The value itself is dropped, never kept
-- in clear (it may be a name typed where a code belonged); the row says that something was
-- there, so nothing is lost without a trace. Nothing here is personal: ids and codes.
CREATE TABLE dashboard.set_aside (
    set_aside_id bigserial   PRIMARY KEY,
    table_name   text        NOT NULL,
    row_key      text        NOT NULL,   -- the row's primary key (ids only)
    column_name  text        NOT NULL,
    reason       text        NOT NULL CHECK (reason IN ('not_a_code', 'not_in_province')),
    migration    text        NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now()
);

UPDATE dashboard.figure_facts
    SET dims = jsonb_set(
        dims, '{province}', to_jsonb(dashboard.kh_province_code(dims->>'province'))
    )
    WHERE dims ? 'province' AND dashboard.kh_province_code(dims->>'province') IS NOT NULL;

WITH removed AS (
    SELECT event_id, metric, d.key AS dimension
    FROM dashboard.figure_facts f, jsonb_each_text(f.dims) AS d
    WHERE (d.key = 'province' AND d.value !~ '^KH-([1-9]|1[0-9]|2[0-5])$')
       OR (d.key = 'district' AND NOT dashboard.kh_district_ok(d.value, NULL))
       OR (d.key = 'reason' AND f.metric LIKE 'stage\_%' AND d.value NOT IN (
        'walk_in_needs_shelter', 'needs_shelter_now', 'police_referral',
        'partner_referral', 'repatriated', 'left_exploitation', 'not_trafficking',
        'insufficient_information', 'duplicate', 'referred_elsewhere', 'out_of_area',
        'unfounded', 'rescue_operation', 'placement', 'rescue', 'transfer', 'readmission',
        'wished_to_return_home', 'wished_to_work', 'family_took_her_home',
        'did_not_accept_house_rules', 'left_without_notice', 'other', 'reunification',
        'independent_resettlement', 'repatriation', 'follow_up_completed', 'moved_away',
        'lost_contact', 'consent_withdrawn', 'transferred', 'reopened_contact_restored',
        'reopened_new_safety_concern', 'reopened_returned_to_programme',
        'reopened_closed_in_error'))
       OR d.value !~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'
       OR d.key !~ '^[a-z][a-z0-9_]{0,63}$'
), logged AS (
INSERT INTO dashboard.set_aside (table_name, row_key, column_name, reason, migration)
    SELECT 'figure_facts', event_id::text || '/' || metric, 'dims.' || dimension,
           'not_a_code', '003'
    FROM removed
)
UPDATE dashboard.figure_facts f SET dims = f.dims - r.dimensions
    FROM (
        SELECT event_id, metric, array_agg(dimension) AS dimensions
        FROM removed GROUP BY event_id, metric
    ) r
    WHERE f.event_id = r.event_id AND f.metric = r.metric;
