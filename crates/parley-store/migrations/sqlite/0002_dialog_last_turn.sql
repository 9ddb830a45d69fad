-- The token of the turn that last updated the dialog. A group commit updates many dialogs in one
-- statement and then inserts only the messages and answers of the turns whose token it wrote, so
-- a turn whose version check failed writes nothing (its dialog may still reach the version it
-- expected to write, through another turn).
ALTER TABLE dialogs ADD COLUMN last_turn INTEGER;
