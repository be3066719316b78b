-- Shops of the management API and their API keys; consent's time and source on customers.
--
-- A key is shown once when created: only the SHA-256 of its secret part is kept (the
-- secret is 256 random bits, so a fast hash is as good as a slow one here), looked up
-- by its public id.

CREATE TABLE shops (
    shop_id    text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    key_id     text COLLATE "C" PRIMARY KEY,
    shop_id    text COLLATE "C" NOT NULL REFERENCES shops (shop_id),
    name       text NOT NULL DEFAULT '',
    hash       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX api_keys_by_shop ON api_keys (shop_id);

ALTER TABLE customers ADD COLUMN consent_at timestamptz, ADD COLUMN consent_source text;
