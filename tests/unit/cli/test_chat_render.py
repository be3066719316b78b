"""Bot messages drawn as WhatsApp shows them, on a console that is not a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from io import StringIO

from rich.console import Console
from rich.text import Text

from wactl.cli.chat_render import ChatView, choices_of, effect_note, message_lines
from wactl.runtime.effects import (
    Button,
    ConsentChanged,
    FieldsChanged,
    Handoff,
    HttpRequest,
    Log,
    Publish,
    Row,
    Section,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
    TagsChanged,
)

TO = "84900000001"
BUTTONS = SendInteractive(TO, "Order 10423 is on its way with GHN.", buttons=(
    Button("track", "Track it"), Button("human", "Talk to a person")))
LIST = SendInteractive(TO, "Pick a service", list_button="Services", sections=(
    Section("Hair", (Row("cut", "Haircut", "30 minutes, 200k"), Row("wash", "Wash"))),
    Section("Nails", (Row("mani", "Manicure"),))))


def view() -> tuple[ChatView, StringIO]:
    buffer = StringIO()
    return ChatView(Console(file=buffer, force_terminal=False, width=80)), buffer


def plain(lines: Sequence[Text]) -> list[str]:
    return [str(line) for line in lines]


def test_buttons_are_numbered_in_order() -> None:
    assert plain(message_lines(BUTTONS))[-2:] == ["[1] Track it", "[2] Talk to a person"]
    assert [(c.number, c.kind, c.id) for c in choices_of(BUTTONS)] == [
        (1, "button", "track"), (2, "button", "human")]


def test_list_rows_are_numbered_across_sections_with_descriptions() -> None:
    lines = plain(message_lines(LIST))
    assert lines[lines.index("≡ Services"):] == [
        "≡ Services", "Hair", "[1] Haircut", "    30 minutes, 200k", "[2] Wash", "Nails",
        "[3] Manicure"]
    assert [(c.number, c.kind, c.id, c.title) for c in choices_of(LIST)][-1] == (
        3, "list", "mani", "Manicure")


def test_media_and_template_lines() -> None:
    assert plain(message_lines(SendMedia(TO, "image", "https://x.test/a.png", "New serum"))) == [
        "[image] https://x.test/a.png — New serum"]
    assert plain(message_lines(SendMedia(TO, "document", "https://x.test/a.pdf"))) == [
        "[document] https://x.test/a.pdf"]
    template = SendTemplate(TO, "cart_reminder", "vi", ("Mai", "https://shop.test/c/1"))
    assert plain(message_lines(template)) == [
        "[template cart_reminder(vi): Mai, https://shop.test/c/1]"]
    assert plain(message_lines(SendTemplate(TO, "hello", "en"))) == ["[template hello(en)]"]


def test_interactive_header_media_and_text_come_first() -> None:
    message = SendInteractive(TO, "Body", buttons=(Button("a", "A"),), header_text="Title",
                              header_media=("image", "https://x.test/h.png"))
    assert plain(message_lines(message))[:3] == ["[image] https://x.test/h.png", "Title", "Body"]


def test_bubbles_print_without_a_terminal() -> None:
    chat, buffer = view()
    chat.bot(SendText(TO, "What's your order number?"))
    chat.user("10423")
    chat.bot(BUTTONS)
    out = buffer.getvalue()
    assert "\x1b[" not in out
    assert "│ What's your order number? │" in out
    assert "│ 10423 │" in out
    assert "[2] Talk to a person" in out
    assert out.index("order number") < out.index("10423") < out.index("Track it")


def test_markup_in_texts_is_shown_as_written() -> None:
    chat, buffer = view()
    chat.bot(SendText(TO, "Use code [bold]SALE[/bold]"))
    assert "[bold]SALE[/bold]" in buffer.getvalue()


def test_long_texts_wrap_inside_a_phone_wide_bubble() -> None:
    chat, buffer = view()
    chat.bot(SendText(TO, "word " * 40))
    assert max(len(line) for line in buffer.getvalue().splitlines()) <= 64


def test_side_effects_become_notes() -> None:
    assert effect_note(TagsChanged(TO, ("vip",), ("new",))) == "tags +vip -new"
    assert effect_note(FieldsChanged(TO, {"city": "HCM"})) == "fields city='HCM'"
    assert effect_note(ConsentChanged(TO, "opted_out")) == "consent opted_out"
    assert effect_note(Handoff(TO, "support", "asked for a person")) == (
        "handed to a person (team support): asked for a person")
    assert effect_note(HttpRequest("r1", "GET", "https://shop.test/o/1")) == (
        "GET https://shop.test/o/1")
    assert effect_note(Log("warning", "RT1", "bad", "f", "s")) == "warning RT1 at f.s: bad"
    assert effect_note(Log("info", "RT0", "fine")) is None
    assert effect_note(Publish("WhatsAppMessageReceived")) is None


def test_tables_and_notes() -> None:
    chat, buffer = view()
    chat.table("vars", [("order_id", "10423")])
    chat.table("trace", [])
    chat.note("clock +2h")
    out = buffer.getvalue()
    assert "order_id" in out and "10423" in out and "(none)" in out
    assert "· clock +2h" in out
