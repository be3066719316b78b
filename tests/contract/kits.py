"""The implementations the port contract runs against.

The contract is the behaviour every implementation of the runtime's ports must show.

The tests in this folder run once per implementation listed in `FACTORIES`: the
in-memory one and the PostgreSQL stores of the service, which joined with one line, an
async context manager yielding a `PortKit` (set up a fresh schema, yield a `Store` and
the kit built on it with `PortKit.of(store)`, drop the schema; see postgres_kit.py):

    FACTORIES["postgres"] = postgres_kit

Channel, publisher and clock take part where an implementation has them: a kit may
leave them None and those tests are skipped for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from contract.postgres_kit import postgres_store
from wactl.runtime import memory
from wactl.runtime.ports import (
    Channel,
    Clock,
    ConversationStore,
    CustomerStore,
    EventPublisher,
    RunStore,
    ShopStore,
    Store,
    TimerStore,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


SHOP, OTHER = "shop-a", "shop-b"
"""The shop the single-shop tests use, and another one beside it in the same store."""


@dataclass
class PortKit:
    """A store, two of its shops, and shortcuts to the first shop's four stores."""

    store: Store
    shop: ShopStore
    other: ShopStore
    customers: CustomerStore
    conversations: ConversationStore
    runs: RunStore
    timers: TimerStore
    channel: Channel | None = None
    events: EventPublisher | None = None
    clock: Clock | None = None

    @classmethod
    def of(cls, store: Store, *, channel: Channel | None = None,
           events: EventPublisher | None = None, clock: Clock | None = None) -> PortKit:
        shop = store.shop(SHOP)
        return cls(store, shop, store.shop(OTHER), shop.customers, shop.conversations,
                   shop.runs, shop.timers, channel, events, clock)


@asynccontextmanager
async def in_memory_kit() -> AsyncIterator[PortKit]:
    yield PortKit.of(memory.MemoryStore(), channel=memory.InMemoryChannel(),
                     events=memory.InMemoryEventPublisher(), clock=memory.ManualClock(T0))


@asynccontextmanager
async def postgres_kit() -> AsyncIterator[PortKit]:
    """The PostgreSQL stores over a fresh schema (see postgres_kit.py)."""
    async with postgres_store() as store:
        yield PortKit.of(store)


FACTORIES: dict[str, Callable[[], AbstractAsyncContextManager[PortKit]]] = {
    "memory": in_memory_kit,
}
FACTORIES["postgres"] = postgres_kit
