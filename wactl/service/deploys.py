"""Deploys reach every replica, for every shop: a shop's engine is (re)built whenever
what it should serve changes in the store (a deploy, a rollback or a deactivation
through the API, a flow secret set), and a shop deployed for the first time gets one.

What every shop serves is summed up in one stamp per shop (`Deploys.stamps`, a few small
queries); only a shop whose stamp moved is loaded again.  The stamps are read when a
deploy is announced (`LISTEN wactl_deploy`, `postgres.listen`) and, as a safety net,
every `EVERY` (every `QUIET` while the announcements are heard).  The new engine runs
the active versions; every other version the shop served stays known, so runs pinned
to one finish on it.  An engine that cannot be built (a stored version this build
refuses, a secret that does not decrypt) is logged, and the shop keeps the engine it
had.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import ValidationError

from wactl.compiler.ir import IRFlow, Program
from wactl.runtime.driver import Conductor
from wactl.runtime.engine import Engine
from wactl.runtime.ports import Store
from wactl.service.crypto import CipherError

log = logging.getLogger("wactl.service")
EVERY = timedelta(seconds=2)
QUIET = timedelta(seconds=30)


class Deploys(Protocol):
    """Where deploys are kept (PostgreSQL: `postgres.programs.Programs`)."""

    async def stamps(self) -> dict[str, str]:
        """Per shop with anything deployed, a text that changes with what it serves."""
        ...

    async def program(self, shop_id: str, base: Program | None
                      ) -> tuple[Program, list[IRFlow]] | None:
        """The shop's program (active flows) and its other versions; None: nothing."""
        ...


class Secrets(Protocol):
    async def secrets(self, shop_id: str) -> dict[str, str]: ...


@dataclass
class StoreDeploys:
    """`Deploys` over the runtime store's flow versions, for the shops the service
    started with (in memory, where nothing else deploys)."""

    store: Store
    base: Mapping[str, Program]

    async def stamps(self) -> dict[str, str]:
        return {shop: ",".join(sorted((await self.store.shop(shop).flow_versions.active())
                                      .values())) for shop in self.base}

    async def program(self, shop_id: str, base: Program | None
                      ) -> tuple[Program, list[IRFlow]] | None:
        if base is None:
            return None
        versions = self.store.shop(shop_id).flow_versions
        active = set((await versions.active()).values())
        every = await versions.versions()
        program = base.model_copy(update={
            "flows": sorted((f for f in every if f.hash in active), key=lambda f: f.id)})
        return program, [f for f in every if f.hash not in active]


@dataclass
class Reloader:
    conductor: Conductor
    deploys: Deploys
    base: dict[str, Program]
    """The programs the service started with (the settings of a shop never deployed)."""
    secrets: dict[str, str]
    """`WACTL_SECRET_*`: the start shop's flow secrets (a shop's own, set through the
    API, win)."""
    shop_secrets: Secrets | None = None
    seen: dict[str, str] = field(default_factory=dict)
    last: datetime | None = None
    wanted: bool = True
    """A deploy was announced (or nothing read yet): read the stamps at the next round."""
    listening: bool = False
    """Announcements are heard: the safety-net read waits `QUIET`, not `EVERY`."""

    def announce(self) -> None:
        """A deploy happened somewhere (a `NOTIFY`): look at the next round."""
        self.wanted = True

    async def run_due(self, now: datetime) -> int:
        every = QUIET if self.listening else EVERY
        if not self.wanted and self.last is not None and now - self.last < every:
            return 0
        self.wanted, self.last = False, now
        stamps = await self.deploys.stamps()
        changed = [s for s in sorted(stamps.keys() | self.base.keys())
                   if stamps.get(s, "") != self.seen.get(s)]
        return sum([await self.reload(shop, stamps.get(shop, "")) for shop in changed])

    async def reload(self, shop_id: str, stamp: str) -> int:
        """1 when the shop's engine was (re)built.  A store that fails raises (the round
        is tried again); a deploy that cannot be served is logged and left."""
        try:
            found = await self.deploys.program(shop_id, self.base.get(shop_id))
            secrets = dict(self.secrets) if shop_id in self.base else {}
            if found is not None and self.shop_secrets is not None:
                secrets |= await self.shop_secrets.secrets(shop_id)
            engine = None if found is None else Engine(found[0], secrets=secrets,
                                                       versions=found[1])
        except (ValidationError, CipherError, ValueError, LookupError) as error:
            self.seen[shop_id] = stamp  # not again until it changes
            log.error("shop %s: its deploy cannot be served (%s); it keeps what it served",
                      shop_id, type(error).__name__, extra={
                          "code": "deploy_refused", "shop": shop_id})
            return 0
        self.seen[shop_id] = stamp
        if engine is None:
            return 0
        engines = dict(self.conductor.engines)
        engines[shop_id] = engine
        self.conductor.engines = engines
        log.info("flows loaded: %d active", len(engine.program.flows), extra={
            "code": "flows_reloaded", "shop": shop_id})
        return 1
