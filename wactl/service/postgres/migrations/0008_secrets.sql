-- Secrets at rest (wactl.service.postgres.secrets): a number's WhatsApp access token and
-- a shop's flow secrets, each stored only as a keyring token (wactl.service.crypto:
-- `v1.<key_id>.<base64url>`), never as plaintext.  Rotation rewrites these columns in
-- place, batch by batch, so no other table refers to a value.

ALTER TABLE accounts ADD COLUMN access_token text;   -- ciphertext; NULL: none set
ALTER TABLE accounts ADD COLUMN webhook_url text;

CREATE TABLE shop_secrets (
    shop_id    text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    value      text NOT NULL,                          -- ciphertext
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, name)
);
