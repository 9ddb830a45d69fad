-- Outbound campaigns: the campaign, its queue (one entry per dialog), bulk uploads staged before
-- they are queued, call records with their recordings, and the do-not-call list. The company is
-- copied into every row so each read is scoped without a join. A queue entry's `history` is a JSON
-- array of {"outcome": stable name, "ended_at": unix ms}; a campaign's `retry` the retry policy as
-- JSON (NULL = the agent's). Phones are E.164 digits without `+`.

CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid              BLOB    NOT NULL,
    company_id        INTEGER NOT NULL,
    agent_id          INTEGER NOT NULL,
    name              TEXT    NOT NULL,
    selection         BOOLEAN NOT NULL,
    state             TEXT    NOT NULL,
    starts_at         INTEGER,
    ends_at           INTEGER,
    daily_from        INTEGER, -- seconds since midnight
    daily_to          INTEGER, -- seconds since midnight
    retry             TEXT,
    calls_per_second  INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    completed_at      INTEGER,
    UNIQUE (company_id, id),
    UNIQUE (company_id, uuid),
    FOREIGN KEY (company_id, agent_id) REFERENCES agents (company_id, id) ON DELETE CASCADE
);
CREATE INDEX campaigns_agent ON campaigns (company_id, agent_id, id);
CREATE INDEX campaigns_state ON campaigns (state, id);

CREATE TABLE campaign_queue (
    dialog_id     INTEGER PRIMARY KEY REFERENCES dialogs (id) ON DELETE CASCADE,
    dialog_uuid   BLOB    NOT NULL,
    company_id    INTEGER NOT NULL,
    campaign_id   INTEGER NOT NULL,
    agent_id      INTEGER NOT NULL,
    phone         TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    history       TEXT    NOT NULL,
    next_at       INTEGER NOT NULL,
    finish_reason TEXT,
    external_id   TEXT,
    lease_owner   TEXT,
    lease_until   INTEGER,
    call_uuid     BLOB,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX campaign_queue_external ON campaign_queue (campaign_id, external_id)
    WHERE external_id IS NOT NULL;
-- The dialer's due query (per running campaign), counts and listings by campaign.
CREATE INDEX campaign_queue_due ON campaign_queue (campaign_id, state, next_at);
-- Across campaigns: expired leases and a node's leases (state 'dialing').
CREATE INDEX campaign_queue_state ON campaign_queue (state, next_at);
-- An agent's calls under way (its channel limit) and its waiting entries.
CREATE INDEX campaign_queue_agent ON campaign_queue (agent_id, state);

CREATE TABLE calls (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         BLOB    NOT NULL UNIQUE,
    company_id   INTEGER NOT NULL,
    agent_id     INTEGER NOT NULL,
    campaign_id  INTEGER,
    dialog_id    INTEGER NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    dialog_uuid  BLOB    NOT NULL,
    attempt      INTEGER NOT NULL,
    phone        TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    ended_at     INTEGER NOT NULL,
    bot_ms       INTEGER NOT NULL,
    operator_ms  INTEGER NOT NULL,
    transferred  BOOLEAN NOT NULL,
    price_minor  INTEGER NOT NULL,
    result       TEXT,
    transcript   TEXT    NOT NULL,
    -- The last line of defence against dialing one attempt twice.
    UNIQUE (dialog_id, attempt)
);
CREATE INDEX calls_company ON calls (company_id, started_at);
CREATE INDEX calls_campaign ON calls (company_id, campaign_id, started_at);
CREATE INDEX calls_agent ON calls (company_id, agent_id, started_at);

CREATE TABLE call_recordings (
    call_id      INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    bytes        BLOB    NOT NULL
);

CREATE TABLE do_not_call (
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    phone      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, phone)
) WITHOUT ROWID;

CREATE TABLE upload_tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid        BLOB    NOT NULL UNIQUE,
    company_id  INTEGER NOT NULL,
    campaign_id INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    processed   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id) ON DELETE CASCADE
);
CREATE INDEX upload_tasks_unfinished ON upload_tasks (id) WHERE finished_at IS NULL;
CREATE INDEX upload_tasks_campaign ON upload_tasks (campaign_id) WHERE finished_at IS NULL;

-- Rows as received (`variables` JSON), numbered from 0.
CREATE TABLE upload_rows (
    task_id     INTEGER NOT NULL REFERENCES upload_tasks (id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    phone       TEXT    NOT NULL,
    entry       TEXT,
    variables   TEXT    NOT NULL,
    external_id TEXT,
    PRIMARY KEY (task_id, row_number)
);

-- What became of each row: queued (dialog_uuid, empty message) or rejected (message).
CREATE TABLE upload_results (
    task_id     INTEGER NOT NULL REFERENCES upload_tasks (id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    phone       TEXT    NOT NULL,
    dialog_uuid BLOB,
    message     TEXT    NOT NULL,
    PRIMARY KEY (task_id, row_number)
);
