"""Secrets at rest on the real PostgreSQL: ciphertext in the table, rotation while serving.

Keyrings: OLD holds one key; BOTH adds a new current key after it (the rollout before a
rotation); NEW holds the new key alone (the old line removed once rotation is done).
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest
from contract.postgres_kit import database_url, fresh_schema

from wactl.runtime.records import Account
from wactl.service.crypto import CipherError, Keyring
from wactl.service.postgres import create_pool
from wactl.service.postgres.secrets import PostgresSecrets
from wactl.service.postgres.store import PostgresAccountStore

OLD_LINE = f"old:{base64.b64encode(bytes(range(32))).decode()}"
NEW_LINE = f"new:{base64.b64encode(bytes(range(50, 82))).decode()}"
OLD, BOTH, NEW = (Keyring.from_env(v) for v in (OLD_LINE, f"{OLD_LINE}\n{NEW_LINE}", NEW_LINE))


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with fresh_schema() as pool:
        yield pool


async def _accounts(pool: asyncpg.Pool, *numbers: tuple[str, str]) -> None:
    store = PostgresAccountStore(pool)
    for phone_number_id, shop_id in numbers:
        await store.put(Account(phone_number_id, shop_id))


async def _raw(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT value FROM shop_secrets UNION ALL "
                            "SELECT access_token FROM accounts WHERE access_token IS NOT NULL")
    return [r[0] for r in rows]


async def test_values_are_stored_as_ciphertext_and_read_back(pool: asyncpg.Pool) -> None:
    secrets = PostgresSecrets(pool, OLD)
    await _accounts(pool, ("pn1", "shop-a"))
    await secrets.set_secret("shop-a", "crm_key", "sk-live-Nguyễn-123")
    await secrets.set_secret("shop-a", "with\x00nul", "value\x00with nul")
    assert await secrets.set_token("pn1", "EAAG-access-token")
    raw = await pool.fetch("SELECT shop_id, name, value FROM shop_secrets ORDER BY name")
    assert [r["name"] for r in raw] == ["crm_key", "with\x01\x01nul"]
    token_row = await pool.fetchrow("SELECT access_token FROM accounts")
    assert token_row is not None
    stored = [r["value"] for r in raw] + [token_row["access_token"]]
    for value in stored:
        assert value.startswith("v1.old.")
        for plain in ("sk-live", "Nguy", "value", "EAAG", "access-token"):
            assert plain not in value
    assert await secrets.secrets("shop-a") == {"crm_key": "sk-live-Nguyễn-123",
                                               "with\x00nul": "value\x00with nul"}
    assert await secrets.token("pn1") == "EAAG-access-token"


async def test_secrets_are_per_shop_and_can_be_replaced_and_deleted(pool: asyncpg.Pool) -> None:
    secrets = PostgresSecrets(pool, OLD)
    await secrets.set_secret("shop-a", "b", "1")
    await secrets.set_secret("shop-a", "a", "2")
    await secrets.set_secret("shop-b", "a", "3")
    await secrets.set_secret("shop-a", "a", "4")
    assert await secrets.secret_names("shop-a") == ["a", "b"]
    assert await secrets.secrets("shop-a") == {"a": "4", "b": "1"}
    assert await secrets.secrets("shop-b") == {"a": "3"}
    assert await secrets.delete_secret("shop-a", "a")
    assert not await secrets.delete_secret("shop-a", "a")
    assert await secrets.secrets("shop-a") == {"b": "1"}
    assert await secrets.secrets("nobody") == {} and await secrets.secret_names("nobody") == []


async def test_tokens_of_numbers(pool: asyncpg.Pool) -> None:
    secrets = PostgresSecrets(pool, OLD)
    await _accounts(pool, ("pn1", "shop-a"), ("pn2", "shop-a"))
    assert not await secrets.set_token("absent", "t")
    assert await secrets.token("absent") is None
    assert await secrets.token("pn2") is None
    assert await secrets.set_token("pn1", "t1") and await secrets.set_token("pn2", "t2")
    assert (await secrets.token("pn1"), await secrets.token("pn2")) == ("t1", "t2")
    assert await secrets.set_token("pn1", None)
    assert await secrets.token("pn1") is None
    # The account store's own writes leave the token alone.
    await PostgresAccountStore(pool).put(Account("pn2", "shop-a", "+84 90", tier=1000))
    assert await secrets.token("pn2") == "t2"


async def _fill(secrets: PostgresSecrets, pool: asyncpg.Pool, shops: int,
                names: int) -> dict[tuple[str, str], str]:
    values = {(f"shop-{s}", f"name-{n}"): f"value {s}/{n} của cửa hàng"
              for s in range(shops) for n in range(names)}
    for (shop, name), value in values.items():
        await secrets.set_secret(shop, name, value)
    await _accounts(pool, *((f"pn{s}", f"shop-{s}") for s in range(shops)))
    for s in range(shops):
        assert await secrets.set_token(f"pn{s}", f"token-{s}")
    return values


async def test_rotation_moves_every_value_to_the_new_key(pool: asyncpg.Pool) -> None:
    values = await _fill(PostgresSecrets(pool, OLD), pool, shops=6, names=9)
    rotating = PostgresSecrets(pool, BOTH)
    assert await rotating.rotate(batch=5) == len(values) + 6
    raw = await _raw(pool)
    assert len(raw) == len(values) + 6 and all(v.startswith("v1.new.") for v in raw)
    assert await rotating.rotate(batch=5) == 0
    after = PostgresSecrets(pool, NEW)  # the old line removed: everything still reads
    for s in range(6):
        shop = f"shop-{s}"
        assert await after.secrets(shop) == {n: v for (sh, n), v in values.items() if sh == shop}
        assert await after.token(f"pn{s}") == f"token-{s}"


async def test_two_replicas_rotating_at_once_re_encrypt_each_value_once(
        pool: asyncpg.Pool) -> None:
    values = await _fill(PostgresSecrets(pool, OLD), pool, shops=4, names=50)
    schema = await pool.fetchval("SELECT current_schema()")
    other = await create_pool(database_url(), schema=schema)
    try:
        counts = await asyncio.gather(PostgresSecrets(pool, BOTH).rotate(batch=3),
                                      PostgresSecrets(other, BOTH).rotate(batch=3))
    finally:
        await other.close()
    assert sum(counts) == len(values) + 4
    assert all(v.startswith("v1.new.") for v in await _raw(pool))


async def test_rotation_while_serving_loses_nothing(pool: asyncpg.Pool) -> None:
    """Writers keep replacing values (under the new key, as every replica does after the
    rollout), readers keep reading, the account store keeps updating numbers, while a
    second replica rotates: no read fails, every read is a value that was written, and
    at the end each value is the last one written, all under the new key."""
    shops, names = 5, 60
    initial = await _fill(PostgresSecrets(pool, OLD), pool, shops=shops, names=names)
    written = {key: {value} for key, value in initial.items()}
    last = dict(initial)
    serving = PostgresSecrets(pool, BOTH)
    schema = await pool.fetchval("SELECT current_schema()")
    other = await create_pool(database_url(), schema=schema)
    rotated = asyncio.Event()
    reads = [0]

    async def writer(shop: int) -> None:
        rng = random.Random(shop)
        for i in range(2000):
            key = (f"shop-{shop}", f"name-{rng.randrange(names)}")
            value = f"v{i} Đà Nẵng {rng.random()}"
            written[key].add(value)
            await serving.set_secret(*key, value)
            last[key] = value
            if rotated.is_set() and i > 20:
                return

    async def reader(shop: int) -> None:
        while not rotated.is_set():
            seen = await serving.secrets(f"shop-{shop}")
            assert len(seen) == names
            for name, value in seen.items():
                assert value in written[(f"shop-{shop}", name)]
            assert await serving.token(f"pn{shop}") == f"token-{shop}"
            reads[0] += 1

    async def numbers() -> None:
        accounts = PostgresAccountStore(pool)
        tier = 0
        while not rotated.is_set():
            tier += 1
            for s in range(shops):
                await accounts.put(Account(f"pn{s}", f"shop-{s}", tier=tier))

    async def rotate() -> int:
        try:
            await asyncio.sleep(0.05)
            return await PostgresSecrets(other, BOTH).rotate(batch=4)
        finally:
            rotated.set()

    try:
        rotating = asyncio.create_task(rotate())
        await asyncio.wait_for(asyncio.gather(
            rotating, numbers(), *(writer(s) for s in range(shops)),
            *(reader(s) for s in range(shops))), timeout=120)
    finally:
        await other.close()
    assert 0 < rotating.result() <= len(initial) + shops
    assert reads[0] > shops  # the readers did run during the rotation
    assert all(v.startswith("v1.new.") for v in await _raw(pool))
    after = PostgresSecrets(pool, NEW)
    for s in range(shops):
        assert await after.secrets(f"shop-{s}") == {
            n: v for (sh, n), v in last.items() if sh == f"shop-{s}"}
        assert await after.token(f"pn{s}") == f"token-{s}"


async def test_a_forged_value_in_the_table_is_a_cipher_error(pool: asyncpg.Pool) -> None:
    secrets = PostgresSecrets(pool, OLD)
    await _accounts(pool, ("pn1", "shop-a"), ("pn2", "shop-b"))
    await secrets.set_secret("shop-a", "key", "A's secret")
    await secrets.set_secret("shop-b", "key", "B's secret")
    await secrets.set_token("pn1", "A's token")
    await secrets.set_token("pn2", "B's token")
    # Someone with write access to the table copies shop A's values into shop B's rows.
    await pool.execute("UPDATE shop_secrets SET value = (SELECT value FROM shop_secrets "
                       "WHERE shop_id = 'shop-a') WHERE shop_id = 'shop-b'")
    await pool.execute("UPDATE accounts SET access_token = (SELECT access_token FROM accounts "
                       "WHERE phone_number_id = 'pn1') WHERE phone_number_id = 'pn2'")
    for read in (secrets.secrets("shop-b"), secrets.token("pn2")):
        with pytest.raises(CipherError) as caught:
            await read
        assert caught.value.code == "forged" and "A's" not in str(caught.value)
    assert await secrets.secrets("shop-a") == {"key": "A's secret"}
    await pool.execute("UPDATE shop_secrets SET value = 'plain text' WHERE shop_id = 'shop-a'")
    with pytest.raises(CipherError) as caught:
        await secrets.secrets("shop-a")
    assert caught.value.code == "malformed"


async def test_rotation_passes_over_values_it_cannot_read(pool: asyncpg.Pool) -> None:
    secrets = PostgresSecrets(pool, OLD)
    await _accounts(pool, ("pn1", "shop-a"))
    for name in ("a", "b", "c"):
        await secrets.set_secret("shop-a", name, f"value {name}")
    await secrets.set_token("pn1", "token")
    forged = await pool.fetchval("SELECT value FROM shop_secrets WHERE name = 'a'")
    await pool.execute("UPDATE shop_secrets SET value = $1 WHERE name = 'b'", forged)
    await pool.execute("UPDATE shop_secrets SET value = 'v1.gone.AAAA' WHERE name = 'c'")
    rotating = PostgresSecrets(pool, BOTH)
    assert await rotating.rotate(batch=1) == 2  # "a" and the token
    assert await rotating.rotate(batch=1) == 0
    kept = await pool.fetch("SELECT name, value FROM shop_secrets ORDER BY name")
    assert kept[0]["value"].startswith("v1.new.")
    assert [r["value"] for r in kept[1:]] == [forged, "v1.gone.AAAA"]
    assert await rotating.token("pn1") == "token"


async def test_a_number_moved_to_another_shop_does_not_carry_its_token(
        pool: asyncpg.Pool) -> None:
    secrets = PostgresSecrets(pool, OLD)
    await _accounts(pool, ("pn1", "shop-a"))
    await secrets.set_token("pn1", "A's token")
    await _accounts(pool, ("pn1", "shop-b"))
    with pytest.raises(CipherError) as caught:
        await secrets.token("pn1")
    assert caught.value.code == "forged"
    await secrets.set_token("pn1", "B's token")
    assert await secrets.token("pn1") == "B's token"


async def test_rotation_waits_for_a_row_another_statement_holds(pool: asyncpg.Pool) -> None:
    """The account store updating a number holds its row without writing its token: the
    lock-skipping pass leaves that row, and the second pass waits for it."""
    await _fill(PostgresSecrets(pool, OLD), pool, shops=3, names=1)
    rotation: asyncio.Task[int] | None = None
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE accounts SET tier = 5 WHERE phone_number_id = 'pn1'")
        rotation = asyncio.create_task(PostgresSecrets(pool, BOTH).rotate(batch=2))
        for _ in range(500):
            if await pool.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):
                break
            assert not rotation.done(), "rotation ended while a row was held"
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("rotation never waited for the held row")
    assert await rotation == 6
    assert all(v.startswith("v1.new.") for v in await _raw(pool))
    assert await PostgresSecrets(pool, NEW).token("pn1") == "token-1"
