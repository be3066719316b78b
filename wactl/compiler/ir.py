"""The step-graph IR the runtime executes: pydantic models, canonical JSON, content hashes.

The IR is what `deploy` ships and diffs, so it must be a pure function of what the
merchant wrote: no spans, no paths, no comments, nothing that depends on file order
or on which spelling (YAML or `.flow`) was used.  Expressions and templates stay as
source text; the runtime parses them with the same grammar the compiler checked.

Canonical JSON is `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`;
every hash is the sha256 hex digest of the canonical JSON of the hashed body without
its own `hash` key.  It is also what `Program.to_json()` returns by default (the C
encoder makes it ~10x faster than indented output); `to_json(indent=2)` is for people.

Each step kind has its own model with its own params (`IRSendStep`, `IRAskStep`, ...,
told apart by `kind`), so mypy checks both the lowering that builds them and the engine
that reads them.  Optional params left out by the author are left out of the JSON too
(`Omit`).  Lowering builds the models and `Program.build` encodes each flow and agent
exactly once: the same text gives its hash, goes into the bundle's text (whose hash
covers it), and is kept as the program's canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter

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
T = TypeVar("T")


def with_hash(node: H) -> H:
    """A copy of `node` whose `hash` field is the content hash of everything else."""
    body = node.to_data()
    body.pop("hash", None)
    return node.model_copy(update={"hash": content_hash(body)})


@dataclass(frozen=True, slots=True)
class Hashed(Generic[H]):
    """A flow or an agent with its `hash` set, and the canonical JSON of it."""

    node: H
    text: str


def hashed_node(node: H) -> Hashed[H]:
    """`node` hashed as `with_hash` does, encoding it only once (see `_spliced`)."""
    text, digest = _spliced(node.to_data())
    return Hashed(node.model_copy(update={"hash": digest}), text)


def hashed_data(model: type[H], data: dict[str, Any]) -> Hashed[H]:
    """The node of `model` whose canonical data (`to_data()`, no `hash`) is `data`, hashed.

    Lowering makes the data first: it is encoded once, and pydantic builds the node from
    it with the hash set, as reading the IR back does; no dump of the built node.
    """
    text, digest = _spliced(data)
    return Hashed(model.model_validate({**data, "hash": digest}), text)


def _spliced(body: dict[str, Any]) -> tuple[str, str]:
    """The canonical JSON of `body` with its `hash` set to the hash of the rest, and that hash.

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
    return text, digest


# --------------------------------------------------------------------------- flows


NODE_CONFIG = ConfigDict(extra="forbid", populate_by_name=True)
"""Steps and their parts are frozen slotted stdlib dataclasses.  Pydantic validates them
when IR is read back (closed: an unknown key is an error); lowering builds them with
plain constructors that mypy checks, and pays no validation.  A program of 10,000 steps
holds one object per part, not three (a model's `__dict__` and fields-set come with
it), which keeps the collector's work, and so `Program` construction, small."""


class Node:
    """Base of the dataclass IR nodes: closed, frozen, dumped with the YAML key spellings."""

    __slots__ = ()
    __pydantic_config__ = NODE_CONFIG

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json", by_alias=True)
        return data


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    """One adapter per node class, made on first use (building one costs ~1 ms)."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


@dataclass(frozen=True, slots=True, kw_only=True)
class IREdge(Node):
    """One hop out of a step: where (`end` ends the run), which way, and a label for graphs."""

    to: str
    kind: EdgeKindIR
    label: str = ""


def _absent(value: Any) -> bool:
    """A param the author did not give (None, empty, or a part with nothing given):
    left out of the JSON, so the IR only says what the author said.

    Called by the serializer for every `Omit` field of every step, so the common
    answers (None, a string) come first and a part's field names are looked up once
    per class.
    """
    if value is None:
        return True
    if isinstance(value, Node):
        names = _field_names(type(value))
        if names is not None:
            return all(_absent(getattr(value, name)) for name in names)
    return bool(value == [] or value == {})


_FIELD_NAMES: dict[type[Any], tuple[str, ...] | None] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...] | None:
    """The dataclass field names of `cls` (None when it is not a dataclass), memoised."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None
        _FIELD_NAMES[cls] = names
        return names


Omit = Annotated[T, Field(exclude_if=_absent)]
"""A field that is left out of the JSON when not given (None, empty, or all its own fields
left out), so a program read back from JSON dumps to the very text it was read from."""


