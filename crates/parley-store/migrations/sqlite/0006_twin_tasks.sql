-- Twin24 call tasks: what a campaign carries beyond the common columns (its webhook targets and a
-- pace slower than one call per second), each contact's `callbackData`, and the webhook outbox.
-- `webhooks` is a JSON array of {"url", "events": [names] | null (every event)}; `callback_data`
-- the contact's JSON as received. The outbox holds one row per event and target URL, written in
-- the transaction that records what it reports; `next_at` is its next delivery attempt, and
-- each attempt made is kept in `webhook_attempts`.

CREATE TABLE campaign_hooks (
    campaign_id      INTEGER PRIMARY KEY,
    company_id       INTEGER NOT NULL,
    webhooks         TEXT    NOT NULL,
    seconds_per_call INTEGER,
    FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id) ON DELETE CASCADE
);

CREATE TABLE contact_callbacks (
    dialog_id     INTEGER PRIMARY KEY REFERENCES dialogs (id) ON DELETE CASCADE,
    company_id    INTEGER NOT NULL,
    callback_data TEXT    NOT NULL
);

CREATE TABLE webhook_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    campaign_id  INTEGER,
    event        TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL, -- pending, delivered, failed
    attempts     INTEGER NOT NULL,
    next_at      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error   TEXT
);
-- The delivery loop's due query, and listings per company.
CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_at);
CREATE INDEX webhook_outbox_company ON webhook_outbox (company_id, id);

CREATE TABLE webhook_attempts (
    delivery_id INTEGER NOT NULL REFERENCES webhook_outbox (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
