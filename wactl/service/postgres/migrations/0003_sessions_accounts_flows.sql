-- Conversations as sessions (wactl.runtime.sessions), the WhatsApp numbers of shops, and
-- every flow version a shop served.
--
-- A session is (shop, customer, number): Active until 24 h pass without an inbound
-- message, or closed.  Each message row names the session it was logged in.

CREATE TABLE sessions (
    shop_id         text COLLATE "C" NOT NULL,
    wa_id           text COLLATE "C" NOT NULL,
    number          integer NOT NULL,
    status          text NOT NULL CHECK (status IN ('active', 'expired', 'closed')),
    opened_at       timestamptz NOT NULL,
    last_message_at timestamptz NOT NULL,
    last_inbound_at timestamptz,
    closed_at       timestamptz,
    closed_by       text,
    assigned_to     text,
    tags            text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (shop_id, wa_id, number)
);
-- The original service's "conversations by shop and status" (newest activity first).
CREATE INDEX sessions_by_status ON sessions (shop_id, status, last_message_at);
-- The expiry job's candidates: active sessions by the time their window counts from.
CREATE INDEX sessions_stale ON sessions (shop_id, (coalesce(last_inbound_at, opened_at)))
    WHERE status = 'active';

ALTER TABLE messages ADD COLUMN conversation integer NOT NULL DEFAULT 0;
CREATE INDEX messages_by_session ON messages (shop_id, wa_id, conversation, at);
-- Retention walks messages by time within a shop.
CREATE INDEX messages_by_shop_time ON messages (shop_id, at);

CREATE TABLE accounts (
    phone_number_id text COLLATE "C" PRIMARY KEY,    -- one shop per number
    shop_id         text COLLATE "C" NOT NULL,
    display_phone   text NOT NULL DEFAULT '',
    tier            integer,                         -- NULL: unlimited
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_by_shop ON accounts (shop_id);

-- Every flow version a shop served (IR JSON), so runs pinned to an older version
-- finish on it after a redeploy or restart; the active one per flow.
CREATE TABLE flow_versions (
    shop_id     text COLLATE "C" NOT NULL,
    flow        text COLLATE "C" NOT NULL,
    version     text COLLATE "C" NOT NULL,
    ir          text NOT NULL,
    deployed_at timestamptz NOT NULL,
    active      boolean NOT NULL DEFAULT false,
    seq         bigserial,
    PRIMARY KEY (shop_id, version)
);
-- The original service's "flows by shop and active".
CREATE INDEX flow_versions_active ON flow_versions (shop_id, active, flow);
