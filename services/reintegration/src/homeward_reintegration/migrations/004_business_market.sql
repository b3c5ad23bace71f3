-- The market assessment for her small business, where she wants one.
ALTER TABLE reintegration.assessments
    ADD COLUMN business_kind   text,
    ADD COLUMN business_market text,
    ADD CONSTRAINT business_assessed_when_wanted CHECK (
        NOT wants_business OR (business_kind IS NOT NULL AND business_market IS NOT NULL)
    ) NOT VALID;
