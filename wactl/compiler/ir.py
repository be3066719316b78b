"""The step-graph IR the runtime executes: pydantic models, canonical JSON, content hashes.

The IR is what `deploy` ships and diffs, so it must be a pure function of what the
merchant wrote: no spans, no paths, no comments, nothing that depends on file order
or on which spelling (YAML or `.flow`) was used.  Expressions and templates stay as
source text; the runtime parses them with the same grammar the compiler checked.

Canonical JSON is `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`;
every hash is the sha256 hex digest of the canonical JSON of the hashed body without
its own `hash` key.  It is also what `Program.to_json()` returns by default (the C
encoder makes it ~10x faster than indented output); `to_json(indent=2)` is for people.

Lowering builds the IR as JSON-shaped data and `Program.build` encodes each flow and
agent exactly once: the same text gives its hash, goes into the bundle's text (whose
hash covers it), and is kept as the program's canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SCHEMA_VERSION: Literal["wactl.ir/1"] = "wactl.ir/1"

EdgeKindIR = Literal["next", "skip", "branch", "else", "fail", "error", "timeout", "goto"]
StepKindIR = Literal["send", "template", "ask", "branch", "set", "tag", "untag", "field",
                     "consent", "call", "wait", "agent", "handoff", "goto", "run", "link", "end"]


def canonical_json(data: Any) -> str:
    """The one serialisation that hashes and byte-for-byte comparisons use."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(data: Any) -> str:
    """sha256 hex digest of the canonical JSON of `data`."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


class IRNode(BaseModel):
    """Base of IR models: closed (unknown keys are an error when reading IR back)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def to_data(self) -> dict[str, Any]:
        """JSON-shaped dict with the YAML key spellings (`if`, not `if_`)."""
        return self.model_dump(mode="json", by_alias=True)


H = TypeVar("H", bound="IRNode")


def with_hash(node: H) -> H:
    """A copy of `node` whose `hash` field is the content hash of everything else."""
    body = node.to_data()
    body.pop("hash", None)
    return node.model_copy(update={"hash": content_hash(body)})


@dataclass(frozen=True, slots=True)
class Hashed:
    """A flow's or agent's data with its `hash` key, and the canonical JSON of that data."""

    data: dict[str, Any]
    text: str


def hashed(body: dict[str, Any]) -> Hashed:
    """`body` (without `hash`) hashed as `with_hash` does, encoding it only once.

    Canonical JSON sorts keys, so the text with the hash is the keys before "hash",
    then the hash, then the keys after it: both texts are spliced from the same two
    encoded halves instead of encoding the body twice.
    """
    head = canonical_json({k: v for k, v in body.items() if k < "hash"})[:-1]
    tail = canonical_json({k: v for k, v in body.items() if k > "hash"})[1:]
    inner = "," if len(head) > 1 and len(tail) > 1 else ""
    digest = hashlib.sha256(f"{head}{inner}{tail}".encode()).hexdigest()
    text = (head + ("," if len(head) > 1 else "") + f'"hash":"{digest}"'
            + ("," if len(tail) > 1 else "") + tail)
    return Hashed({**body, "hash": digest}, text)


# --------------------------------------------------------------------------- flows


class IREdge(IRNode):
    """One hop out of a step: where (`end` ends the run), which way, and a label for graphs."""

    to: str
    kind: EdgeKindIR
    label: str = ""


class IRStep(IRNode):
    """A step: its kind, the `when` guard, the loop bound, kind-specific params and edges.

    `params` holds the step's own keys (see `wactl.compiler.lower` for each kind's
    shape); control flow is only in `edges`: the runtime picks the edge by kind
    (`next` on success, `fail`/`error`/`timeout` on those outcomes, `skip` when the
    `when` guard is false, `branch` arms in order then `else`).
    """

    kind: StepKindIR
    when: str | None = None
    max_visits: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    edges: list[IREdge]


class _Trigger(IRNode):
    if_: str | None = Field(default=None, alias="if")


class IRKeywordTrigger(_Trigger):
    kind: Literal["keyword"] = "keyword"
    keywords: list[str]
    normalized: list[str]
    """Lowercase, no diacritics, words only (as WA601 folds them): what the runtime compares."""


class IRRegexTrigger(_Trigger):
    kind: Literal["regex"] = "regex"
    pattern: str


class IRIntentTrigger(_Trigger):
    kind: Literal["intent"] = "intent"
    intent: str
    min_confidence: float | None = None


class IREventTrigger(_Trigger):
    kind: Literal["event"] = "event"
    event: str


class IRScheduleTrigger(_Trigger):
    kind: Literal["schedule"] = "schedule"
    cron: str
    audience: str | None = None


