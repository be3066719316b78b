"""schemathesis against the management API on the real PostgreSQL: generated requests
from the OpenAPI document find no 500 and no answer that breaks the document.

The service runs in a thread of its own (schemathesis calls it synchronously over
HTTP); its document is the one it serves at `/api/openapi.json`.  Every check runs but
"a request the schema allows is accepted": a page cursor must be one the list gave (a
schema cannot say which strings those are), and the generator does not keep to
`propertyNames` (it sends field names the schema refuses).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from api_kit import api_on_postgres
from contract.postgres_kit import database_url
from hypothesis import HealthCheck, settings
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from wactl.service.api.app import ENDPOINTS
from wactl.service.api.spec import openapi

pytestmark = pytest.mark.service

schema = schemathesis.openapi.from_dict(openapi(ENDPOINTS))


@dataclass
class Running:
    base_url: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    database_url()  # fails (CI) or skips without the test server
    started: dict[str, Running] = {}
    ready, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with api_on_postgres() as api:
            await api.call("POST", "/customers", json={"wa_id": "84900000001", "name": "Mai"})
            server = api.client.server
            started["api"] = Running(str(server.make_url("")).rstrip("/"), api.auth("alpha"))
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(60), "the API did not start"
    yield started["api"]
    stop.set()
    thread.join(30)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers_and_never_a_500(
        case: Case[Any], running: Running) -> None:
    case.call_and_validate(base_url=running.base_url, headers=running.headers,
                           excluded_checks=[positive_data_acceptance])
