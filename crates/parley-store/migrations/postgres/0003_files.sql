-- Files a customer uploaded into a dialog, bytes included (uploads are capped at a few MiB by
-- the API). The company is copied from the dialog so every read is scoped without a join.
CREATE TABLE files (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid         UUID    NOT NULL,
    company_id   BIGINT  NOT NULL,
    dialog_id    BIGINT  NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    bytes        BYTEA   NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, uuid)
);
CREATE INDEX files_dialog ON files (dialog_id, id);
