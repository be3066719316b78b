"""WhatsApp webhook bodies for tests: the shared samples (copied here) and a body builder.

`SAMPLES` are the reference bodies, byte for byte, copied from
`/work/shared/reference/webhook-samples` so CI (where that folder is absent) tests the
same bytes.  `body()` wraps messages or statuses in the envelope WhatsApp sends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent / "webhook_samples"
SHARED_SAMPLES = Path("/work/shared/reference/webhook-samples")
PHONE_NUMBER_ID = "114205938870312"
WABA_ID = "108923457710245"
CUSTOMER = "84912345678"


def change(*, messages: list[Any] | None = None,
           statuses: list[dict[str, Any]] | None = None,
           contacts: list[dict[str, Any]] | None = None,
           phone_number_id: str = PHONE_NUMBER_ID, field: str = "messages") -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "842873001122", "phone_number_id": phone_number_id}}
    if contacts is not None:
        value["contacts"] = contacts
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"value": value, "field": field}


def envelope(*changes: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": list(changes)} for _ in range(entries)]}


def body(*messages: dict[str, Any], name: str = "Nguyễn Thị Mai") -> bytes:
    """One change with these messages from the customer, as WhatsApp serialises it."""
    contacts = [{"profile": {"name": name}, "wa_id": CUSTOMER}]
    return encode(envelope(change(messages=list(messages), contacts=contacts)))


def encode(data: object) -> bytes:
    """JSON with non-ASCII `\\uXXXX`-escaped, as Meta sends (and signs) it."""
    return json.dumps(data, ensure_ascii=True).encode("ascii")


def message(kind: str, part: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"from": CUSTOMER, "id": f"wamid.HBgL{kind.upper()}AA==",
                           "timestamp": "1795560000", "type": kind}
    if part is not None:
        msg[kind] = part
    msg.update(extra)
    return msg
