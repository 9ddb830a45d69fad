-- A contact may come with its callee's zone (Twin24 candidates' `timezone`), which then decides
-- its calling hours instead of the zone of its number: an IANA name, NULL = from the number.
ALTER TABLE campaign_queue ADD COLUMN zone TEXT;
