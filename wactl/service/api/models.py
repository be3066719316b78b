"""The API's request and answer bodies: the handlers validate with these, and the
OpenAPI document is generated from them (`spec.openapi`), so the two cannot drift."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

WaId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:+-]+$")]
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]
FieldName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Consent = Literal["opted_in", "opted_out"]
Limit = Annotated[int, Field(ge=1, le=200)]
PageCursor = Annotated[str, Field(max_length=500, pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
                                  description="The `next` of the page before.")]


class Strict(BaseModel):
    """Bodies refuse keys they do not know: a typo is a 422, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class CustomerOut(BaseModel):
    wa_id: str
    name: str | None
    language: str | None
    tags: list[str]
    fields: dict[str, JsonValue]
    consent: Consent | None
    consent_at: datetime | None
    consent_source: str | None
    first_contacted_at: datetime | None
    created_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next: str | None = Field(description="The cursor of the next page; null on the last.")


class CustomerQuery(Strict):
    tag: Tag | None = None
    consent: Literal["opted_in", "opted_out", "unknown"] | None = None
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="A part of the name or wa_id, case-insensitive.")
    limit: Limit = 50
    cursor: PageCursor | None = None


class CustomerCreate(Strict):
    wa_id: WaId
    name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")] | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] = []
    fields: Annotated[dict[FieldName, JsonValue], Field(max_length=100)] = {}


class CustomerChange(Strict):
    name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")] | None = None


class TagsChange(Strict):
    add: Annotated[list[Tag], Field(max_length=50)] = []
    remove: Annotated[list[Tag], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _apart(self) -> TagsChange:
        both = sorted(set(self.add) & set(self.remove))
        if both:
            raise ValueError(f"tags both added and removed: {', '.join(both)}")
        return self


class FieldsChange(Strict):
    set: Annotated[dict[FieldName, JsonValue], Field(max_length=100)] = {}
    unset: Annotated[list[FieldName], Field(max_length=100)] = []


class ConsentChange(Strict):
    status: Consent
    source: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="Where the customer gave or withdrew consent (a form, a chat, ...).")


class CustomerExport(BaseModel):
    """Everything held about one customer."""

    customer: dict[str, JsonValue]
    messages: list[dict[str, JsonValue]]
    conversations: list[dict[str, JsonValue]]
    run_steps: list[dict[str, JsonValue]]


class ShopOut(BaseModel):
    shop_id: str
    name: str
    created_at: datetime


SessionStatus = Literal["active", "expired", "closed"]


class ConversationOut(BaseModel):
    """One conversation (session) of a customer with the shop."""

    wa_id: str
    number: int
    status: SessionStatus
    opened_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    assigned_to: str | None
    tags: list[str]


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next: str | None


class ConversationList(BaseModel):
    items: list[ConversationOut]


class ConversationQuery(Strict):
    status: SessionStatus | None = "active"
    assigned_to: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    limit: Limit = 50
    cursor: PageCursor | None = None


class MessageOut(BaseModel):
    id: int
    direction: Literal["in", "out"]
    kind: str
    body: str
    at: datetime
    status: str
    error: str | None


class ConversationWithMessages(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut] = Field(description="Newest first.")
    next: str | None


class PageQuery(Strict):
    limit: Limit = 50
    cursor: PageCursor | None = None


class Assign(Strict):
    to: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        description="Who takes the conversation; null: nobody.")


class TemplateMessage(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,512}$")]
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]
    params: Annotated[list[Annotated[str, Field(min_length=1, max_length=1024)]],
                      Field(max_length=20)] = []


class OutgoingMessage(Strict):
    """Exactly one of `text` (inside the 24 h window) and `template` (any time)."""

    text: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    template: TemplateMessage | None = None

    @model_validator(mode="after")
    def _one(self) -> OutgoingMessage:
        if (self.text is None) == (self.template is None):
            raise ValueError("give exactly one of `text` and `template`")
        return self


