"""The last check before a model's reply reaches a customer.

A reply that fails a rule is not sent: the verdict says `handoff` with a reason code,
and the engine hands the conversation to a person (who sees the reason) instead.
Handing off is the safe failure: a person can always answer what the model should
not have.  The rules are the checkable part of "keep to the persona and never leak
another customer's data"; none of them reads meaning, so each can be explained to a
merchant in one sentence.

Every rule reads the reply as its reader sees it (`visible`: NFKC, no zero-width or
other format characters), so `0901\u200b234\u200b567` is a phone number and a name
with a soft hyphen in it is that name.

- `empty`: nothing to send.
- `too_long`: longer than the persona's `max_tokens` allow (about 4 characters a
  token), or than `MAX_REPLY_PARTS` WhatsApp texts.  A reply longer than one WhatsApp
  text (4,096 characters) is sent in parts (`text_limit.split_text`).
- `contact_leak`: a phone number, WhatsApp id or email address that did not come
  from this conversation: not the customer's own, not in the persona's prompt,
  constraints or shop facts, not typed by the customer.  A model has no legitimate
  other source for one, so it is either invented or someone else's.
- `other_customer`: the name of another person (a full name in any case, with or
  without diacritics; a one-word name as written) the request's scope carries: a record
  in the flow's variables (`vars`) with a name (`name`, `full_name`) and a contact
  (`wa_id`, `phone`, `mobile`, `email`) none of which is this conversation's
  participant's (the customer's wa_id, the phones and emails of their own data).
- `foreign_link`: a link or bare domain (`shopee.vn`) whose host is not one the
  persona's prompt, constraints, shop facts, the project or the customer mentioned.
- `unsourced_price` / `unsourced_date`: when a constraint restricts prices (or
  promising dates) — a constraint that names the topic and says never / not / only —
  an amount of money (a calendar date, a weekday, "tomorrow") the sources do not
  contain.  Amounts compare by value, so `500k` matches a prompt's `500,000đ`.

"The sources" are the allowed texts: the rendered persona prompt, constraints, shop
facts, the customer's own data and the customer's messages (not the assistant's:
an earlier slip must not license the next one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from wactl.compiler.checks.triggers import normalise
from wactl.compiler.ir import IRAgent, IRProject
from wactl.runtime.agents import claims
from wactl.runtime.agents.prompt import CHARS_PER_TOKEN, render_persona
from wactl.runtime.agents.visible import visible
from wactl.runtime.effects import AiRequest
from wactl.runtime.text_limit import WHATSAPP_TEXT_LIMIT

MAX_REPLY_PARTS = 8
"""A reply longer than this many WhatsApp texts is not sent: no answer needs that many."""
NAME_KEYS = ("name", "full_name")
_WORD = re.compile(r"\w+")
CONTACT_KEYS = ("wa_id", "phone", "mobile", "phone_number", "email")

PRICE_TOPICS = frozenset({"price", "prices", "pricing", "cost", "costs", "gia", "promotion",
                          "promotions", "discount", "discounts"})
DATE_TOPICS = frozenset({"date", "dates", "deadline", "ngay"})
RESTRICTIONS = frozenset({"never", "not", "don", "no", "only", "avoid", "khong", "dung", "cam",
                          "chi"})


@dataclass(frozen=True, slots=True)
class SafetyVerdict:
    """`handoff` with a `reason` code (see the module doc) when the reply must not go out."""

    handoff: bool = False
    reason: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.handoff


SAFE = SafetyVerdict()


def check_reply(text: str | None, agent: IRAgent, request: AiRequest,
                project: IRProject | None = None) -> SafetyVerdict:
    """The verdict on a persona's reply: SAFE, or a handoff with the first broken rule."""
    shown = visible(text or "")
    if not shown.strip():
        return _refuse("empty", "the model's reply is empty")
    limit = _length_limit(agent)
    if text is not None and len(text) > limit:
        return _refuse("too_long", f"{len(text)} characters, over the limit of {limit}")
    sources = allowed_sources(agent, request, project)
    for check in (_contacts, _names, _links, _prices, _dates):
        verdict = check(shown, sources, agent, request)
        if verdict.handoff:
            return verdict
    return SAFE


def _refuse(reason: str, detail: str) -> SafetyVerdict:
    return SafetyVerdict(handoff=True, reason=reason, detail=detail)


def _length_limit(agent: IRAgent) -> int:
    most = MAX_REPLY_PARTS * WHATSAPP_TEXT_LIMIT
    return min(agent.max_tokens * CHARS_PER_TOKEN, most) if agent.max_tokens else most


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class Sources:
    """What the reply may repeat, pre-digested for each rule."""

    text: str
    phones: frozenset[str]
    emails: frozenset[str]
    hosts: frozenset[str]
    foreign_names: frozenset[str]