IRTrigger = Annotated[
    IRKeywordTrigger | IRRegexTrigger | IRIntentTrigger | IREventTrigger | IRScheduleTrigger,
    Field(discriminator="kind"),
]


class IRFlow(IRNode):
    """One flow; `hash` covers every other field, so deploy can tell what changed."""

    id: str
    title: str | None = None
    description: str | None = None
    priority: int = 0
    trigger: IRTrigger | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    rule: bool = False
    entry: str | None
    steps: dict[str, IRStep]
    hash: str = ""


# --------------------------------------------------------------------------- agents


class IRAgentHandoff(IRNode):
    keywords: list[str] = Field(default_factory=list)
    normalized: list[str] = Field(default_factory=list)
    intents: list[str] = Field(default_factory=list)
    message: str | dict[str, str] | None = None


class IRAgent(IRNode):
    id: str
    model: str
    tone: str | None = None
    language: str | None = None
    constraints: list[str] = Field(default_factory=list)
    prompt: str | None = None
    context_messages: int = 10
    max_tokens: int | None = None
    temperature: float | None = None
    handoff: IRAgentHandoff | None = None
    hash: str = ""


# --------------------------------------------------------------------------- program


class IRTemplateSpec(IRNode):
    params: int = 0
    languages: list[str] = Field(default_factory=list)


class IREgress(IRNode):
    """Where `call` steps may go (see compiler/egress.py); empty hosts: any public host."""

    allow_hosts: list[str] = Field(default_factory=list)
    allow_http: bool = False


class IRProject(IRNode):
    """The project settings the runtime needs (no paths: those are the CLI's business)."""

    shop: str | None = None
    language: str = "vi"
    languages: list[str] = Field(default_factory=list)
    timezone: str = "Asia/Ho_Chi_Minh"
    service_url: str | None = None
    templates: dict[str, IRTemplateSpec] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list)
    egress: IREgress = Field(default_factory=IREgress)


class Program(IRNode):
    """The IR root: settings, flows sorted by id, agents sorted by id, and a bundle hash."""

    schema_version: Literal["wactl.ir/1"] = SCHEMA_VERSION
    project: IRProject
    flows: list[IRFlow] = Field(default_factory=list)
    agents: list[IRAgent] = Field(default_factory=list)
    hash: str = ""
    _canonical: str | None = PrivateAttr(default=None)
    """The canonical JSON, when `build` already made it (a cache, not part of the value)."""

    @classmethod
    def build(cls, project: dict[str, Any], flows: list[Hashed],
              agents: list[Hashed]) -> Program:
        """The program of lowered data, hashed like `with_hash` from the parts' own texts.

        Keys in canonical order: agents, flows, (hash), project, schema_version.
        """
        head = (f'{{"agents":[{",".join(a.text for a in agents)}],'
                f'"flows":[{",".join(f.text for f in flows)}]')
        tail = canonical_json({"project": project, "schema_version": SCHEMA_VERSION})[1:]
        digest = hashlib.sha256(f"{head},{tail}".encode()).hexdigest()
        program = cls.model_validate({
            "schema_version": SCHEMA_VERSION, "project": project, "hash": digest,
            "flows": [f.data for f in flows], "agents": [a.data for a in agents]})
        program._canonical = f'{head},"hash":"{digest}",{tail}'
        return program

    def __eq__(self, other: object) -> bool:
        """Field equality, as for any model: the cached canonical text does not count."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Program:
        """A copy; an updated copy drops the cached canonical text (it no longer holds)."""
        copy = super().model_copy(update=update, deep=deep)
        if update:
            copy._canonical = None
        return copy

    def to_json(self, indent: int | None = None) -> str:
        """Deterministic JSON text: sorted keys, UTF-8 kept.

        By default the canonical (compact) text; with `indent`, indented for people
        (ending with a newline).
        """
        if indent is None:
            return self._canonical or canonical_json(self.to_data())
        return json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False, indent=indent) + "\n"

    def canonical_bytes(self) -> bytes:
        return self.to_json().encode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> Program:
        """Read IR back (e.g. what `deploy` stored); pydantic's ValidationError if invalid."""
        return cls.model_validate_json(text)

    def flow(self, flow_id: str) -> IRFlow | None:
        return next((f for f in self.flows if f.id == flow_id), None)

    def agent(self, agent_id: str) -> IRAgent | None:
        return next((a for a in self.agents if a.id == agent_id), None)


def ir_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the IR, generated from the models above."""
    schema = Program.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://wactl.dev/schema/{SCHEMA_VERSION.replace('/', '-')}.json"
    return schema
