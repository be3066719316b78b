"""The connection pool the PostgreSQL stores share."""

from __future__ import annotations

import asyncpg


async def create_pool(url: str, *, schema: str | None = None, min_size: int = 1,
                      max_size: int = 10) -> asyncpg.Pool:
    """A pool on `url`; with `schema`, every connection works in that schema (the
    tests' fresh schema per test).  JIT is off: the stores' statements are small and
    many, and compiling them costs more than it saves."""
    settings = {"jit": "off"}
    if schema is not None:
        settings["search_path"] = schema
    return await asyncpg.create_pool(url, min_size=min_size, max_size=max_size,
                                     server_settings=settings)
