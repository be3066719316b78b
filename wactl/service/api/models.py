"""The API's request and answer bodies: the handlers validate with these, and the
OpenAPI document is generated from them (`spec.openapi`), so the two cannot drift."""

from __future__ import annotations

from datetime import datetime
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
