"""The one AST that both spellings (YAML and `.flow`) load into.

Every node carries `span` (where it came from), flows/steps carry `comments`
(full-line comments written just before them, so `wactl fmt` keeps them) and nodes with
checked names carry `key_spans` (where each value was written, see `span_of`).  All are
*attributes*, not structure: they are excluded from `model_dump()`, so dumps, IR bytes,
content hashes and round-trip comparisons ignore how a file was laid out.  Compare
nodes with `same(a, b)` — pydantic's `==` would compare spans too.

Field names follow LANGUAGE.md's YAML keys; where a key is a Python keyword the field
gets a trailing underscore and an alias (`if_` ↔ `if`).  Optional keys whose absence
means "the default" are stored as None so that formatting never invents keys.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from wactl.diagnostics import NO_SPAN
from wactl.diagnostics import Span as _Span


class _SpanSchema:
    """Spans are validated as what they are: `Span` instances, never parsed from data.

    Loaders always pass a `Span`, and spans are excluded from every dump, so the
    dataclass schema pydantic would build for `Span` (once per model and per
    `dict[str, Span]`, ~90 times; a third of building the AST's validators, which
    every `wactl validate` pays on start) only ever checked an isinstance.
    """

    _SCHEMA = core_schema.is_instance_schema(_Span)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        return cls._SCHEMA

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        return {"type": "object", "title": "Span"}


Span = Annotated[_Span, _SpanSchema]

SCHEMA_LANGS = ("vi", "en")
EXPECT_KINDS = ("text", "number", "email", "phone", "date", "time", "choice", "choices")
"""`expect` values; `regex:<pattern>` is the one parametrised form."""
EXTRACT_TYPES = ("text", "number", "email", "phone", "date", "time")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
TONES = ("friendly", "professional", "casual")


class Node(BaseModel):
    """Base of every AST node: a span and no extra fields."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=False,
                              defer_build=True)

    span: Span = Field(default=NO_SPAN, exclude=True, repr=False)


def span_of(node: Node, key: str) -> Span:
    """The span of `node`'s value for `key`, or the node's own span when not recorded.

    Nodes whose plain-string values get checked (steps, branch arms, triggers, tests, AI
    mocks) carry `key_spans`: key (`next`, `goto`, `run`, `pattern`, `keywords.0`, ...)
    → span of the *value*, so a diagnostic about a bad value points at the value (STYLE
    rule 2), not at the enclosing step.  Like `span` it is an attribute excluded from
    dumps; loaders fill it only for keys actually written.
    """
    spans: dict[str, Span] | None = getattr(node, "key_spans", None)
    return node.span if spans is None else spans.get(key, node.span)


def same(a: BaseModel | None, b: BaseModel | None) -> bool:
    """Structural equality that ignores spans and comments (see module doc)."""
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and a.model_dump(by_alias=True) == b.model_dump(by_alias=True)


# --------------------------------------------------------------------------- leaves


class Expr(Node):
    """An expression as written (`order.status == "shipped"`); parsed by the compiler.

    `span` starts at the first character of the expression text itself (after any
    opening quote), so offsets inside `src` map to file positions.
    """

    src: str


class Template(Node):
    """Text with `{{ EXPR | filter }}` holes; `span` starts at its first character."""

    src: str


class Text(Node):
    """Customer-facing text: one template, or a map language → template.

    `variants` has the single key `""` for the plain form (`send: "Hi"`), or language
    codes for the per-language form (`text: {vi: ..., en: ...}`).
    """

    variants: dict[str, Template]

    @property
    def is_plain(self) -> bool:
        return list(self.variants) == [""]


class Duration(Node):
    """A duration such as `30s`, `15m`, `2h`, `3d`, kept as whole seconds."""

    seconds: int


# --------------------------------------------------------------------------- messages


class ListRow(Node):
    id: str
    title: Text
    description: Text | None = None


class ListSection(Node):
    title: Text | None = None
    rows: list[ListRow]


class ListMenu(Node):
    """An interactive list: the button that opens it and its sections of rows."""

    button: Text
    sections: list[ListSection]


class Message(Node):
    """What `send` (and `ask`) carry.  A plain string loads as `Message(text=...)`."""

    text: Text | None = None
    image: Template | None = None
    document: Template | None = None
    audio: Template | None = None
    video: Template | None = None
    caption: Text | None = None
    buttons: list[Text] = Field(default_factory=list)
    list_: ListMenu | None = Field(default=None, alias="list")

    @property
    def is_plain(self) -> bool:
        """True when the YAML short form `send: "text"` can spell it."""
        if self.text is None:
            return False
        return self.model_dump(exclude={"text"}, exclude_defaults=True) == {}


