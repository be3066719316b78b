-- The shop's AI calls per day (UTC), by what asked (`purpose`: an agent's `reply`, the
-- `intent` classifier, an ask's `extract`, or `other`), the agent ('' when none) and
-- the model: counted in the unit of work of the event that brought the answer, so a
-- retried event never counts twice.  No customer is named (nothing to forget); one
-- row per key is added to in place, so the table stays small (a shop's units that
-- count the same key at once wait on its row until they commit, as briefly as a unit
-- lasts).

CREATE TABLE ai_usage (
    shop_id           text COLLATE "C" NOT NULL,
    day               date NOT NULL,
    purpose           text COLLATE "C" NOT NULL,
    agent             text COLLATE "C" NOT NULL,
    model             text COLLATE "C" NOT NULL,
    calls             bigint NOT NULL,
    prompt_tokens     bigint NOT NULL,
    completion_tokens bigint NOT NULL,
    cost              double precision NOT NULL,
    PRIMARY KEY (shop_id, day, purpose, agent, model)
);
