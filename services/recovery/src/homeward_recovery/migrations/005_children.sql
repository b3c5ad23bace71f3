-- Her children staying with her; who they are is sealed under her case key.
CREATE TABLE recovery.children (
    child_id          uuid PRIMARY KEY,
    case_id           uuid    NOT NULL REFERENCES recovery.residents (case_id),
    centre            text    NOT NULL REFERENCES recovery.centres (code),
    registered_on     date    NOT NULL,
    in_childcare      boolean NOT NULL,
    name_sealed       bytea,
    birth_date_sealed bytea
);
CREATE INDEX children_by_case ON recovery.children (case_id);
