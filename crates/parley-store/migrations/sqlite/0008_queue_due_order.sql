-- PostgreSQL's 0008 adds dialog_id to the dialer's due index so entries due at one instant come
-- out in (next_at, dialog_id) order without a sort. SQLite's campaign_queue_due already ends in
-- the rowid, which is dialog_id (INTEGER PRIMARY KEY): nothing to change here. The migration
-- exists so both dialects keep the same numbering.
SELECT 1;
