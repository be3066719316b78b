"""How to reach the Cloud API for one phone number; read once at startup, passed explicitly.

The environment names are the service's fixed ones (issue 10): `WACTL_GRAPH_API_BASE`
(Meta's, with the API version, by default), `WACTL_ACCESS_TOKEN`,
`WACTL_PHONE_NUMBER_ID`; `WACTL_GRAPH_TIMEOUT` (seconds) and `WACTL_SEND_RATE`
(messages a second) tune the client.  The token is a `SecretStr`: no repr, dump or
validation error shows it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from wactl.service.whatsapp.client import DEFAULT_BASE, RETRY_DELAYS, GraphClient

ENV = {"base_url": "WACTL_GRAPH_API_BASE", "access_token": "WACTL_ACCESS_TOKEN",
       "phone_number_id": "WACTL_PHONE_NUMBER_ID", "timeout": "WACTL_GRAPH_TIMEOUT",
       "rate": "WACTL_SEND_RATE"}


class GraphSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str = Field(default=DEFAULT_BASE, pattern=r"^https?://\S+$")
    access_token: SecretStr = Field(min_length=1)
    phone_number_id: str = Field(pattern=r"^[0-9]{1,32}$")
    timeout: float = Field(default=10.0, gt=0, le=120)
    rate: float = Field(default=80.0, gt=0, le=10_000)
    """Messages a second for this number: WhatsApp's default throughput is 80."""
    retry_delays: tuple[float, ...] = Field(default=RETRY_DELAYS, max_length=10)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> GraphSettings:
        """The settings from `ENV`'s variables (empty ones count as unset), then overrides."""
        env = os.environ if env is None else env
        values = {key: env[name] for key, name in ENV.items() if env.get(name)}
        return cls.model_validate({**values, **overrides})

    def client(self, **options: Any) -> GraphClient:
        """A client on these settings (`options`: clock, sleep, breaker, ... for tests)."""
        return GraphClient(self.base_url, self.access_token.get_secret_value(),
                           self.phone_number_id, timeout=self.timeout, rate=self.rate,
                           retry_delays=self.retry_delays, **options)
