"""The runtime's stores on PostgreSQL (asyncpg, one pool): `PostgresStore` and `migrate`."""

from wactl.service.postgres.migrate import migrate, pending
from wactl.service.postgres.pool import create_pool
from wactl.service.postgres.store import PostgresShop, PostgresStore, PostgresUnit

__all__ = ["PostgresShop", "PostgresStore", "PostgresUnit", "create_pool", "migrate", "pending"]
