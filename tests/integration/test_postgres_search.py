"""Message search on PostgreSQL: accents folded both ways, one shop's rows only, SQL-like
input taken as words, pages that hold each hit once, and the GIN index in the plan.

Messages are written through the store (`append_message`), so the body searched is the
one the service stores (`text.enc`'s escape and all).  `fold` in Python and `wactl_fold`
in the database are compared over every code point and over generated text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from contract.postgres_kit import fresh_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wactl.runtime.records import MessageRecord
from wactl.service.postgres import PostgresStore
from wactl.service.postgres.search import (
    MARK_RANGES,
    MAX_QUERY,
    SEARCH_SQL,
    MessageHit,
    SearchError,
    fold,
    search_messages,
)
from wactl.service.postgres.text import dec, enc

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
WA = "84900000001"
VOWELS = {"a": "aăâ", "e": "eê", "i": "i", "o": "oôơ", "u": "uư", "y": "y"}
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền sắc hỏi ngã nặng
SQL_LIKE = {  # query -> which of the three messages it finds (their words, no syntax)
    "'; DROP TABLE messages; --": {"drop"}, "%": set(), "_": set(), "\\": set(), "'": set(),
    '"': set(), "''": set(), "&|!():*": set(), "don' & hang": {"order"}, "don | hang": {"order"},
    "!don": {"order"}, "don:*": {"order"}, "(don": {"order"}, "%don%": {"order"},
    "d_n": set(), "\\x00": set(), "$1": set(), "E'\\\\'": set(), "\x00": set(),
    "messages WHERE 1=1 --": set(), "messages --": {"drop"}, "don\x00hang": {"order"},
    "100%": {"percent"}, "chắc_chắn%": {"percent"},
    "do:*": set(), "hang | nothing": set(), "!nothing": set(),  # no prefix, no or, no not
}


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with fresh_schema() as pool:
        yield pool


async def _log(pool: asyncpg.Pool, text: str, *, shop: str = "s", wa_id: str = WA,
               at: datetime = T0, direction: str = "in") -> int:
    """Append one message through the store; its row id."""
    message = MessageRecord(wa_id, "in" if direction == "in" else "out", "text", text, at)
    await PostgresStore(pool).shop(shop).conversations.append_message(message)
    row_id: int = await pool.fetchval("SELECT max(id) FROM messages")
    return row_id


async def _hits(pool: asyncpg.Pool, query: str, *, limit: int = 50,
                before: tuple[datetime, int] | None = None) -> list[MessageHit]:
    hits = await search_messages(pool, "s", query, limit=limit, before=before)
    assert not isinstance(hits, SearchError)
    return hits


async def _found(pool: asyncpg.Pool, query: str, shop: str = "s") -> list[str]:
    hits = await search_messages(pool, shop, query)
    assert not isinstance(hits, SearchError)
    return [hit.body for hit in hits]


# ------------------------------------------------------------------------------ folding

def test_every_vietnamese_vowel_with_every_tone_folds_to_its_letter() -> None:
    for base, vowels in VOWELS.items():
        for vowel in vowels:
            for tone in TONES:
                for letter in (vowel, vowel.upper()):
                    composed = unicodedata.normalize("NFC", letter + tone)
                    decomposed = unicodedata.normalize("NFD", composed)
                    assert len(composed) == 1
                    assert fold(composed) == fold(decomposed) == base, composed
    assert fold("Đđ") == "dd"
    assert fold("Đơn Hàng của TÔI") == "don hang cua toi"
    assert fold("Crème Brûlée, Ñandú, Ångström, Øre") == "creme brulee, nandu, angstrom, ore"


async def test_sql_fold_equals_python_fold_for_every_code_point(pool: asyncpg.Pool) -> None:
    """`translate` and ASCII `lower` work character by character, as `str.translate`
    does: equal on every single character means equal on every string."""
    changed = await pool.fetch(
        "SELECT n, wactl_fold(chr(n)) AS folded FROM generate_series(1, 1114111) AS n "
        "WHERE n NOT BETWEEN 55296 AND 57343 AND wactl_fold(chr(n)) <> chr(n)")
    in_sql = {int(r["n"]): str(r["folded"]) for r in changed}
    in_python = {n: fold(chr(n)) for n in range(1, 0x110000)
                 if not 0xD800 <= n <= 0xDFFF and fold(chr(n)) != chr(n)}
    assert in_sql == in_python
    assert len(in_python) > 26 + 134 + 300  # ASCII capitals, Vietnamese, marks: a real table


async def test_sql_fold_ignores_the_collation_it_is_given(pool: asyncpg.Pool) -> None:
    """Immutable for real: a locale that lower-cases Greek does not change the fold."""
    collation = await pool.fetchval(
        "SELECT collname FROM pg_collation WHERE collname IN ('C.utf8', 'und-x-icu', "
        "'en_US.utf8') ORDER BY collname LIMIT 1")
    if collation is None:
        pytest.skip("the server has no collation that lower-cases beyond ASCII")
    row = await pool.fetchrow(f"SELECT wactl_fold('ΩĐÀ' COLLATE \"{collation}\") AS folded, "
                              f"lower('ΩĐÀ' COLLATE \"{collation}\") AS lowered")
    assert row is not None
    folded, lowered = row["folded"], row["lowered"]
    assert lowered == "ωđà"  # the collation does lower-case them
    assert folded == "Ωda" == fold("ΩĐÀ")


VIETNAMESE = "".join(unicodedata.normalize("NFC", v + t).upper() + unicodedata.normalize(
    "NFC", v + t) for vs in VOWELS.values() for v in vs for t in TONES) + "Đđ"
MARKS = "".join(chr(c) for c in (*MARK_RANGES[0], 0x1DC4, 0x20D7, 0xFE20))
vietnamese_ish = st.text(st.sampled_from(
    VIETNAMESE + MARKS + "abcdhgkmnqrstvxzABDHZ 0123456789 ,.?!'\"%_\\&|:*()\x00\x01\x02"
    "ÇçÑñÅåØøßÆæ" + "Ω中😀"), max_size=40)
PROPS = settings(max_examples=50, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPS
@given(text=vietnamese_ish)
def test_fold_is_idempotent_and_leaves_no_combining_marks(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(c) for c in folded)
    assert not any(ord(c) in marks for c in folded for marks in MARK_RANGES)
    assert folded == folded.lower() or any(c in folded for c in "Ω中😀")


@PROPS
@given(text=vietnamese_ish)
async def test_fold_equals_sql_wactl_fold(pool: asyncpg.Pool, text: str) -> None:
    """Through the escape too: what is stored is `enc(text)`, and folding commutes with it."""
    folded = await pool.fetchval("SELECT wactl_fold($1)", enc(text))
    assert dec(folded) == fold(text)


# ------------------------------------------------------------------------------ search

async def test_unaccented_query_finds_vietnamese_text(pool: asyncpg.Pool) -> None:
    await _log(pool, "Đơn hàng của tôi")
    await _log(pool, "Cảm ơn shop", at=T0 + timedelta(minutes=1))
    for query in ("don hang", "DON HANG", "đơn hàng", "Đơn Hàng", "hang", "cua toi don"):
        assert await _found(pool, query) == ["Đơn hàng của tôi"], query
    assert await _found(pool, "cam on") == ["Cảm ơn shop"]
    assert await _found(pool, "don hang moi") == []  # every word must be there


async def test_accented_query_finds_unaccented_and_decomposed_text(pool: asyncpg.Pool) -> None:
    await _log(pool, "don hang cua toi")
    nfd = unicodedata.normalize("NFD", "Giao hàng nhanh")
    await _log(pool, nfd, at=T0 + timedelta(minutes=1))
    assert await _found(pool, "đơn hàng") == ["don hang cua toi"]
    assert await _found(pool, "giao hàng") == [nfd]
    assert await _found(pool, "hàng") == [nfd, "don hang cua toi"]  # newest first


async def test_english_words(pool: asyncpg.Pool) -> None:
    await _log(pool, "Where is my ORDER? It's late.")
    await _log(pool, "order-tracking: café latte", at=T0 + timedelta(minutes=1))
    assert await _found(pool, "order") == ["order-tracking: café latte",
                                           "Where is my ORDER? It's late."]
    assert await _found(pool, "where order") == ["Where is my ORDER? It's late."]
    assert await _found(pool, "cafe") == ["order-tracking: café latte"]
    assert await _found(pool, "orders") == []  # the 'simple' configuration: no stemming


async def test_another_shops_messages_are_never_found(pool: asyncpg.Pool) -> None:
    mine = await _log(pool, "Đơn hàng của tôi", shop="s")
    await _log(pool, "Đơn hàng của tôi", shop="t", at=T0 + timedelta(minutes=1))
    await _log(pool, "only in t: đơn hàng", shop="t", at=T0 + timedelta(minutes=2))
    hits = await search_messages(pool, "s", "don hang")
    assert not isinstance(hits, SearchError)
    assert [hit.id for hit in hits] == [mine]
    assert await _found(pool, "only") == []
    assert await _found(pool, "don hang", shop="nobody") == []
    assert len(await _found(pool, "don hang", shop="t")) == 2


async def test_sql_like_queries_are_only_words(pool: asyncpg.Pool) -> None:
    rows = {"drop": await _log(pool, "please '; DROP TABLE messages; -- thanks"),
            "percent": await _log(pool, "100% chắc chắn", at=T0 + timedelta(minutes=1)),
            "order": await _log(pool, "đơn hàng", at=T0 + timedelta(minutes=2))}
    for query, expected in SQL_LIKE.items():
        hits = await _hits(pool, query)
        assert {hit.id for hit in hits} == {rows[name] for name in expected}, repr(query)
    assert await pool.fetchval("SELECT count(*) FROM messages") == 3
    assert await pool.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = "
                               "current_schema()") > 10  # every table still there


async def test_empty_and_punctuation_queries_find_nothing(pool: asyncpg.Pool) -> None:
    await _log(pool, "... !!! ???")
    await _log(pool, "đơn hàng")
    for query in ("", "   ", "\t\n", "...", "!!! ???", "-", "'\"", "()"):
        assert await _found(pool, query) == [], repr(query)


async def test_a_long_query_is_refused_with_a_code(pool: asyncpg.Pool) -> None:
    await _log(pool, "hang")
    assert await _found(pool, ("hang " * 100)[:MAX_QUERY]) == ["hang"]
    refused = await search_messages(pool, "s", "hang " * 41)
    assert isinstance(refused, SearchError) and refused.code == "query_too_long"
    for limit in (0, -1, 501):
        bad = await search_messages(pool, "s", "hang", limit=limit)
        assert isinstance(bad, SearchError) and bad.code == "bad_limit"


async def test_pages_newest_first_hold_each_hit_once(pool: asyncpg.Pool) -> None:
    times = [T0, T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=1),
             T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), T0 - timedelta(days=1)]
    ids = [await _log(pool, f"đơn hàng số {n}", at=at, direction="in" if n % 2 else "out")
           for n, at in enumerate(times)]
    await _log(pool, "something else", at=T0 + timedelta(minutes=5))
    pages: list[list[MessageHit]] = []
    before: tuple[datetime, int] | None = None
    for _ in range(10):  # bounded: a cursor that does not move must fail, not hang
        page = await _hits(pool, "don hang", limit=3, before=before)
        if not page:
            break
        pages.append(page)
        before = page[-1].cursor
    seen = [hit for page in pages for hit in page]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(hit.id for hit in seen) == sorted(ids)  # each once, none missing
    assert [hit.cursor for hit in seen] == sorted((hit.cursor for hit in seen), reverse=True)
    assert seen[0].body == "đơn hàng số 5" and seen[-1].body == "đơn hàng số 6"
    first = seen[0]
    assert (first.wa_id, first.direction, first.kind, first.conversation) == (WA, "in", "text", 0)


async def test_nul_in_a_stored_body_is_searchable_and_decoded(pool: asyncpg.Pool) -> None:
    await _log(pool, "đơn\x00hàng \x01 của tôi")
    assert await pool.fetchval("SELECT body FROM messages") == enc("đơn\x00hàng \x01 của tôi")
    assert await _found(pool, "don hang") == ["đơn\x00hàng \x01 của tôi"]
    assert await _found(pool, "don\x00hang") == ["đơn\x00hàng \x01 của tôi"]
    assert await _found(pool, "\x01") == []


async def test_the_plan_can_use_the_gin_index(pool: asyncpg.Pool) -> None:
    """Three shops of 400 messages, two of each shop's holding the words: the index
    finds the shop's rows with the words in one lookup."""
    await pool.execute(
        "INSERT INTO messages (shop_id, wa_id, direction, kind, body, at) "
        "SELECT 'shop' || (n % 3), $1, 'in', 'text', CASE WHEN n % 200 < 3 "
        "THEN 'Đơn hàng ' || n ELSE 'xin chào ' || n END, $2::timestamptz + n * interval '1s' "
        "FROM generate_series(1, 1200) AS n", WA, T0)
    await pool.execute("ANALYZE messages")
    async with pool.acquire() as conn:
        await conn.execute("SET enable_seqscan = off")
        for before in (None, (T0 + timedelta(minutes=10), 600)):
            at, row_id = before if before is not None else (None, None)
            plan = "\n".join(r[0] for r in await conn.fetch(
                "EXPLAIN " + SEARCH_SQL, "shop1", "don hang", at, row_id, 50))
            assert "Bitmap Index Scan on messages_search" in plan, plan[:2000]
            index_cond = plan.split("Bitmap Index Scan on messages_search")[1]
            assert "ARRAY[shop_id] @> '{shop1}'" in index_cond and "@@" in index_cond
    hits = await search_messages(pool, "shop1", "don hang")
    assert not isinstance(hits, SearchError)
    expected = [n for n in range(1200, 0, -1) if n % 3 == 1 and n % 200 < 3]
    assert [hit.body for hit in hits] == [f"Đơn hàng {n}" for n in expected]