class TemplateRef(Node):
    """A pre-approved WhatsApp template: `{name, language, params}`, or just a name."""

    name: str
    language: str | None = None
    params: list[Template] = Field(default_factory=list)


# --------------------------------------------------------------------------- triggers


class TriggerBase(Node):
    if_: Expr | None = Field(default=None, alias="if")
    # value spans by key: pattern, event, cron, keywords.<i> (see span_of)
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)


class KeywordTrigger(TriggerBase):
    kind: Literal["keyword"] = "keyword"
    keywords: list[str]


class RegexTrigger(TriggerBase):
    kind: Literal["regex"] = "regex"
    pattern: str


class IntentTrigger(TriggerBase):
    kind: Literal["intent"] = "intent"
    intent: str
    min_confidence: float | None = None


class EventTrigger(TriggerBase):
    kind: Literal["event"] = "event"
    event: str


class ScheduleTrigger(TriggerBase):
    kind: Literal["schedule"] = "schedule"
    cron: str
    audience: Expr | None = None


Trigger = Annotated[
    KeywordTrigger | RegexTrigger | IntentTrigger | EventTrigger | ScheduleTrigger,
    Field(discriminator="kind"),
]

TRIGGER_KINDS = ("keyword", "regex", "intent", "event", "schedule")
EVENT_NAMES = (
    "conversation.started",
    "conversation.closed",
    "customer.created",
    "customer.opted_in",
    "customer.opted_out",
    "customer.tagged",
    "customer.untagged",
    "customer.field_changed",
    "message.delivered",
    "message.read",
    "message.failed",
    "handoff.requested",
)


# --------------------------------------------------------------------------- steps


class StepBase(Node):
    """Keys every step has: `id`, optional `next`, `when` guard and `max_visits` loop bound.

    `max_visits` is wactl's addition to LANGUAGE.md: a loop that does not wait for the
    customer is allowed when one of its steps carries it; a run that enters that step
    more than N times ends with an error instead of looping.
    """

    id: str
    next: str | None = None
    when: Expr | None = None
    max_visits: int | None = None  # explicit loop bound: the run stops after N visits
    comments: list[str] = Field(default_factory=list, exclude=True, repr=False)
    # value spans by key: next, goto, else, on_*, run, link, agent, ... (see span_of)
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)
    # an error while reading it left some of it unread or read as a guess: checks that
    # conclude from something's absence (unreachable, never assigned) do not judge it
    unsure: bool = Field(default=False, exclude=True, repr=False)


class SendStep(StepBase):
    kind: Literal["send"] = "send"
    send: Message
    fallback_template: TemplateRef | None = None


class TemplateStep(StepBase):
    kind: Literal["template"] = "template"
    template: TemplateRef


class AskStep(StepBase):
    kind: Literal["ask"] = "ask"
    ask: Message
    expect: str | None = None  # EXPECT_KINDS or "regex:<pattern>"; None means text
    save: str | None = None
    retries: int | None = None  # None means the default, 2
    retry_message: Text | None = None
    on_fail: str | None = None
    validate_: Expr | None = Field(default=None, alias="validate")
    extract: dict[str, str] = Field(default_factory=dict)  # variable -> EXTRACT_TYPES
    timeout: Duration | None = None
    on_timeout: str | None = None


class BranchArm(Node):
    if_: Expr = Field(alias="if")
    goto: str
    # value spans by key: goto (see span_of)
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)


class BranchStep(StepBase):
    kind: Literal["branch"] = "branch"
    branch: list[BranchArm]
    else_: str | None = Field(default=None, alias="else")


class SetStep(StepBase):
    kind: Literal["set"] = "set"
    set: dict[str, Expr]  # YAML null loads as Expr(src="null")


class TagStep(StepBase):
    kind: Literal["tag"] = "tag"
    tag: list[str]


class UntagStep(StepBase):
    kind: Literal["untag"] = "untag"
    untag: list[str]


class FieldStep(StepBase):
    kind: Literal["field"] = "field"
    field: dict[str, Template]


class ConsentStep(StepBase):
    kind: Literal["consent"] = "consent"
    consent: Literal["opted_in", "opted_out"]


