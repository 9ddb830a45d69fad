-- Files a customer uploaded into a dialog, bytes included (uploads are capped at a few MiB by
-- the API). The company is copied from the dialog so every read is scoped without a join.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         BLOB    NOT NULL,
    company_id   INTEGER NOT NULL,
    dialog_id    INTEGER NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    bytes        BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (company_id, uuid)
);
CREATE INDEX files_dialog ON files (dialog_id, id);
