"""`customer_numbers` on PostgreSQL: the number each customer of a many-number shop last
wrote to, one row per customer and shop (the last of a body wins, an older note never
overwrites a newer one), kept apart per shop, and deleted when the customer is forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from contract.postgres_kit import fresh_schema

from wactl.service.postgres.crm import Crm
from wactl.service.postgres.numbers import PostgresNumbers

pytestmark = pytest.mark.service

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def test_the_latest_number_is_kept_per_customer_and_shop_and_forgotten() -> None:
    async with fresh_schema() as pool:
        numbers = PostgresNumbers(pool)
        await numbers.note([("a", "8401", "111"), ("a", "8401", "222"), ("b", "8401", "333"),
                            ("a", "84\x0002", "111")], T0)
        assert await numbers.number("a", "8401") == "222", "the last of a body"
        assert await numbers.number("b", "8401") == "333"
        assert await numbers.number("a", "84\x0002") == "111"
        assert await numbers.number("a", "8409") is None
        await numbers.note([("a", "8401", "111")], T0 - timedelta(seconds=1))
        assert await numbers.number("a", "8401") == "222", "an older note loses"
        await numbers.note([("a", "8401", "111")], T0 + timedelta(seconds=1))
        assert await numbers.number("a", "8401") == "111"
        await numbers.note([], T0)

        await pool.execute("INSERT INTO customers (shop_id, wa_id) VALUES ('a', '8401')")
        assert await Crm(pool, "a").forget("8401")
        assert await numbers.number("a", "8401") is None
        assert await numbers.number("b", "8401") == "333", "another shop's customer stays"
