-- The runtime's stores (wactl.runtime.ports): one row per thing, every table keyed by shop.
--
-- Text that comes from outside may hold NUL, which PostgreSQL's text refuses: the
-- store writes text columns through an order-preserving escape (wactl.service.postgres.
-- text) and JSON documents as JSON text, where NUL is written \u0000: so documents are
-- `text` columns, not `jsonb`, which refuses \u0000.  Keys compare by code point (COLLATE "C"),
-- the order `list_ids` and `due` promise, whatever the database's own collation.

CREATE TABLE customers (
    shop_id            text COLLATE "C" NOT NULL,
    wa_id              text COLLATE "C" NOT NULL,
    name               text,
    language           text,
    tags               text[] NOT NULL DEFAULT '{}',
    fields             text NOT NULL DEFAULT '{}',      -- JSON of encode_value(fields)
    consent            text,
    first_contacted_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, wa_id)
);

CREATE TABLE conversation_states (
    shop_id    text COLLATE "C" NOT NULL,
    wa_id      text COLLATE "C" NOT NULL,
    state      text NOT NULL,                           -- JSON of state_to_data
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, wa_id)
);

CREATE TABLE messages (
    id            bigserial PRIMARY KEY,                -- the log's order
    shop_id       text COLLATE "C" NOT NULL,
    wa_id         text COLLATE "C" NOT NULL,
    direction     text NOT NULL CHECK (direction IN ('in', 'out')),
    kind          text NOT NULL,
    body          text NOT NULL,
    at            timestamptz NOT NULL,
    message_id    text COLLATE "C" NOT NULL DEFAULT '', -- inbound: WhatsApp's id; outbound: ours
    wa_message_id text COLLATE "C" NOT NULL DEFAULT '', -- outbound: WhatsApp's, once sent
    status        text NOT NULL DEFAULT '',
    error         text,
    fallback      text                                  -- JSON of the fallback template
);
CREATE INDEX messages_by_conversation ON messages (shop_id, wa_id, id);
CREATE INDEX messages_by_conversation_time ON messages (shop_id, wa_id, at);
CREATE INDEX messages_outbound_ours ON messages (shop_id, message_id)
    WHERE direction = 'out' AND message_id <> '';
CREATE INDEX messages_outbound_whatsapp ON messages (shop_id, wa_message_id)
    WHERE direction = 'out' AND wa_message_id <> '';

CREATE TABLE active_runs (
    shop_id text COLLATE "C" NOT NULL,
    wa_id   text COLLATE "C" NOT NULL,
    run_id  text COLLATE "C" NOT NULL,
    run     text NOT NULL,                              -- JSON of run_to_data
    PRIMARY KEY (shop_id, wa_id)
);

CREATE TABLE runs (                                     -- finished runs
    seq         bigserial,
    shop_id     text COLLATE "C" NOT NULL,
    wa_id       text COLLATE "C" NOT NULL,
    run_id      text COLLATE "C" NOT NULL,
    flow        text NOT NULL,
    started_at  timestamptz NOT NULL,
    run         text NOT NULL,                          -- JSON of run_to_data
    finished_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, wa_id, run_id)
);
CREATE INDEX runs_by_conversation ON runs (shop_id, wa_id, seq);

CREATE TABLE run_steps (
    id      bigserial PRIMARY KEY,
    shop_id text COLLATE "C" NOT NULL,
    wa_id   text COLLATE "C" NOT NULL,
    run_id  text COLLATE "C" NOT NULL,
    flow    text NOT NULL,
    version text NOT NULL,
    step    text NOT NULL,
    kind    text NOT NULL,
    outcome text NOT NULL,
    at      timestamptz NOT NULL,
    changed text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX run_steps_by_run ON run_steps (shop_id, wa_id, run_id, id);

CREATE TABLE timers (
    shop_id     text COLLATE "C" NOT NULL,
    wa_id       text COLLATE "C" NOT NULL,
    timer_id    text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    lease_owner text,
    lease_until timestamptz,                            -- cleared when the timer moves
    PRIMARY KEY (shop_id, wa_id, timer_id)
);
CREATE INDEX timers_due ON timers (at, shop_id, wa_id, timer_id);
CREATE INDEX timers_due_per_shop ON timers (shop_id, at, wa_id, timer_id);

CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,                  -- the order, per conversation too
    shop_id     text COLLATE "C" NOT NULL,
    wa_id       text COLLATE "C" NOT NULL,
    effect      text NOT NULL,                          -- JSON of effect_to_data
    message_id  text COLLATE "C" NOT NULL,              -- our message id, or the request id
    request_id  text COLLATE "C",                       -- set for HTTP and AI requests
    created_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    lease_owner text,
    lease_until timestamptz,
    not_before  timestamptz
);
CREATE INDEX outbox_by_conversation ON outbox (shop_id, wa_id, id);
CREATE INDEX outbox_requests ON outbox (shop_id, wa_id, request_id)
    WHERE request_id IS NOT NULL;
CREATE INDEX outbox_leased ON outbox (shop_id, wa_id, lease_until)
    WHERE lease_until IS NOT NULL;                      -- small: the entries in flight

CREATE TABLE handled_keys (
    shop_id    text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, key)
);

CREATE TABLE schedule_cursors (
    shop_id text COLLATE "C" NOT NULL,
    flow    text COLLATE "C" NOT NULL,
    at      timestamptz NOT NULL,
    PRIMARY KEY (shop_id, flow)
);

CREATE TABLE reach (                                    -- business-initiated reach, last time
    shop_id text COLLATE "C" NOT NULL,
    wa_id   text COLLATE "C" NOT NULL,
    at      timestamptz NOT NULL,
    PRIMARY KEY (shop_id, wa_id)
);
CREATE INDEX reach_by_time ON reach (shop_id, at);

CREATE TABLE left_out (                                 -- customers the messaging tier left out
    shop_id text COLLATE "C" NOT NULL,
    flow    text COLLATE "C" NOT NULL,
    count   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, flow)
);
