-- The retention job reads a shop's messages that still have a body, oldest first, in
-- batches (`FORGET_SOME` in stores.py).  An index over every message by time made each
-- pass walk the rows earlier passes had already emptied (a year of them, hourly); this
-- one holds only the messages with a body, so a pass reads what it empties.
DROP INDEX IF EXISTS messages_by_shop_time;
CREATE INDEX messages_with_body ON messages (shop_id, at) WHERE body <> '';
