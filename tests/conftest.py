"""Shared test configuration.

In CI (`CI` set, as `.ci/run` is called) hypothesis runs derandomized: the same examples
on every run, so a landing never depends on the luck of a random seed.  Developers
running `scripts/test` locally keep random exploration, which is where new failures
are found (and then pinned with `@example`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from contract.postgres_kit import database_url
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


async def _sql(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A URL whose connections work in a new, empty schema (dropped after)."""
    url = database_url()
    schema = f"test_cli_{uuid.uuid4().hex[:12]}"
    asyncio.run(_sql(url, f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?search_path={schema}"
    finally:
        asyncio.run(_sql(url, f"DROP SCHEMA {schema} CASCADE"))
