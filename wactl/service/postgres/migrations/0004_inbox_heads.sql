-- The inbox's queue heads: one row per conversation with rows waiting, naming its
-- oldest (`first_id`) and holding the conversation's lease.  A claim reads heads in
-- arrival order through `inbox_heads_order`, so its cost does not grow with a backlog:
-- a stranger flooding one conversation with 100,000 messages slows no one else.
CREATE TABLE inbox_heads (
    shop_id     text COLLATE "C" NOT NULL,
    wa_id       text COLLATE "C" NOT NULL,
    first_id    bigint,                                 -- NULL: nothing waits (row kept)
    lease_owner text,
    lease_until timestamptz,
    PRIMARY KEY (shop_id, wa_id)
);
CREATE INDEX inbox_heads_order ON inbox_heads (first_id) WHERE first_id IS NOT NULL;

INSERT INTO inbox_heads (shop_id, wa_id, first_id)
SELECT shop_id, wa_id, min(id) FROM inbox GROUP BY shop_id, wa_id;
