"""WhatsApp's Cloud API as the service's channel: `GraphClient` (see `client`).

- `bodies`: send effects as Meta's request JSON (pure).
- `errors`: Graph error answers as outcomes (retry now, later, or fail).
- `breaker`, `throttle`: the circuit breaker and the per-number token bucket.
- `settings`: `GraphSettings` from the environment.
"""

from wactl.service.whatsapp.breaker import CircuitBreaker
from wactl.service.whatsapp.client import DEFAULT_BASE, GraphClient, Media
from wactl.service.whatsapp.settings import GraphSettings
from wactl.service.whatsapp.throttle import TokenBucket

__all__ = ["DEFAULT_BASE", "CircuitBreaker", "GraphClient", "GraphSettings", "Media", "TokenBucket"]