class HttpRequest(Node):
    method: str = "GET"  # HTTP_METHODS
    url: Template
    headers: dict[str, Template] = Field(default_factory=dict)
    body: Any = None  # JSON value; its strings are templates
    timeout: Duration | None = None
    retries: int | None = None
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)


class CallStep(StepBase):
    kind: Literal["call"] = "call"
    call: HttpRequest
    save: str | None = None
    on_error: str | None = None


class WaitStep(StepBase):
    """`wait: 2h` (duration) or `wait: {until: EXPR}`; exactly one is set."""

    kind: Literal["wait"] = "wait"
    wait: Duration | None = None
    until: Expr | None = None


class AgentStep(StepBase):
    kind: Literal["agent"] = "agent"
    agent: str
    until: Expr | None = None
    max_turns: int | None = None


class HandoffStep(StepBase):
    kind: Literal["handoff"] = "handoff"
    handoff: Text | None = None
    team: str | None = None


class GotoStep(StepBase):
    kind: Literal["goto"] = "goto"
    goto: str


class RunStep(StepBase):
    kind: Literal["run"] = "run"
    run: str
    with_: dict[str, Expr] = Field(default_factory=dict, alias="with")
    save: str | None = None


class LinkStep(StepBase):
    kind: Literal["link"] = "link"
    link: str


class EndStep(StepBase):
    kind: Literal["end"] = "end"
    end: Text | None = None


Step = Annotated[
    SendStep | TemplateStep | AskStep | BranchStep | SetStep | TagStep | UntagStep | FieldStep
    | ConsentStep | CallStep | WaitStep | AgentStep | HandoffStep | GotoStep | RunStep
    | LinkStep | EndStep,
    Field(discriminator="kind"),
]

STEP_KINDS = ("send", "template", "ask", "branch", "set", "tag", "untag", "field", "consent",
              "call", "wait", "agent", "handoff", "goto", "run", "link", "end")
END = "end"
"""The reserved target meaning 'end the run' (`next: end`)."""

KEY_ALIASES = {
    "say": "send", "message": "send", "reply": "send", "text": "send", "respond": "send",
    "question": "ask", "prompt": "ask", "input": "ask", "then": "goto", "jump": "goto",
    "go": "goto", "goto_step": "goto", "handover": "handoff", "transfer": "handoff",
    "human": "handoff", "sleep": "wait", "delay": "wait", "pause": "wait", "http": "call",
    "request": "call", "webhook": "call", "api": "call", "tags": "tag", "add_tag": "tag",
    "remove_tag": "untag", "variables": "vars", "assign": "set", "save_as": "save",
    "store": "save", "keywords": "keyword", "pattern": "regex", "subflow": "run",
    "call_flow": "run", "jump_to_flow": "link", "stop": "end", "finish": "end",
    "condition": "if", "cond": "if", "otherwise": "else", "default": "else",
    "options": "buttons", "quick_replies": "buttons", "on_invalid": "on_fail",
    "max_retries": "retries", "attempts": "retries", "expects": "expect", "type": "expect",
}
"""Keys other bots' formats use for what wactl spells differently: hints for WA103."""


# --------------------------------------------------------------------------- flow


class Flow(Node):
    id: str
    title: str | None = None
    description: str | None = None
    priority: int | None = None  # None means 0
    trigger: Trigger | None = None
    vars: dict[str, Any] = Field(default_factory=dict)  # initial JSON values
    rule: bool = False
    steps: list[Step] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list, exclude=True, repr=False)
    # what a load error left out: the ids of steps that could not be read ("" when
    # unnamed), and whether anything else of the flow (a key, a step's part) is in doubt
    lost_steps: list[str] = Field(default_factory=list, exclude=True, repr=False)
    partial: bool = Field(default=False, exclude=True, repr=False)

    @property
    def in_doubt(self) -> bool:
        """True when a load error may have changed this flow's graph or assignments."""
        return self.partial or bool(self.lost_steps) or any(s.unsure for s in self.steps)


# --------------------------------------------------------------------------- agents


class AgentHandoff(Node):
    keywords: list[str] = Field(default_factory=list)
    intents: list[str] = Field(default_factory=list)
    message: Text | None = None


class Agent(Node):
    id: str
    model: str = "gpt-4o-mini"
    tone: str | None = None  # TONES
    language: str | None = None
    constraints: list[str] = Field(default_factory=list)
    prompt: Template | None = None
    context_messages: int | None = None  # None means 10
    max_tokens: int | None = None
    temperature: float | None = None
    handoff: AgentHandoff | None = None
    comments: list[str] = Field(default_factory=list, exclude=True, repr=False)


