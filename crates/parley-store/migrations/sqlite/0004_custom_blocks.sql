-- Runs of external custom blocks (Bot.one's Vertex): one row per time a dialog reached a
-- `custom` block with a URL, keyed by the id of the token its service received. A run is live
-- until it is finished (completed, superseded by a later run of the dialog, or undeliverable)
-- or expires. The company is copied from the dialog so every read is scoped without a join.
CREATE TABLE custom_runs (
    token_id     TEXT    NOT NULL PRIMARY KEY,
    company_id   INTEGER NOT NULL,
    dialog_id    INTEGER NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    block        TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    params       TEXT    NOT NULL,
    typing       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    finished_at  INTEGER
);
CREATE INDEX custom_runs_dialog ON custom_runs (dialog_id, created_at);
