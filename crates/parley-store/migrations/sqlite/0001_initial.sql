-- Parley's schema on SQLite: every tenant row carries company_id (or hangs off a parent that does
-- and is checked in the query). Timestamps are INTEGER unix milliseconds (UTC), UUIDs 16-byte BLOBs,
-- JSON (dialog state, inputs, buttons, answers) TEXT. Children of agents reference
-- agents(company_id, id), so a child can never belong to another company than its agent.
-- Messages and answers use plain INTEGER PRIMARY KEY (no AUTOINCREMENT bookkeeping on the hot path).

CREATE TABLE secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       BLOB    NOT NULL UNIQUE,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid          BLOB    NOT NULL UNIQUE,
    company_id    INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (company_id, id)
);

CREATE TABLE refresh_tokens (
    jti        TEXT    NOT NULL PRIMARY KEY,
    company_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (company_id, user_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE agents (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                  BLOB    NOT NULL,
    company_id            INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    channel               TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    description           TEXT    NOT NULL,
    language              TEXT    NOT NULL,
    timezone              TEXT    NOT NULL,
    delay_seconds         INTEGER NOT NULL,
    recall_count          INTEGER NOT NULL,
    trunk_name            TEXT    NOT NULL,
    flag                  TEXT    NOT NULL,
    record_path           TEXT    NOT NULL,
    routing_channel_limit INTEGER NOT NULL,
    total_channel_limit   INTEGER NOT NULL,
    pool_name             TEXT    NOT NULL,
    asr                   TEXT    NOT NULL,
    tts                   TEXT    NOT NULL,
    speed                 REAL,
    pitch                 REAL,
    emotion               TEXT,
    record_storage_days   INTEGER NOT NULL,
    scenario_version      INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    UNIQUE (company_id, id),
    UNIQUE (company_id, uuid)
);

CREATE TABLE agent_scenarios (
    agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, version)
);

CREATE TABLE input_variables (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       BLOB    NOT NULL,
    company_id INTEGER NOT NULL,
    agent_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    synthesis  BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (agent_id, name),
    UNIQUE (company_id, uuid),
    FOREIGN KEY (company_id, agent_id) REFERENCES agents (company_id, id) ON DELETE CASCADE
);
CREATE INDEX input_variables_agent ON input_variables (company_id, agent_id, id);

CREATE TABLE output_variables (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       BLOB    NOT NULL,
    company_id INTEGER NOT NULL,
    agent_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    cell       INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (agent_id, name),
    UNIQUE (company_id, uuid),
    FOREIGN KEY (company_id, agent_id) REFERENCES agents (company_id, id) ON DELETE CASCADE
);
CREATE INDEX output_variables_agent ON output_variables (company_id, agent_id, id);

CREATE TABLE time_slots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       BLOB    NOT NULL,
    company_id INTEGER NOT NULL,
    agent_id   INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    not_before INTEGER NOT NULL, -- seconds since midnight
    not_after  INTEGER NOT NULL, -- seconds since midnight
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, uuid),
    FOREIGN KEY (company_id, agent_id) REFERENCES agents (company_id, id) ON DELETE CASCADE
);
CREATE INDEX time_slots_agent ON time_slots (company_id, agent_id, day, not_before);

CREATE TABLE credentials (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       BLOB    NOT NULL,
    company_id INTEGER NOT NULL,
    agent_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    key_type   TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, uuid),
    FOREIGN KEY (company_id, agent_id) REFERENCES agents (company_id, id) ON DELETE CASCADE
);
CREATE INDEX credentials_agent ON credentials (company_id, agent_id, key_type);

CREATE TABLE dialogs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid             BLOB    NOT NULL,
    company_id       INTEGER NOT NULL,
    agent_id         INTEGER NOT NULL,
    scenario_version INTEGER NOT NULL,
    channel          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    entry            TEXT    NOT NULL,
    inputs           TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    result           TEXT,
    operator_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    source           TEXT    NOT NULL,
    ip               TEXT,
    location         TEXT,
    error            TEXT,
    version          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    ended_at         INTEGER,
    UNIQUE (company_id, uuid),
    FOREIGN KEY (company_id, agent_id) REFERENCES agents (company_id, id) ON DELETE CASCADE
);
-- Secondary indexes carry the rowid, so these also order ties by id.
CREATE INDEX dialogs_company_id ON dialogs (company_id, id);
CREATE INDEX dialogs_created ON dialogs (company_id, created_at);
CREATE INDEX dialogs_updated ON dialogs (company_id, updated_at);
CREATE INDEX dialogs_agent ON dialogs (company_id, agent_id, created_at);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    uuid        BLOB    NOT NULL,
    dialog_id   INTEGER NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    sender      TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    buttons     TEXT,
    button_id   TEXT,
    operator_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX messages_dialog ON messages (dialog_id, id);

CREATE TABLE answers (
    id         INTEGER PRIMARY KEY,
    dialog_id  INTEGER NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    variable   TEXT    NOT NULL,
    question   TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL
);
CREATE INDEX answers_dialog ON answers (dialog_id, id);
