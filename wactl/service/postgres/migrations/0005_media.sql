-- Inbound media (wactl.service.media): each media id a message carried, fetched by the
-- media job and kept here with its type and digest.
CREATE TABLE media (
    shop_id     text COLLATE "C" NOT NULL,
    media_id    text COLLATE "C" NOT NULL,
    wa_id       text COLLATE "C" NOT NULL,
    mime_type   text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'wanted' CHECK (status IN ('wanted', 'fetched', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    error       text,
    sha256      text NOT NULL DEFAULT '',
    size        bigint NOT NULL DEFAULT 0,
    content     bytea,
    wanted_at   timestamptz NOT NULL,
    not_before  timestamptz,
    lease_owner text,
    lease_until timestamptz,
    PRIMARY KEY (shop_id, media_id)
);
CREATE INDEX media_wanted ON media (wanted_at) WHERE status = 'wanted';
CREATE INDEX media_by_shop_time ON media (shop_id, wanted_at);
