-- The token of the turn that last updated the dialog, used by SQLite's group commit to tell which
-- turns of a batch passed their version check. PostgreSQL saves a turn in one statement and
-- leaves it NULL; the column exists so both schemas stay alike.
ALTER TABLE dialogs ADD COLUMN last_turn BIGINT;
