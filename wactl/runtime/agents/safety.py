"""The last check before a model's reply reaches a customer.

A reply that fails a rule is not sent: the verdict says `handoff` with a reason code,
and the engine hands the conversation to a person (who sees the reason) instead.
Handing off is the safe failure: a person can always answer what the model should
not have.  The rules are the checkable part of "keep to the persona and never leak
another customer's data"; none of them reads meaning, so each can be explained to a
merchant in one sentence.

- `empty`: nothing to send.
- `too_long`: longer than the persona's `max_tokens` allow (about 4 characters a
  token) or than WhatsApp's 4,096-character text limit.
- `contact_leak`: a phone number, WhatsApp id or email address that did not come
  from this conversation: not the customer's own, not in the persona's prompt,
  constraints or shop facts, not typed by the customer.  A model has no legitimate
  other source for one, so it is either invented or someone else's.
- `other_customer`: the name of another person the request's scope carries (a record
  with a `name` and a `wa_id`/`phone` that is not this customer's).
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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from wactl.compiler.checks.triggers import normalise
from wactl.compiler.ir import IRAgent, IRProject
from wactl.runtime.agents import claims
from wactl.runtime.agents.prompt import CHARS_PER_TOKEN, render_persona
from wactl.runtime.effects import AiRequest

WHATSAPP_TEXT_LIMIT = 4096

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
    if text is None or not text.strip():
        return _refuse("empty", "the model's reply is empty")
    limit = _length_limit(agent)
    if len(text) > limit:
        return _refuse("too_long", f"{len(text)} characters, over the limit of {limit}")
    sources = allowed_sources(agent, request, project)
    for check in (_contacts, _names, _links, _prices, _dates):
        verdict = check(text, sources, agent, request)
        if verdict.handoff:
            return verdict
    return SAFE


def _refuse(reason: str, detail: str) -> SafetyVerdict:
    return SafetyVerdict(handoff=True, reason=reason, detail=detail)


def _length_limit(agent: IRAgent) -> int:
    if agent.max_tokens:
        return min(agent.max_tokens * CHARS_PER_TOKEN, WHATSAPP_TEXT_LIMIT)
    return WHATSAPP_TEXT_LIMIT


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
    text = "\n".join(t for t in texts if t)
    return Sources(text=text, phones=frozenset(claims.phones(text)),
                   emails=frozenset(claims.emails(text)), hosts=frozenset(claims.hosts(text)),
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
    """Normalised names of person records in scope that are not this customer."""
    own = claims.phone_key(request.wa_id)
    for key, value in request.scope.items():
        if key in ("customer", "shop"):
            continue
        for record in _records(value):
            ids = [record.get("wa_id"), record.get("phone")]
            keys = {claims.phone_key(str(i)) for i in ids if isinstance(i, str | int)}
            name = normalise(str(record.get("name") or ""))
            if keys and own not in keys and len(name) >= 3:
                yield name


def _records(value: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    if depth > 6:
        return
    if isinstance(value, Mapping):
        if "name" in value and ("wa_id" in value or "phone" in value):
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
    padded = f" {normalise(text)} "
    for name in sources.foreign_names:
        if f" {name} " in padded:
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