class Queued(BaseModel):
    message_id: str = Field(description="Our id of the message; its statuses follow it.")
    status: Literal["queued"] = "queued"


class HandedBack(BaseModel):
    wa_id: str
    handed_off: bool


PhoneNumberId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9]+$")]
AccessToken = Annotated[str, Field(min_length=8, max_length=4096, pattern=r"^[A-Za-z0-9_\-.]+$")]
SecretName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Z][A-Z0-9_]*$")]
Tier = Literal[250, 1_000, 2_000, 10_000, 100_000]
"""WhatsApp's messaging tiers (null: unlimited)."""


class AccountOut(BaseModel):
    """A connected WhatsApp number; its access token is never shown."""

    phone_number_id: str
    display_phone: str
    tier: int | None = Field(description="Distinct customers reached per 24 h; null: unlimited.")
    status: Literal["active", "suspended"]
    webhook_url: str | None
    has_token: bool


class AccountList(BaseModel):
    items: list[AccountOut]


WebhookUrl = Annotated[str, Field(max_length=2000, pattern=r"^https://[^\x00-\x20\x7f]+$")]
"""An https URL without spaces or control characters."""


class AccountConnect(Strict):
    phone_number_id: PhoneNumberId
    access_token: AccessToken
    display_phone: Annotated[str, Field(max_length=32)] = ""
    tier: Tier | None = None
    webhook_url: WebhookUrl | None = None


class AccountChange(Strict):
    access_token: AccessToken | None = None
    display_phone: Annotated[str, Field(max_length=32)] | None = None
    tier: Tier | Literal["unlimited"] | None = Field(
        None, description="The messaging tier Meta gave the number (distinct customers "
        "reached per 24 h); the service caps business-initiated sends to it.")
    webhook_url: WebhookUrl | None = None


class SecretNames(BaseModel):
    names: list[str]


class SecretValue(Strict):
    value: Annotated[str, Field(min_length=1, max_length=4096)]


class SearchQuery(Strict):
    q: Annotated[str, Field(min_length=1, max_length=200, description=(
        "Words every message found holds; accents folded, so `don hang` finds `đơn hàng`."))]
    limit: Limit = 50
    cursor: PageCursor | None = None


class SearchHit(BaseModel):
    id: int
    wa_id: str
    conversation: int
    direction: Literal["in", "out"]
    kind: str
    body: str
    at: datetime


class SearchPage(BaseModel):
    items: list[SearchHit] = Field(description="Newest first.")
    next: str | None


class FlowVersionOut(BaseModel):
    flow: str
    number: int = Field(description="1 for the flow's first deployed version, then 2, 3, ...")
    version: str = Field(description="The version's content hash.")
    deployed_at: datetime
    active: bool


class FlowList(BaseModel):
    items: list[FlowVersionOut] = Field(description="The active version of each flow.")


class FlowVersions(BaseModel):
    flow: str
    versions: list[FlowVersionOut]
    runs_in_progress: dict[str, int] = Field(description="Unfinished runs by version.")


class Rollback(Strict):
    to: Annotated[int, Field(ge=1, le=1_000_000)]


class DeployRequest(Strict):
    bundle: dict[str, JsonValue] = Field(description="The output of `wactl compile`.")
    dry_run: bool = True


class PlanEntry(BaseModel):
    flow: str
    action: Literal["add", "change", "remove", "keep"]
    old_version: str | None
    new_version: str | None
    runs_in_progress: int = Field(description="Runs on the old version: they finish on it.")


class AgentPlanEntry(BaseModel):
    agent: str
    action: Literal["add", "change", "remove", "keep"]
    old_hash: str | None
    new_hash: str | None


class DeployPlan(BaseModel):
    shop_id: str
    bundle_hash: str
    entries: list[PlanEntry] = Field(description="The flows.")
    agents: list[AgentPlanEntry] = Field(default_factory=list)
    settings: Literal["add", "change", "keep"] = Field(
        "keep", description="The project's settings (language, templates, egress, ...).")
    changes: int = Field(description="Flows, agents and settings added, changed or removed.")
    applied: bool