def _key(name: str) -> Any:
    """A field spelled `name` in the JSON (a Python keyword: `if`, `else`, `with`, ...)."""
    return Field(validation_alias=name, serialization_alias=name)


Text = str | dict[str, str]
"""A customer-facing text: a template string, or {language: template} when per-language."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IRTemplateRef(Node):
    name: str
    language: Omit[str | None] = None
    params: Omit[list[str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRListRow(Node):
    id: str
    title: Omit[Text | None] = None
    description: Omit[Text | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRListSection(Node):
    title: Omit[Text | None] = None
    rows: Omit[list[IRListRow]] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRListMenu(Node):
    button: Text | None = None
    sections: list[IRListSection] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRMessage(Node):
    """What a `send`, an `ask` shows: text, media by link with a caption, buttons or a list."""

    text: Omit[Text | None] = None
    image: Omit[str | None] = None
    document: Omit[str | None] = None
    audio: Omit[str | None] = None
    video: Omit[str | None] = None
    caption: Omit[Text | None] = None
    buttons: Omit[list[Text]] = field(default_factory=list)
    list_: Annotated[Omit[IRListMenu | None], _key("list")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRAssign(Node):
    """One `name: expression` of a `set` or `field` step (in the author's order)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IRArm(Node):
    if_: Annotated[str, _key("if")]
    goto: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IRRequest(Node):
    """A `call`'s HTTP request; `body` is there when the author wrote one (`{}` included)."""

    method: str = "GET"
    url: str
    headers: Omit[dict[str, str]] = field(default_factory=dict)
    timeout: Omit[int | None] = None
    retries: Omit[int | None] = None
    body: Annotated[Any, Field(exclude_if=lambda v: v is None)] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepParams(Node):
    """Base of the per-kind params of a step (absent keys left out of the JSON)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IRSendParams(StepParams):
    message: Omit[IRMessage] = field(default_factory=IRMessage)
    fallback_template: Omit[IRTemplateRef | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRTemplateParams(StepParams):
    template: IRTemplateRef


@dataclass(frozen=True, slots=True, kw_only=True)
class IRAskParams(StepParams):
    message: Omit[IRMessage] = field(default_factory=IRMessage)
    expect: str = "text"
    save: Omit[str | None] = None
    retries: int = 2
    retry_message: Omit[Text | None] = None
    validate_: Annotated[Omit[str | None], _key("validate")] = None
    extract: Omit[dict[str, str]] = field(default_factory=dict)
    timeout: Omit[int | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRBranchParams(StepParams):
    arms: Omit[list[IRArm]] = field(default_factory=list)
    else_: Annotated[Omit[str | None], _key("else")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRAssignParams(StepParams):
    assign: Omit[list[IRAssign]] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRTagsParams(StepParams):
    tags: Omit[list[str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRConsentParams(StepParams):
    consent: Literal["opted_in", "opted_out"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IRCallParams(StepParams):
    request: IRRequest
    save: Omit[str | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRWaitParams(StepParams):
    """`seconds` or `until` (an expression giving a date or an instant)."""

    seconds: Omit[int | None] = None
    until: Omit[str | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRAgentParams(StepParams):
    agent: str
    until: Omit[str | None] = None
    max_turns: Omit[int | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRHandoffParams(StepParams):
    message: Omit[Text | None] = None
    team: Omit[str | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRNoParams(StepParams):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class IRRunParams(StepParams):
    flow: str
    with_: Annotated[Omit[dict[str, str]], _key("with")] = field(default_factory=dict)
    save: Omit[str | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRLinkParams(StepParams):
    flow: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IREndParams(StepParams):
    message: Omit[Text | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Step(Node):
    """A step: its kind, the `when` guard, the loop bound, its kind's params and edges.

    Control flow is only in `edges`: the runtime picks the edge by kind (`next` on
    success, `fail`/`error`/`timeout` on those outcomes, `skip` when the `when` guard
    is false, `branch` arms in order then `else`).
    """

    when: str | None = None
    max_visits: int | None = None
    edges: list[IREdge]


@dataclass(frozen=True, slots=True, kw_only=True)
class IRSendStep(_Step):
    kind: Literal["send"] = "send"
    params: IRSendParams = field(default_factory=IRSendParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRTemplateStep(_Step):
    kind: Literal["template"] = "template"
    params: IRTemplateParams


@dataclass(frozen=True, slots=True, kw_only=True)
class IRAskStep(_Step):
    kind: Literal["ask"] = "ask"
    params: IRAskParams = field(default_factory=IRAskParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRBranchStep(_Step):
    kind: Literal["branch"] = "branch"
    params: IRBranchParams = field(default_factory=IRBranchParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRSetStep(_Step):
    kind: Literal["set"] = "set"
    params: IRAssignParams = field(default_factory=IRAssignParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRTagStep(_Step):
    kind: Literal["tag"] = "tag"
    params: IRTagsParams = field(default_factory=IRTagsParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRUntagStep(_Step):
    kind: Literal["untag"] = "untag"
    params: IRTagsParams = field(default_factory=IRTagsParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRFieldStep(_Step):
    kind: Literal["field"] = "field"
    params: IRAssignParams = field(default_factory=IRAssignParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRConsentStep(_Step):
    kind: Literal["consent"] = "consent"
    params: IRConsentParams


@dataclass(frozen=True, slots=True, kw_only=True)
class IRCallStep(_Step):
    kind: Literal["call"] = "call"
    params: IRCallParams


@dataclass(frozen=True, slots=True, kw_only=True)
class IRWaitStep(_Step):
    kind: Literal["wait"] = "wait"
    params: IRWaitParams = field(default_factory=IRWaitParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRAgentStep(_Step):
    kind: Literal["agent"] = "agent"
    params: IRAgentParams


@dataclass(frozen=True, slots=True, kw_only=True)
class IRHandoffStep(_Step):
    kind: Literal["handoff"] = "handoff"
    params: IRHandoffParams = field(default_factory=IRHandoffParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRGotoStep(_Step):
    kind: Literal["goto"] = "goto"
    params: IRNoParams = field(default_factory=IRNoParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRRunStep(_Step):
    kind: Literal["run"] = "run"
    params: IRRunParams


@dataclass(frozen=True, slots=True, kw_only=True)
class IRLinkStep(_Step):
    kind: Literal["link"] = "link"
    params: IRLinkParams


@dataclass(frozen=True, slots=True, kw_only=True)
class IREndStep(_Step):
    kind: Literal["end"] = "end"
    params: IREndParams = field(default_factory=IREndParams)


AnyStep = (IRSendStep | IRTemplateStep | IRAskStep | IRBranchStep | IRSetStep | IRTagStep
           | IRUntagStep | IRFieldStep | IRConsentStep | IRCallStep | IRWaitStep | IRAgentStep
           | IRHandoffStep | IRGotoStep | IRRunStep | IRLinkStep | IREndStep)
IRStep = Annotated[AnyStep, Field(discriminator="kind")]
"""A step of any kind, told apart by `kind` (one model per kind, each with its own params)."""
STEP_ADAPTER: TypeAdapter[AnyStep] = TypeAdapter(IRStep)
"""Reads one step from JSON-shaped data (`STEP_ADAPTER.validate_python(data)`)."""
STEP_TYPES: dict[str, type[AnyStep]] = {
    "send": IRSendStep, "template": IRTemplateStep, "ask": IRAskStep, "branch": IRBranchStep,
    "set": IRSetStep, "tag": IRTagStep, "untag": IRUntagStep, "field": IRFieldStep, "consent":
    IRConsentStep, "call": IRCallStep, "wait": IRWaitStep, "agent": IRAgentStep, "handoff":
    IRHandoffStep, "goto": IRGotoStep, "run": IRRunStep, "link": IRLinkStep, "end": IREndStep}
"""The model of each step kind."""


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


AnyTrigger = (IRKeywordTrigger | IRRegexTrigger | IRIntentTrigger | IREventTrigger
              | IRScheduleTrigger)
IRTrigger = Annotated[AnyTrigger, Field(discriminator="kind")]


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
    def build(cls, project: IRProject, flows: list[Hashed[IRFlow]],
              agents: list[Hashed[IRAgent]]) -> Program:
        """The program of lowered parts, hashed like `with_hash` from the parts' own texts.

        Keys in canonical order: agents, flows, (hash), project, schema_version.
        """
        head = (f'{{"agents":[{",".join(a.text for a in agents)}],'
                f'"flows":[{",".join(f.text for f in flows)}]')
        tail = canonical_json({"project": project.to_data(),
                               "schema_version": SCHEMA_VERSION})[1:]
        digest = hashlib.sha256(f"{head},{tail}".encode()).hexdigest()
        program = cls(schema_version=SCHEMA_VERSION, project=project, hash=digest,
                      flows=[f.node for f in flows], agents=[a.node for a in agents])
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
