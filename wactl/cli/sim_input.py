"""What a line typed into `wactl simulate` means: a message, a pick, or a /command.

The interactive loop and `--script` transcripts share this one reader, so a transcript
attached to a bug report replays exactly what was typed.  Parsing is pure and never
raises: a line that cannot be understood becomes `Bad` with a message saying why.

- plain text is a text message (`//text` sends text that starts with a slash);
- a bare number is a `Pick`, which the session treats as text when there is nothing to
  pick (so typing an order number still works);
- `/time +2h`, `/time 2026-12-01T09:00`, `/pick 2`, `/image URL [caption]`,
  `/location LAT LON`, `/start FLOW`, `/state`, `/vars`, `/customer`, `/trace`,
  `/reset`, `/help`, `/quit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from wactl.dsl.durations import parse_duration

ShowWhat = Literal["state", "vars", "customer", "trace"]


@dataclass(frozen=True, slots=True)
class Say:
    """A text message from the customer."""

    text: str


@dataclass(frozen=True, slots=True)
class Pick:
    """Pick button/row `number` of the last interactive message.

    `explicit` is False for a bare number, which is sent as the text `line` when the
    last bot message offered nothing to pick.
    """

    number: int
    explicit: bool
    line: str = ""


@dataclass(frozen=True, slots=True)
class SendImage:
    url: str
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class SendLocation:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Start:
    flow: str


@dataclass(frozen=True, slots=True)
class SetTime:
    """Advance the clock by `delta`, or move it to `at`; neither: show the time."""

    delta: timedelta | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Show:
    what: ShowWhat


@dataclass(frozen=True, slots=True)
class Reset:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class Bad:
    """A line that could not be understood, and why."""

    message: str


Command = (Say | Pick | SendImage | SendLocation | Start | SetTime | Show | Reset | Help | Quit
           | Bad)

HELP: tuple[tuple[str, str], ...] = (
    ("text", "send a text message (//text sends text starting with /)"),
    ("N", "pick button or list row N of the last message (else sent as text)"),
    ("/pick N", "pick button or list row N of the last interactive message"),
    ("/image URL [caption]", "send an image"),
    ("/location LAT LON", "send a location"),
    ("/start FLOW", "start a flow at once"),
    ("/time +2h | /time 2026-12-01T09:00", "move the clock: due waits and schedules fire"),
    ("/state /vars /customer /trace", "show the run, its variables, the customer, the trace"),
    ("/reset", "forget the conversation and the customer"),
    ("/help /quit", "this list; leave"),
)


def parse_line(line: str) -> Command | None:
    """The command a typed line means; None for a blank line or a `#` comment."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("//"):
        return Say(text[1:])
    if not text.startswith("/"):
        return Pick(int(text), explicit=False, line=text) if _is_number(text) else Say(text)
    name, _, rest = text[1:].partition(" ")
    handler = _COMMANDS.get(name.lower())
    if handler is None:
        return Bad(f"unknown command /{name}; /help lists the commands")
    return handler(rest.strip())


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _no_args(command: Command, name: str) -> Callable[[str], Command]:
    return lambda rest: Bad(f"/{name} takes no arguments") if rest else command


def _pick(rest: str) -> Command:
    if not _is_number(rest) or int(rest) < 1:
        return Bad("/pick takes the number of a button or list row, like /pick 2")
    return Pick(int(rest), explicit=True)


def _image(rest: str) -> Command:
    url, _, caption = rest.partition(" ")
    if not url:
        return Bad("/image takes a URL and an optional caption")
    return SendImage(url, caption.strip() or None)


def _location(rest: str) -> Command:
    parts = rest.replace(",", " ").split()
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        return Bad("/location takes a latitude and a longitude, like /location 10.77 106.70")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Bad("/location: latitude is -90..90 and longitude -180..180")
    return SendLocation(lat, lon)


def _start(rest: str) -> Command:
    if not rest or " " in rest:
        return Bad("/start takes one flow id, like /start order_status")
    return Start(rest)


def _time(rest: str) -> Command:
    if not rest:
        return SetTime()
    if rest.startswith("+"):
        seconds = parse_duration(rest[1:].strip())
        if seconds is None:
            return Bad(f"/time: `{rest}` is not a duration; try +30m, +2h, +1d or +1h30m")
        return SetTime(delta=timedelta(seconds=seconds))
    try:
        return SetTime(at=datetime.fromisoformat(rest))
    except ValueError:
        return Bad(f"/time: `{rest}` is neither +DURATION nor a date-time like 2026-12-01T09:00")


def _show(what: ShowWhat) -> Callable[[str], Command]:
    return _no_args(Show(what), what)


_COMMANDS: dict[str, Callable[[str], Command]] = {
    "pick": _pick,
    "image": _image,
    "location": _location,
    "start": _start,
    "time": _time,
    "state": _show("state"),
    "vars": _show("vars"),
    "customer": _show("customer"),
    "trace": _show("trace"),
    "reset": _no_args(Reset(), "reset"),
    "help": _no_args(Help(), "help"),
    "quit": _no_args(Quit(), "quit"),
    "exit": _no_args(Quit(), "exit"),
}
