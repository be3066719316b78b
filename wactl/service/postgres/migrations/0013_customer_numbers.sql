-- The shop's number each customer last wrote to (wactl.service.numbers), so a shop with
-- several numbers answers from the one the customer is talking to.  Noted only for
-- shops with more than one active number; forgetting a customer deletes the row.
CREATE TABLE customer_numbers (
    shop_id         text COLLATE "C" NOT NULL,
    wa_id           text COLLATE "C" NOT NULL,
    phone_number_id text COLLATE "C" NOT NULL,
    seen_at         timestamptz NOT NULL,
    PRIMARY KEY (shop_id, wa_id)
);
