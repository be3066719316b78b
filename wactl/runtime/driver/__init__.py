"""The driver: events through the pure engine in units of work, effects through an outbox.

- `conductor`: one event = one unit of work (load, engine, commit everything).
- `dispatch`: dispatchers carrying out committed outbox entries in order per conversation.
- `clockwork`: leased timers and schedule cursors shared by several workers.
- `keys`: the idempotency key of each event; `faults`: crash points for the crash tests.
`wactl.runtime.sandbox` puts them together over in-memory stores for `wactl test` and
`wactl simulate`; the service puts them together over PostgreSQL and WhatsApp.
"""

from wactl.runtime.driver.clockwork import Clockwork
from wactl.runtime.driver.conductor import Conductor, EngineLike, Handled
from wactl.runtime.driver.dispatch import Dispatcher, Outside, ShopWays
from wactl.runtime.driver.faults import Faults, InjectedCrash

__all__ = ["Clockwork", "Conductor", "Dispatcher", "EngineLike", "Faults", "Handled",
           "InjectedCrash", "Outside", "ShopWays"]