def allowed_sources(agent: IRAgent, request: AiRequest,
                    project: IRProject | None = None) -> Sources:
    """The texts a reply may draw on (see the module doc), and the names it must not."""
    scope = request.scope
    texts = [render_persona(agent, scope), *agent.constraints, request.text, request.wa_id,
             *(text for role, text in request.history if role == "user"),
             *_strings(scope.get("shop")), *_strings(scope.get("customer"))]
    if project is not None and project.service_url:
        texts.append(project.service_url)
    shown = [visible(t) for t in texts if t]  # one by one: no number runs across two
    return Sources(text="\n".join(shown),
                   phones=frozenset(p for t in shown for p in claims.phones(t)),
                   emails=frozenset(e for t in shown for e in claims.emails(t)),
                   hosts=frozenset(h for t in shown for h in claims.hosts(t)),
                   foreign_names=frozenset(_foreign_names(request)))


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every scalar in a JSON-shaped value, as text (bounded depth)."""
    if depth > 6 or value is None or isinstance(value, bool):
        return
    if isinstance(value, str | int | float):
        yield str(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)


def _foreign_names(request: AiRequest) -> Iterator[str]:
    """Names (as shown) of person records in scope that are not this conversation's."""
    customer = request.scope.get("customer")
    own = _own_contacts(request)
    own_name = normalise(_name_of(customer)) if isinstance(customer, Mapping) else ""
    for key, value in request.scope.items():
        if key in ("customer", "shop"):
            continue
        for record in _records(value):
            contacts = _contacts_of(record)
            name = _name_of(record)
            plain = normalise(name)
            if contacts and not contacts & own and len(plain) >= 3 and plain != own_name:
                yield name


def _own_contacts(request: AiRequest) -> set[str]:
    """The participant's contacts: the wa_id, and every phone and email of their data."""
    own = {claims.phone_key(request.wa_id)}
    for text in _strings(request.scope.get("customer")):
        own.update(claims.phones(text))
        own.update(claims.emails(text))
    return own


def _contacts_of(record: Mapping[str, Any]) -> set[str]:
    """A record's phone keys and emails (a bare wa_id of 9+ digits is a phone)."""
    found: set[str] = set()
    for key in CONTACT_KEYS:
        value = record.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = visible(str(value))
            found.update(claims.emails(text) if "@" in text else claims.phones(text))
    return found


def _name_of(record: Mapping[str, Any]) -> str:
    name = next((record[k] for k in NAME_KEYS if isinstance(record.get(k), str)), "")
    return " ".join(visible(name).split())


def _records(value: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    if depth > 6:
        return
    if isinstance(value, Mapping):
        if any(k in value for k in NAME_KEYS) and any(k in value for k in CONTACT_KEYS):
            yield value
        for item in value.values():
            yield from _records(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _records(item, depth + 1)


# --------------------------------------------------------------------------- rules


def _contacts(text: str, sources: Sources, agent: IRAgent, request: AiRequest) -> SafetyVerdict:
    for phone in claims.phones(text):
        if phone not in sources.phones:
            return _refuse("contact_leak",
                           f"a phone number not from this conversation (…{phone[-4:]})")
    for email in claims.emails(text):
        if email not in sources.emails:
            return _refuse("contact_leak", "an email address not from this conversation")
    return SAFE


def _names(text: str, sources: Sources, agent: IRAgent, request: AiRequest) -> SafetyVerdict:
    """A full name matches without diacritics or case; a one-word name only as written.

    "Trần Văn Bình" is "tran van binh" too, but a lone given name must keep its marks:
    without them "Minh" would be "mình" ("I"), in nearly every Vietnamese reply.
    """
    plain = f" {normalise(text)} "
    words = f" {' '.join(_WORD.findall(text.casefold()))} "
    for name in sources.foreign_names:
        if " " in name and f" {normalise(name)} " in plain:
            return _refuse("other_customer", "the name of another customer")
        if " " not in name and f" {name.casefold()} " in words:
            return _refuse("other_customer", "the name of another customer")
    return SAFE


def _links(text: str, sources: Sources, agent: IRAgent, request: AiRequest) -> SafetyVerdict:
    for host in claims.hosts(text):
        if not any(host == ok or host.endswith("." + ok) for ok in sources.hosts):
            return _refuse("foreign_link", f"a link to {host}, which the persona never mentions")
    return SAFE


def _prices(text: str, sources: Sources, agent: IRAgent, request: AiRequest) -> SafetyVerdict:
    if not restricts(agent, PRICE_TOPICS):
        return SAFE
    known = set(claims.amounts(sources.text))
    for amount in claims.amounts(text):
        if amount not in known:
            return _refuse("unsourced_price", f"the amount {amount:g}, which no source gives")
    return SAFE


def _dates(text: str, sources: Sources, agent: IRAgent, request: AiRequest) -> SafetyVerdict:
    if not restricts(agent, DATE_TOPICS):
        return SAFE
    known = set(claims.dates(sources.text))
    for found in claims.dates(text):
        if found not in known:
            return _refuse("unsourced_date", f"the date {found!r}, which no source gives")
    return SAFE


def restricts(agent: IRAgent, topics: frozenset[str]) -> bool:
    """Whether a constraint names one of `topics` and restricts it (never, not, only...)."""
    for constraint in agent.constraints:
        words = set(normalise(constraint).split())
        if words & topics and words & RESTRICTIONS:
            return True
    return False
