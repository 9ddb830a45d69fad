-- One URL's webhook events go out oldest first: the delivery loop takes a pending row only when
-- no older pending row of the same URL is waiting for a later instant (backing off after a
-- failure, or leased to a round still posting it). This index answers that check from the
-- URL's pending rows alone, however large the rest of the outbox is.
CREATE INDEX webhook_outbox_url_order ON webhook_outbox (url, id) WHERE state = 'pending';
