"""Full-text search over a shop's message log, Vietnamese and English, accents folded.

A customer types `don hang` for `đơn hàng` (or the shop's agent looks for `Đơn Hàng`):
both sides of the match go through one folding, lower-case and without diacritics, so
either spelling finds the other.  The folding is `wactl_fold` in PostgreSQL (migration
0009, a `translate` that any role can create, where the `unaccent` extension may not be
allowed) and `fold` here, the same table: `fold(t)` is what `wactl_fold(t)` returns,
character for character (the tests compare them over every code point).

Searches go through `plainto_tsquery` with the query as a parameter: whatever the text
holds (quotes, `&|!():*`, `%`, SQL) it is only words.  Rows are one shop's, newest first,
paged by (at, id); message text is stored through `text.enc` and decoded here.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from wactl.service.postgres.text import dec, enc

_FOLDS = {
    "a": "ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǠǡǺǻȀȁȂȃȦȧḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ",
    "b": "ḂḃḄḅḆḇ",
    "c": "ÇçĆćĈĉĊċČčḈḉ",
    "d": "ÐðĎďĐđḊḋḌḍḎḏḐḑḒḓ",
    "e": "ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
    "f": "Ḟḟ",
    "g": "ĜĝĞğĠġĢģǦǧǴǵḠḡ",
    "h": "ĤĥĦħȞȟḢḣḤḥḦḧḨḩḪḫẖ",
    "i": "ÌÍÎÏìíîïĨĩĪīĬĭĮįİıǏǐȈȉȊȋḬḭḮḯỈỉỊị",
    "j": "Ĵĵǰ",
    "k": "ĶķǨǩḰḱḲḳḴḵ",
    "l": "ĹĺĻļĽľŁłḶḷḸḹḺḻḼḽ",
    "m": "ḾḿṀṁṂṃ",
    "n": "ÑñŃńŅņŇňǸǹṄṅṆṇṈṉṊṋ",
    "o": "ÒÓÔÕÖØòóôõöøŌōŎŏŐőƠơǑǒǪǫǬǭȌȍȎȏȪȫȬȭȮȯȰȱṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ",
    "p": "ṔṕṖṗ",
    "r": "ŔŕŖŗŘřȐȑȒȓṘṙṚṛṜṝṞṟ",
    "s": "ŚśŜŝŞşŠšȘșṠṡṢṣṤṥṦṧṨṩ",
    "t": "ŢţŤťŦŧȚțṪṫṬṭṮṯṰṱẗ",
    "u": "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự",
    "v": "ṼṽṾṿ",
    "w": "ŴŵẀẁẂẃẄẅẆẇẈẉẘ",
    "x": "ẊẋẌẍ",
    "y": "ÝýÿŶŷŸȲȳẎẏẙỲỳỴỵỶỷỸỹ",
    "z": "ŹźŻżŽžẐẑẒẓẔẕ",
    "æ": "Æ", "œ": "Œ", "þ": "Þ", "ŋ": "Ŋ",  # letters of their own, lower-cased only
}
"""Each base letter and the accented letters, capital and small, that fold to it: every
Vietnamese vowel with every tone mark, đ/Đ (and the look-alike ð/Ð), Latin-1 and Latin
Extended; and the capitals of letters of their own (Æ Œ Þ Ŋ).  The same rows as
migration 0009's table."""

MARK_RANGES = (range(0x0300, 0x0370), range(0x1AB0, 0x1B00), range(0x1DC0, 0x1E00),
               range(0x20D0, 0x2100), range(0xFE20, 0xFE30))
"""The combining-mark blocks `fold` deletes (text typed decomposed: `o` + U+031B + U+0301
for `ớ`): Combining Diacritical Marks, its Extended and Supplement, for Symbols, Half
Marks."""

_TABLE: dict[int, str | None] = {
    **{ord(c): c.lower() for c in string.ascii_uppercase},
    **{ord(c): base for base, chars in _FOLDS.items() for c in chars},
    **{mark: None for marks in MARK_RANGES for mark in marks},
}

MAX_QUERY = 200
"""Characters a query may have: enough for any phrase a person looks for, and a bound on
the tsquery the database builds from it."""
MAX_LIMIT = 500
INDEXED_PREFIX = 100_000
"""Characters of a body the index covers (migration 0009): the search sees no further."""


def fold(text: str) -> str:
    """`text` lower-cased (ASCII) with accented Latin letters replaced by their base letter
    and combining marks deleted: what PostgreSQL's `wactl_fold` returns."""
    return text.translate(_TABLE)


@dataclass(frozen=True, slots=True)
class MessageHit:
    """One message that matched: where it is (conversation, session number, row id) and
    what it said."""

    id: int
    wa_id: str
    conversation: int
    direction: Literal["in", "out"]
    kind: str
    body: str
    at: datetime

    @property
    def cursor(self) -> tuple[datetime, int]:
        """The `before` that asks for the hits after this one (older)."""
        return self.at, self.id


@dataclass(frozen=True, slots=True)
class SearchError:
    """A search refused before it ran: `code` is `query_too_long` or `bad_limit`."""

    code: Literal["query_too_long", "bad_limit"]
    message: str


SEARCH_SQL = f"""
SELECT id, wa_id, conversation, direction, kind, body, at FROM messages
 WHERE ARRAY[shop_id] @> ARRAY[$1::text] AND shop_id = $1
   AND to_tsvector('simple', wactl_fold(left(body, {INDEXED_PREFIX})))
       @@ plainto_tsquery('simple', wactl_fold($2))
   AND ($3::timestamptz IS NULL OR (at, id) < ($3::timestamptz, $4::bigint))
 ORDER BY at DESC, id DESC
 LIMIT $5"""
"""The shop's condition twice: `ARRAY[shop_id] @> ...` is the form the index
`messages_search` holds (shop and words in one GIN index), `shop_id = $1` says plainly
that no other shop's row is ever returned.  The body expression is the index's, word
for word, or the index would not serve it."""


async def search_messages(pool: asyncpg.Pool, shop_id: str, query: str, *, limit: int = 50,
                          before: tuple[datetime, int] | None = None,
                          ) -> list[MessageHit] | SearchError:
    """The shop's messages holding every word of `query` (folded), newest first: at most
    `limit`, older than `before` (the last hit's `cursor`) when given.  A query with no
    words (empty, only punctuation) finds nothing."""
    if len(query) > MAX_QUERY:
        return SearchError("query_too_long",
                           f"a search query has at most {MAX_QUERY} characters, "
                           f"this one {len(query)}")
    if not 1 <= limit <= MAX_LIMIT:
        return SearchError("bad_limit", f"limit must be 1 to {MAX_LIMIT}, not {limit}")
    if not query.strip():
        return []
    at, row_id = before if before is not None else (None, None)
    rows = await pool.fetch(SEARCH_SQL, shop_id, enc(query), at, row_id, limit)
    return [_hit(row) for row in rows]


def _hit(row: asyncpg.Record) -> MessageHit:
    return MessageHit(row["id"], dec(row["wa_id"]), row["conversation"], row["direction"],
                      dec(row["kind"]), dec(row["body"]), row["at"])
