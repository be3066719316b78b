"""Which of an ask's offered picks a typed reply means (`expect: choice` and `choices`).

One typed pick is matched against the option titles, first rule that decides wins:

1. the reply equals a title, compared case- and diacritic-insensitively with
   punctuation ignored ("dung roi!" is "Đúng rồi");
2. the same after dropping polite filler words at the start and end of both ("Đúng rồi
   ạ", "ok nhé", "cho mình Theo dõi nha") — negations such as "không" are never filler;
3. the reply is an option's 1-based number ("2", "số 2", "#2", "2️⃣", "option 2");
4. the reply is a whole-word part of exactly one title ("chiều" for "Chiều (13-17h)",
   "person" for "Talk to a person"); a part of two titles is ambiguous, no match.

The reverse of rule 4 (a title inside a longer reply) is deliberately not a match:
"không đúng" contains "Đúng" but means the opposite.

Several picks (`choices`): "1, 3", "1 và 3", "1 3", titles separated by commas, `;`,
`/`, `&`, "and", "và", "với", or "all" / "both" / "tất cả" / "cả hai" for every option.
Every part must be a pick, or nothing is; the result is in option order, without
repeats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wactl.compiler.checks.triggers import normalise
from wactl.runtime._answer_numbers import clean, fold

FILLER = frozenset(
    "a ạ da dạ vang vâng nhe nhé nha nhen nhé ha ok oke okay okie please pls plz thanks thank "
    "you cam cảm on ơn ban bạn oi ơi luon luôn chon chọn minh mình em anh chi chị lay "
    "lấy cho roi rồi i want choose pick take the option number so số la là".split())
_FILLER = frozenset(normalise(w) for w in FILLER)
_INDEX_WORDS = frozenset({"so", "number", "no", "option", "chon", "lua", "#"})
_SPLIT = re.compile(r"\s*(?:[,;/&+\n]|\band\b|\bva\b|\bvoi\b|\bcung\b)\s*")
_ALL = frozenset({"all", "both", "all of them", "tat ca", "ca hai", "ca ba", "het", "tat"})


def match_one(text: str, titles: Sequence[str]) -> int | None:
    """The index of the title a typed reply picks, by the module's rules; None if none."""
    reply = normalise(clean(text))
    keys = [_key(t) for t in titles]
    if not reply:
        return _exact_raw(text, titles)
    for rule in (_exact, _without_filler, _by_number, _by_part):
        found = rule(reply, keys)
        if found is not None:
            return found
    return None


def match_many(text: str, titles: Sequence[str]) -> list[int] | None:
    """Indexes (in option order) of every title a typed reply picks; None unless all parts do."""
    single = match_one(text, titles)
    if single is not None and _exact(normalise(clean(text)), [_key(t) for t in titles]) is not None:
        return [single]
    if normalise(fold(text)) in _ALL and titles:
        return list(range(len(titles)))
    parts = [p for p in _SPLIT.split(fold(text)) if normalise(p)]
    picks: list[int] = []
    for part in parts:
        found = _part_picks(part, titles)
        if found is None:
            return None
        picks.extend(found)
    return sorted(set(picks)) or None


def _part_picks(part: str, titles: Sequence[str]) -> list[int] | None:
    """One comma-separated part: a pick, or several numbers separated by spaces ("1 3")."""
    found = match_one(part, titles)
    if found is not None:
        return [found]
    words = normalise(part).split()
    if len(words) > 1 and all(w.isdigit() for w in words):
        numbers = [_by_number(w, [_key(t) for t in titles]) for w in words]
        if all(n is not None for n in numbers):
            return [n for n in numbers if n is not None]
    return None


def _key(title: str) -> str:
    return normalise(clean(title))


def _core(words: str) -> str:
    """A normalised text without the filler words at its start and end ("cho mình X nhé")."""
    parts = words.split()
    while parts and parts[0] in _FILLER:
        parts.pop(0)
    while parts and parts[-1] in _FILLER:
        parts.pop()
    return " ".join(parts)


def _exact_raw(text: str, titles: Sequence[str]) -> int | None:
    """Emoji or punctuation-only replies ("👍") compare with titles as written."""
    raw = clean(text)
    return next((i for i, t in enumerate(titles) if raw and clean(t) == raw), None)


def _exact(reply: str, keys: Sequence[str]) -> int | None:
    return next((i for i, k in enumerate(keys) if k and k == reply), None)


def _without_filler(reply: str, keys: Sequence[str]) -> int | None:
    core = _core(reply)
    return next((i for i, k in enumerate(keys) if core and _core(k) == core), None)


def _by_number(reply: str, keys: Sequence[str]) -> int | None:
    words = [w for w in reply.split() if w not in _INDEX_WORDS and w not in _FILLER]
    if len(words) != 1 or not words[0].isdigit() or len(words[0]) > 3:
        return None
    number = int(words[0])
    return number - 1 if 1 <= number <= len(keys) else None


def _by_part(reply: str, keys: Sequence[str]) -> int | None:
    core = _core(reply) or reply
    if len(core) < 2:
        return None
    hits = [i for i, k in enumerate(keys) if f" {core} " in f" {k} "]
    return hits[0] if len(hits) == 1 else None
