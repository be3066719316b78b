-- The inbox: events received from WhatsApp, kept before the webhook answers 200 and
-- claimed by workers per conversation in arrival order (wactl.runtime.inbox).
CREATE TABLE inbox (
    id          bigserial PRIMARY KEY,                  -- arrival order
    shop_id     text COLLATE "C" NOT NULL,
    wa_id       text COLLATE "C" NOT NULL,
    event       text NOT NULL,                          -- JSON of event_to_data (NUL-safe)
    received_at timestamptz NOT NULL,
    lease_owner text,
    lease_until timestamptz
);
CREATE INDEX inbox_by_conversation ON inbox (shop_id, wa_id, id);
CREATE INDEX inbox_leased ON inbox (shop_id, wa_id, lease_until) WHERE lease_until IS NOT NULL;