class AgentOut(BaseModel):
    agent: str
    hash: str
    model: str
    definition: dict[str, JsonValue] = Field(description="The agent as compiled (IR).")


class AgentList(BaseModel):
    items: list[AgentOut]
    deployed_at: datetime | None = Field(description="When the served agents were deployed.")


class StepOut(BaseModel):
    flow: str
    version: str
    step: str
    kind: str
    outcome: str
    at: datetime


class RunTrace(BaseModel):
    run_id: str
    wa_id: str
    steps: list[StepOut] = Field(description="Every step the run took, in order.")


class RunOut(BaseModel):
    run_id: str
    wa_id: str
    flow: str
    version: str
    step: str = Field(description="Where the run is now.")


class RunPage(BaseModel):
    items: list[RunOut]
    next: str | None


class RunQuery(Strict):
    flow: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,127}$")] | None = None
    limit: Limit = 50
    cursor: PageCursor | None = None


class VolumeQuery(Strict):
    days: Annotated[int, Field(ge=1, le=366)] = 30


class VolumeOut(BaseModel):
    day: date
    direction: Literal["in", "out"]
    messages: int


class Volume(BaseModel):
    items: list[VolumeOut]


class FunnelQuery(Strict):
    version: Annotated[str, Field(min_length=1, max_length=128)] | None = None


class FunnelStep(BaseModel):
    step: str
    version: str
    runs: int = Field(description="Runs that reached the step.")


class Funnel(BaseModel):
    flow: str
    steps: list[FunnelStep]


class Activate(Strict):
    version: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="The version number to make active; the latest when left out.")


class FunnelEnd(BaseModel):
    step: str
    runs: int = Field(description="Dropped runs that stopped at the step.")


class FunnelVersion(BaseModel):
    version: str
    started: int = Field(description="Runs of the flow (not of a flow that called it).")
    completed: int = Field(description="Ended normally: the flow's end (or its last step) "
                           "or a link to another flow.")
    handed_off: int = Field(description="A person took over: a handoff or agent step "
                            "handed over, or a rule did.")
    dropped: int = Field(description="Ended another way (expired, superseded, an error), "
                         "or in progress but idle for `idle_hours`.")
    in_progress: int
    dropped_at: list[FunnelEnd] = Field(description="Where the dropped runs stopped, "
                                        "most first.")


class FunnelOutcomes(Funnel):
    versions: list[FunnelVersion] = Field(description="How the runs ended, per version.")


class FunnelOutcomeQuery(FunnelQuery):
    idle_hours: Annotated[int, Field(ge=1, le=8784)] = 24


class ResponseTimesQuery(VolumeQuery):
    pass


class Durations(BaseModel):
    count: int = Field(description="Sessions measured.")
    median: float | None = Field(description="Seconds.")
    p90: float | None = Field(description="Seconds; the 90th percentile.")
    average: float | None = Field(description="Seconds.")


class ResponseDay(BaseModel):
    day: date = Field(description="The day (UTC) the sessions opened.")
    sessions: int
    first_response: Durations = Field(description="From a session's first inbound message "
                                      "to the first outbound one after it (bot or person).")
    resolution: Durations = Field(description="From a session's opening to its close or "
                                  "expiry (closed and expired sessions).")


class ResponseTimes(BaseModel):
    items: list[ResponseDay]


class AiUsageQuery(VolumeQuery):
    pass


class AiUsageOut(BaseModel):
    day: date = Field(description="The day (UTC) the answers arrived.")
    purpose: Literal["reply", "intent", "extract", "other"] = Field(
        description="What asked: an agent's reply, the intent classifier, an ask reading "
        "values from an answer, or an answer nothing waited for any more.")
    agent: str | None = Field(description="The agent, for replies.")
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float = Field(description="What the AI layer computed the calls cost.")


class AiUsageDays(BaseModel):
    items: list[AiUsageOut]
