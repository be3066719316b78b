"""The step-graph IR the runtime executes: pydantic models, canonical JSON, content hashes.

The IR is what `deploy` ships and diffs, so it must be a pure function of what the
merchant wrote: no spans, no paths, no comments, nothing that depends on file order
or on which spelling (YAML or `.flow`) was used.  Expressions and templates stay as
source text; the runtime parses them with the same grammar the compiler checked.

Canonical JSON is `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`;
every hash is the sha256 hex digest of the canonical JSON of the hashed body without
its own `hash` key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

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
    """Lowercase, diacritics stripped, spaces collapsed: what the runtime compares."""


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


class IRProject(IRNode):
    """The project settings the runtime needs (no paths: those are the CLI's business)."""

    shop: str | None = None
    language: str = "vi"
    languages: list[str] = Field(default_factory=list)
    timezone: str = "Asia/Ho_Chi_Minh"
    service_url: str | None = None
    templates: dict[str, IRTemplateSpec] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list)


class Program(IRNode):
    """The IR root: settings, flows sorted by id, agents sorted by id, and a bundle hash."""

    schema_version: Literal["wactl.ir/1"] = SCHEMA_VERSION
    project: IRProject
    flows: list[IRFlow] = Field(default_factory=list)
    agents: list[IRAgent] = Field(default_factory=list)
    hash: str = ""

    def to_json(self, indent: int | None = 2) -> str:
        """Deterministic JSON text: sorted keys, UTF-8 kept; `indent=None` is canonical."""
        if indent is None:
            return canonical_json(self.to_data())
        return json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False, indent=indent) + "\n"

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_data()).encode("utf-8")

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
