CREATE TABLE recovery.education_classes (
    class_id   uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES recovery.residents (case_id),
    centre     text NOT NULL REFERENCES recovery.centres (code),
    subject    text NOT NULL
        CHECK (subject IN ('literacy_maths', 'khmer', 'english', 'computer', 'state_school')),
    level      text NOT NULL,
    started_on date NOT NULL,
    ended_on   date CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE UNIQUE INDEX education_one_open_per_subject ON recovery.education_classes (case_id, subject)
    WHERE ended_on IS NULL;

CREATE TABLE recovery.education_attendance (
    class_id uuid    NOT NULL REFERENCES recovery.education_classes (class_id),
    month    date    NOT NULL CHECK (extract(day FROM month) = 1),
    attended integer NOT NULL CHECK (attended >= 0),
    held     integer NOT NULL CHECK (held >= attended),
    level    text    NOT NULL,
    PRIMARY KEY (class_id, month)
);
