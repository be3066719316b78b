"""Bot messages drawn in the terminal the way WhatsApp shows them, for `wactl simulate`.

A merchant trying a flow wants to see what the customer will see: a text bubble, the
reply buttons under it, a list menu's rows with their descriptions, a picture with its
caption, a template with the values filled in.  Buttons and list rows are numbered
`[1] [2] [3]` so they can be picked by typing the number; `choices_of` gives those
numbers to the session, so what is drawn and what a number picks never disagree.

Everything here builds rich renderables from effects and never reads input, so it
works the same on a terminal, in a pipe (a `--script` transcript for a bug report) and
in tests (a `Console` writing to a buffer, `force_terminal=False`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich import box
from rich.align import Align
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from wactl.runtime.effects import (
    ConsentChanged,
    Effect,
    FieldsChanged,
    Handoff,
    HttpRequest,
    Log,
    SendInteractive,
    SendMedia,
    SendTemplate,
    SendText,
    TagsChanged,
)

BUBBLE_WIDTH = 60
"""Bubbles are at most this wide, like a phone screen (narrower on a narrow terminal)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A numbered button or list row of an interactive message, as the customer can pick it."""

    number: int
    kind: Literal["button", "list"]
    id: str
    title: str


def choices_of(message: SendInteractive) -> list[Choice]:
    """The buttons, or else the list rows across all sections, numbered from 1."""
    if message.buttons:
        return [Choice(i, "button", b.id, b.title) for i, b in enumerate(message.buttons, 1)]
    rows = [row for section in message.sections for row in section.rows]
    return [Choice(i, "list", r.id, r.title) for i, r in enumerate(rows, 1)]


# --------------------------------------------------------------------------- message texts


def media_line(kind: str, link: str, caption: str | None) -> Text:
    """`[image] url — caption`: what a media message shows without the picture itself."""
    line = Text.assemble((f"[{kind}]", "magenta"), " ", (link, "underline"))
    if caption:
        line.append(f" — {caption}")
    return line


def template_line(message: SendTemplate) -> Text:
    """`[template cart_reminder(vi): Mai, https://...]`: the template and its values."""
    values = ", ".join(message.params)
    head = f"template {message.name}({message.language})"
    return Text(f"[{head}: {values}]" if values else f"[{head}]", style="cyan")


def _buttons(message: SendInteractive) -> list[Text]:
    return [Text.assemble((f"[{c.number}]", "bold green"), f" {c.title}")
            for c in choices_of(message)]


def _list_rows(message: SendInteractive) -> list[Text]:
    """The list menu opened: section titles, numbered rows, each row's description."""
    lines = [Text(f"≡ {message.list_button or 'Menu'}", style="bold green")]
    number = 0
    for section in message.sections:
        if section.title:
            lines.append(Text(section.title, style="bold"))
        for row in section.rows:
            number += 1
            lines.append(Text.assemble((f"[{number}]", "bold green"), f" {row.title}"))
            if row.description:
                lines.append(Text(f"    {row.description}", style="dim"))
    return lines


def interactive_lines(message: SendInteractive) -> list[Text]:
    """Header (media or text), body, then the numbered buttons or the list menu."""
    lines: list[Text] = []
    if message.header_media is not None:
        lines.append(media_line(message.header_media[0], message.header_media[1], None))
    if message.header_text:
        lines.append(Text(message.header_text, style="bold"))
    lines.append(Text(message.body))
    lines.append(Text("─" * 8, style="dim"))
    lines.extend(_buttons(message) if message.buttons else _list_rows(message))
    return lines


def message_lines(message: SendText | SendMedia | SendInteractive | SendTemplate) -> list[Text]:
    """The lines inside one bot bubble."""
    if isinstance(message, SendText):
        return [Text(message.text)]
    if isinstance(message, SendMedia):
        return [media_line(message.kind, message.link, message.caption)]
    if isinstance(message, SendTemplate):
        return [template_line(message)]
    return interactive_lines(message)


# --------------------------------------------------------------------------- side effects


def _names(prefix: str, names: Iterable[str]) -> list[str]:
    return [f"{prefix}{n}" for n in names]


def effect_note(effect: Effect) -> str | None:
    """A one-line note for an effect the customer does not see (None: not worth a line)."""
    if isinstance(effect, TagsChanged):
        return "tags " + " ".join(_names("+", effect.added) + _names("-", effect.removed))
    if isinstance(effect, FieldsChanged):
        return "fields " + ", ".join(f"{k}={v!r}" for k, v in effect.values.items())
    if isinstance(effect, ConsentChanged):
        return f"consent {effect.consent}"
    if isinstance(effect, Handoff):
        team = f" (team {effect.team})" if effect.team else ""
        return f"handed to a person{team}" + (f": {effect.reason}" if effect.reason else "")
    if isinstance(effect, HttpRequest):
        return f"{effect.method} {effect.url}"
    if isinstance(effect, Log) and effect.level != "info":
        where = f" at {effect.flow}.{effect.step}" if effect.flow and effect.step else ""
        return f"{effect.level} {effect.code}{where}: {effect.message}"
    return None


# --------------------------------------------------------------------------- the view


class ChatView:
    """Prints a conversation to a console: bot bubbles left, the customer's right, notes dim."""

    def __init__(self, console: Console) -> None:
        self.console = console

    @property
    def _width(self) -> int:
        return max(20, min(BUBBLE_WIDTH, self.console.width - 4))

    def bot(self, message: SendText | SendMedia | SendInteractive | SendTemplate) -> None:
        """One bot message as a bubble on the left."""
        body = Group(*message_lines(message))
        self.console.print(Panel(body, box=box.ROUNDED, expand=False, width=None,
                                 title="bot", title_align="left", border_style="green",
                                 padding=(0, 1)), width=self._width + 4)

    def user(self, text: Text | str) -> None:
        """What the customer sent, as a bubble on the right."""
        shown = text if isinstance(text, Text) else Text(text)
        bubble = Panel(shown, box=box.ROUNDED, expand=False, title="you", title_align="right",
                       border_style="blue", padding=(0, 1))
        self.console.print(Align.right(bubble))

    def note(self, text: str, style: str = "dim") -> None:
        """A line outside the bubbles: a side effect, the clock moving, a hint."""
        self.console.print(Text(f"· {text}", style=style))

    def error(self, text: str) -> None:
        self.note(text, style="bold red")

    def table(self, title: str, rows: Sequence[tuple[str, str]]) -> None:
        """A two-column view (state, variables, customer): name and value."""
        table = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for name, value in rows or [("(none)", "")]:
            table.add_row(name, value)
        self.console.print(table)

    def render(self, item: RenderableType) -> None:
        self.console.print(item)
