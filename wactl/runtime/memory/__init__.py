"""In-memory implementations of every port: for tests, `wactl simulate` and the benchmark.

`MemoryStore` keeps every shop's data in this process with the guarantees of the
PostgreSQL store (units of work commit whole or not at all, claims are exclusive);
`clients` holds the outside world's stand-ins.
"""

from wactl.runtime.memory.clients import (
    InMemoryChannel,
    InMemoryEventPublisher,
    ManualClock,
    SystemClock,
    UnavailableAiClient,
    UnavailableHttpClient,
)
from wactl.runtime.memory.store import MemoryShop, MemoryStore, MemoryUnit

__all__ = [
    "InMemoryChannel", "InMemoryEventPublisher", "ManualClock", "MemoryShop", "MemoryStore",
    "MemoryUnit", "SystemClock", "UnavailableAiClient", "UnavailableHttpClient",
]