# --------------------------------------------------------------------------- tests


class TestCustomer(Node):
    wa_id: str = "84900000000"
    name: str | None = None
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    fields: dict[str, Any] = Field(default_factory=dict)
    consent: str | None = None


class HttpMock(Node):
    method: str = "GET"
    url: str
    status: int = 200
    json_: Any = Field(default=None, alias="json")
    body: str | None = None
    delay: Duration | None = None


class AiMock(Node):
    agent: str | None = None
    reply: str | None = None
    intent: str | None = None
    extract: dict[str, Any] = Field(default_factory=dict)
    # value spans by key: agent (see span_of)
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)


class Mocks(Node):
    http: list[HttpMock] = Field(default_factory=list)
    ai: list[AiMock] = Field(default_factory=list)


class UserTurn(Node):
    """A customer's message: exactly one of text, button, list, image, location, ..."""

    kind: Literal["user"] = "user"
    text: str | None = None
    button: str | None = None
    list_: str | None = Field(default=None, alias="list")
    image: str | None = None
    document: str | None = None
    audio: str | None = None
    video: str | None = None
    location: dict[str, float] | None = None


class BotTurn(Node):
    """An expected bot message: text (exact, or `/regex/`), buttons, list rows, template."""

    kind: Literal["bot"] = "bot"
    text: str | None = None
    buttons: list[str] | None = None
    list_: list[str] | None = Field(default=None, alias="list")
    template: str | None = None
    image: str | None = None


class ClockTurn(Node):
    kind: Literal["clock"] = "clock"
    advance: Duration


Turn = Annotated[UserTurn | BotTurn | ClockTurn, Field(discriminator="kind")]


class TestExpect(Node):
    vars: dict[str, Any] | None = None
    tags: list[str] | None = None
    fields: dict[str, Any] | None = None
    consent: str | None = None
    handoff: bool | None = None
    events: list[str] | None = None


class ConvTest(Node):
    name: str
    flow: str | None = None
    customer: TestCustomer | None = None
    mocks: Mocks | None = None
    turns: list[Turn] = Field(default_factory=list)
    expect: TestExpect | None = None
    # value spans by key: flow (see span_of)
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)


# --------------------------------------------------------------------------- project


class TemplateSpec(Node):
    """A template the shop has had approved, declared so param counts can be checked."""

    params: int = 0
    languages: list[str] = Field(default_factory=list)


class ProjectPaths(Node):
    flows: list[str] = Field(default_factory=lambda: ["flows"])
    agents: list[str] = Field(default_factory=lambda: ["agents"])
    tests: list[str] = Field(default_factory=lambda: ["tests"])
    # the keys the file wrote, so `wactl fmt` keeps those that hold their default
    written: list[str] = Field(default_factory=list, exclude=True, repr=False)


class Egress(Node):
    """`egress:` in wactl.yaml: where the flows' `call` steps may go (compiler/egress.py)."""

    allow_hosts: list[str] = Field(default_factory=list)  # empty: any public host
    allow_http: bool = False


class Project(Node):
    """`wactl.yaml`; every key optional."""

    shop: str | None = None
    language: str = "vi"
    languages: list[str] = Field(default_factory=list)  # extra languages beside `language`
    timezone: str = "Asia/Ho_Chi_Minh"
    service_url: str | None = None
    paths: ProjectPaths = Field(default_factory=ProjectPaths)
    templates: dict[str, TemplateSpec] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list)  # names readable as secrets.X
    egress: Egress = Field(default_factory=Egress)
    # the keys the file wrote (`time_zone` as `timezone`), so `wactl fmt` neither drops
    # one that holds its default nor writes a default the merchant left out
    written: list[str] = Field(default_factory=list, exclude=True, repr=False)
    key_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)


# --------------------------------------------------------------------------- files


class SourceFile(Node):
    """Everything one file declared.  `kind` says which spelling wrote it."""

    path: str
    spelling: Literal["yaml", "flow"]
    flows: list[Flow] = Field(default_factory=list)
    agents: list[Agent] = Field(default_factory=list)
    tests: list[ConvTest] = Field(default_factory=list)
    project: Project | None = None
    multi: bool = Field(default=False, exclude=True)  # YAML `flows:` list form
    comments: list[str] = Field(default_factory=list, exclude=True, repr=False)  # file header
