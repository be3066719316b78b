-- Each shop's deployed program apart from its flows: the project's settings and the
-- agents (wactl.service.postgres.programs).  One row per deploy, kept; the newest row is
-- the one served.  `source` says who deployed it: `api` (`POST /api/deploy`) or
-- `serve` (the files `wactl serve PATHS` started with), so a restart of `wactl serve`
-- on the files it already deployed does not undo a deploy made since through the API.

CREATE TABLE shop_programs (
    shop_id     text COLLATE "C" NOT NULL,
    seq         bigserial,
    bundle_hash text COLLATE "C" NOT NULL,
    source      text NOT NULL CHECK (source IN ('api', 'serve')),
    project     text NOT NULL,                      -- IRProject as JSON
    agents      text NOT NULL,                      -- [IRAgent] as JSON
    deployed_at timestamptz NOT NULL,
    PRIMARY KEY (shop_id, seq)
);
