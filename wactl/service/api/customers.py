"""`/api/customers`: the shop's customers, their tags, fields and consent, export, forget.

A change of consent publishes `CustomerOptInChanged` through the outbox, as a flow's
consent step does, so integrations hear of it however it was made."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from wactl.service.api.context import context
from wactl.service.api.errors import ApiError
from wactl.service.api.models import (
    ConsentChange,
    CustomerChange,
    CustomerCreate,
    CustomerExport,
    CustomerOut,
    CustomerPage,
    CustomerQuery,
    FieldsChange,
    TagsChange,
)
from wactl.service.api.spec import Call, Endpoint
from wactl.service.postgres.crm import CustomerEdit, CustomerFilter, CustomerRow, record_consent

log = logging.getLogger("wactl.api")
_NOT_FOUND = ApiError(404, "not_found", "no such customer")


def _out(c: CustomerRow | None) -> CustomerOut:
    if c is None:
        raise _NOT_FOUND
    return CustomerOut.model_validate(c, from_attributes=True)


async def list_customers(call: Call) -> CustomerPage:
    q: CustomerQuery = call.query
    ctx = context(call.request)
    position = ctx.cursors.position(f"customers:{call.shop}", q.cursor, (str,))
    after = None if position is None else str(position[0])
    rows = await ctx.crm(call.shop).customers(CustomerFilter(q.tag, q.consent, q.q),
                                              after=after, limit=q.limit + 1)
    more = len(rows) > q.limit
    rows = rows[:q.limit]
    cursor = ctx.cursors.encode(f"customers:{call.shop}", [rows[-1].wa_id]) if more else None
    return CustomerPage(items=[_out(r) for r in rows], next=cursor)


async def get_customer(call: Call) -> CustomerOut:
    return _out(await context(call.request).crm(call.shop).customer(call.path["wa_id"]))


async def create_customer(call: Call) -> CustomerOut:
    b: CustomerCreate = call.body
    edit = CustomerEdit(name=b.name, language=b.language, add_tags=list(b.tags),
                        set_fields=dict(b.fields))
    made = await context(call.request).crm(call.shop).create(b.wa_id, edit)
    if made is None:
        raise ApiError(409, "exists", f"customer {b.wa_id} exists")
    return _out(made)


async def _edit(call: Call, edit: CustomerEdit) -> CustomerOut:
    return _out(await context(call.request).crm(call.shop).edit(call.path["wa_id"], edit))


async def change_customer(call: Call) -> CustomerOut:
    b: CustomerChange = call.body
    return await _edit(call, CustomerEdit(name=b.name, language=b.language))


async def change_tags(call: Call) -> CustomerOut:
    b: TagsChange = call.body
    return await _edit(call, CustomerEdit(add_tags=list(b.add), remove_tags=list(b.remove)))


async def change_fields(call: Call) -> CustomerOut:
    b: FieldsChange = call.body
    return await _edit(call, CustomerEdit(set_fields=dict(b.set), unset_fields=list(b.unset)))


async def change_consent(call: Call) -> CustomerOut:
    """In the conversation's unit of work, as a flow's consent step: the change and its
    `CustomerOptInChanged` event in the outbox commit together (see `record_consent`)."""
    b: ConsentChange = call.body
    store = context(call.request).store
    async with store.shop(call.shop).unit(call.path["wa_id"]) as u:
        return _out(await record_consent(u, b.status, b.source, datetime.now(UTC)))


async def export_customer(call: Call) -> CustomerExport:
    found = await context(call.request).crm(call.shop).export(call.path["wa_id"])
    if found is None:
        raise _NOT_FOUND
    return CustomerExport.model_validate(found)


async def forget_customer(call: Call) -> None:
    if not await context(call.request).crm(call.shop).forget(call.path["wa_id"]):
        raise _NOT_FOUND
    log.info("customer forgotten", extra={"code": "customer_forgotten", "shop": call.shop})


_ONE = "/customers/{wa_id}"
ENDPOINTS = [
    Endpoint("GET", "/customers", list_customers, "List customers (filter by tag, consent, text)",
             CustomerPage, query=CustomerQuery),
    Endpoint("POST", "/customers", create_customer, "Create a customer", CustomerOut,
             body=CustomerCreate, status=201, errors=(409,)),
    Endpoint("GET", _ONE, get_customer, "Get a customer", CustomerOut, errors=(404,)),
    Endpoint("PATCH", _ONE, change_customer, "Change name or language", CustomerOut,
             body=CustomerChange, errors=(404,)),
    Endpoint("DELETE", _ONE, forget_customer, "Forget a customer (anonymise; bodies deleted)",
             errors=(404,)),
    Endpoint("POST", _ONE + "/tags", change_tags, "Add and remove tags", CustomerOut,
             body=TagsChange, errors=(404,)),
    Endpoint("PATCH", _ONE + "/fields", change_fields, "Set and unset custom fields", CustomerOut,
             body=FieldsChange, errors=(404,)),
    Endpoint("PUT", _ONE + "/consent", change_consent, "Record opt-in consent", CustomerOut,
             body=ConsentChange, errors=(404,)),
    Endpoint("GET", _ONE + "/export", export_customer, "Everything held about a customer",
             CustomerExport, errors=(404,)),
]
