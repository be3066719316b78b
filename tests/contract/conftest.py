"""The `kit` fixture: each contract test runs once per implementation in `kits.FACTORIES`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from contract.kits import FACTORIES, PortKit


@pytest.fixture(params=sorted(FACTORIES))
async def kit(request: pytest.FixtureRequest) -> AsyncIterator[PortKit]:
    async with FACTORIES[request.param]() as ports:
        yield ports
