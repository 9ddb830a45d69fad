-- Call statistics (Twin24 `search/cis/calls`): the filters clients use most, each with the
-- period column after it, so a filtered page of one period is an index range. Filters by
-- campaign (`calls_campaign`), agent (`calls_agent`) and start time (`calls_company`) already
-- have theirs; sessions and `isFinished` look for later attempts on UNIQUE (dialog_id, attempt).
CREATE INDEX calls_phone ON calls (company_id, phone, started_at);
CREATE INDEX calls_outcome ON calls (company_id, outcome, started_at);
CREATE INDEX calls_ended ON calls (company_id, ended_at);
