"""The runtime's stores on PostgreSQL (asyncpg, one pool): the schema and `migrate`."""

from wactl.service.postgres.migrate import migrate, pending
from wactl.service.postgres.pool import create_pool

__all__ = ["create_pool", "migrate", "pending"]
