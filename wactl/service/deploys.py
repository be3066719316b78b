"""Deploys reach every replica: each shop's engine is rebuilt when its active flow
versions change in the store (a deploy, a rollback or a deactivation through the API).

Looked at every `EVERY` (two seconds): the active set is one small query.  The new
engine runs the active versions; every other version the shop served stays known, so
runs pinned to one finish on it.  The project's settings and agents stay those the
service started with (a deploy changes flows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wactl.compiler.ir import Program
from wactl.runtime.driver import Conductor
from wactl.runtime.engine import Engine
from wactl.runtime.ports import Store

log = logging.getLogger("wactl.service")
EVERY = timedelta(seconds=2)


@dataclass
class Reloader:
    store: Store
    conductor: Conductor
    base: dict[str, Program]
    """Each shop's program as the service started (settings, agents)."""
    secrets: dict[str, str]
    seen: dict[str, frozenset[str]] = field(default_factory=dict)
    last: datetime | None = None

    def __post_init__(self) -> None:
        # What each engine runs now: a deploy made at any moment after start differs.
        for shop, program in self.base.items():
            self.seen.setdefault(shop, frozenset(f.hash for f in program.flows))

    async def run_due(self, now: datetime) -> int:
        if self.last is not None and now - self.last < EVERY:
            return 0
        self.last = now
        return sum([await self.reload(shop) for shop in self.base])

    async def reload(self, shop_id: str) -> int:
        """1 when the shop's engine was rebuilt."""
        versions = self.store.shop(shop_id).flow_versions
        active = frozenset((await versions.active()).values())
        if self.seen.get(shop_id) == active:
            return 0
        self.seen[shop_id] = active
        every = await versions.versions()
        program = self.base[shop_id].model_copy(update={
            "flows": sorted((f for f in every if f.hash in active), key=lambda f: f.id)})
        older = [f for f in every if f.hash not in active]
        engines = dict(self.conductor.engines)
        engines[shop_id] = Engine(program, secrets=self.secrets, versions=older)
        self.conductor.engines = engines
        log.info("flows reloaded: %d active", len(active), extra={
            "code": "flows_reloaded", "shop": shop_id})
        return 1
