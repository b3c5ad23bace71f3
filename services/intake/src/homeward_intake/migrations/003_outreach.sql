-- Outreach counts for the impact report: the area in clear and numbers, nobody's identity.
CREATE TABLE intake.outreach_activities (
    activity_id                 uuid PRIMARY KEY,
    idempotency_key             text        NOT NULL UNIQUE,
    on_date                     date        NOT NULL,
    province                    text        NOT NULL,
    district                    text,
    entertainment_areas_visited integer     NOT NULL CHECK (entertainment_areas_visited >= 0),
    clinic_consultations        integer     NOT NULL CHECK (clinic_consultations >= 0),
    educational_contacts        integer     NOT NULL CHECK (educational_contacts >= 0),
    recorded_at                 timestamptz NOT NULL,
    recorded_by                 text        NOT NULL
);
CREATE INDEX outreach_activities_by_day ON intake.outreach_activities (on_date);
