"""One simulated conversation: the engine, the driver and in-memory ports, driven by commands.

`wactl simulate` is a terminal around this class, and tests drive it directly: a
`Session` takes the commands of `sim_input` and answers with `Output` items (what the
bot sent, notes, tables), never printing anything itself.  It runs the same
`Engine` and unit of work the service runs, in the in-memory `Sandbox`, with a
`ManualClock` that only `/time` moves, so what a merchant sees here is what a
customer would get, at the moment they choose.

A session never raises: a failure inside the driver becomes an error note and the
conversation goes on from the state before that input.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from wactl.cli import sim_input as cmd
from wactl.cli.chat_render import Choice, choices_of
from wactl.compiler.ir import Program
from wactl.diagnostics import did_you_mean
from wactl.runtime.effects import AiRequest, Effect, SendInteractive
from wactl.runtime.engine import Engine
from wactl.runtime.events import Event, Inbound, Location, Media, StartFlow
from wactl.runtime.memory import ManualClock, UnavailableHttpClient
from wactl.runtime.ports import AiClient, HttpClient
from wactl.runtime.sandbox import Sandbox
from wactl.runtime.state import ConversationState, Customer, Run

AI_OFF = "AI agents are off: set OPENAI_API_KEY"
HTTP_OFF = "HTTP calls are off (answered as connection errors): use --mocks FILE or --live-http"
DEFAULT_WA_ID = "84900000000"
WINDOW = timedelta(hours=24)
WINDOW_NOTE = " (24h window opened: the customer counts as having just written)"


@dataclass(frozen=True, slots=True)
class UserSaid:
    """What the customer sent, as it reads (a picked button shows its title)."""

    text: str


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    level: Literal["info", "error"] = "info"


@dataclass(frozen=True, slots=True)
class TableOut:
    title: str
    rows: list[tuple[str, str]]


Output = UserSaid | Note | TableOut | Effect
"""A session's answer to a command: effects in the order the driver carried them out."""


@dataclass
class SessionConfig:
    """Who the simulated customer is and what answers the outside world gives."""

    http: HttpClient
    ai: AiClient
    ai_off: bool = False
    """True when `ai` is the no-key stand-in: say so once, at the first AI request."""
    wa_id: str = DEFAULT_WA_ID
    language: str | None = None
    name: str | None = None
    start: datetime = field(default_factory=lambda: datetime.now(UTC).replace(
        second=0, microsecond=0))
    secrets: dict[str, str] = field(default_factory=dict)


def show_value(value: Any) -> str:
    """A variable's value as JSON (strings quoted, so `"10423"` and `10423` differ)."""
    return json.dumps(value, ensure_ascii=False, default=str)


class Session:
    """A conversation with the program, one command at a time (see module doc)."""

    def __init__(self, program: Program, config: SessionConfig) -> None:
        self.program = program
        self.config = config
        self.tz: tzinfo = ZoneInfo(program.project.timezone)
        self.clock = ManualClock(config.start)
        self.quit = False
        self._ai_noted = False
        self._http_noted = False
        self._unmocked_seen = 0
        self._fresh()

    def _fresh(self) -> None:
        """New stores, channel and driver: a customer who never wrote before."""
        self.sandbox = Sandbox(Engine(self.program, secrets=self.config.secrets),
                               clock=self.clock, http=self.config.http, ai=self.config.ai)
        self.ports = self.sandbox.shop
        self.timers = self.ports.timers
        self.channel, self.events = self.sandbox.channel, self.sandbox.events
        self.choices: list[Choice] = []
        self._last_was_interactive = False
        self._count = 0
        self._customer_saved = False

    @property
    def wa_id(self) -> str:
        return self.config.wa_id

    # ----------------------------------------------------------------- entry points

    async def run_line(self, line: str) -> list[Output]:
        """The outputs of one typed line (nothing for a blank line or a comment)."""
        command = cmd.parse_line(line)
        return [] if command is None else await self.run(command)

    async def run(self, command: cmd.Command) -> list[Output]:
        """Carry out one command; errors inside the driver become an error note."""
        try:
            return await self._run(command)
        except Exception as exc:  # the terminal must survive a runtime bug
            return [Note(f"internal error: {type(exc).__name__}: {exc}", "error")]

    async def close(self) -> None:
        """Close the HTTP and AI clients that hold connections (live HTTP, OpenAI)."""
        for client in (self.config.http, self.config.ai):
            close = getattr(client, "close", None)
            if close is not None:
                await close()

    async def start_flow(self, flow: str) -> list[Output]:
        return await self.run(cmd.Start(flow))

    async def _run(self, command: cmd.Command) -> list[Output]:
        if isinstance(command, cmd.Say):
            return await self._send(command.text, self._inbound(text=command.text))
        if isinstance(command, cmd.Pick):
            return await self._pick(command)
        if isinstance(command, cmd.SendImage):
            media = Media(url=command.url, caption=command.caption)
            shown = f"[image] {command.url}" + (f" — {command.caption}" if command.caption else "")
            return await self._send(shown, self._inbound(kind="image", media=media,
                                                         text=command.caption or ""))
        if isinstance(command, cmd.SendLocation):
            where = Location(command.latitude, command.longitude)
            return await self._send(f"[location] {command.latitude}, {command.longitude}",
                                    self._inbound(kind="location", location=where))
        return await self._control(command)

    async def _control(self, command: cmd.Command) -> list[Output]:
        """The commands that are not messages from the customer."""
        if isinstance(command, cmd.Start):
            return await self._start(command.flow)
        if isinstance(command, cmd.SetTime):
            return await self._time(command)
        if isinstance(command, cmd.Show):
            return await self._show(command.what)
        if isinstance(command, cmd.Reset):
            self._fresh()
            return [Note("conversation and customer reset")]
        if isinstance(command, cmd.Help):
            return [TableOut("commands", list(cmd.HELP))]
        if isinstance(command, cmd.Quit):
            self.quit = True
            return []
        assert isinstance(command, cmd.Bad)
        return [Note(command.message, "error")]

    # ----------------------------------------------------------------- messages

    def _inbound(self, **fields: Any) -> Inbound:
        self._count += 1
        return Inbound(self.wa_id, self.clock.now(), id=f"wamid.sim{self._count}",
                       name=self.config.name, **fields)

    async def _pick(self, pick: cmd.Pick) -> list[Output]:
        usable = pick.explicit or self._last_was_interactive
        if not usable or not 1 <= pick.number <= len(self.choices):
            if not pick.explicit:
                return await self._send(pick.line, self._inbound(text=pick.line))
            have = len(self.choices)
            return [Note(f"nothing numbered {pick.number} to pick" + (
                f" (the last message has {have})" if have else ""), "error")]
        choice = self.choices[pick.number - 1]
        ids = {"button_id": choice.id} if choice.kind == "button" else {"list_id": choice.id}
        return await self._send(choice.title,
                                self._inbound(kind=choice.kind, text=choice.title, **ids))

    async def _send(self, shown: str, event: Event) -> list[Output]:
        return [UserSaid(shown), *await self._handle(event)]

    async def _start(self, flow: str) -> list[Output]:
        known = [f.id for f in self.program.flows]
        if flow not in known:
            hint = did_you_mean(flow, known)
            return [Note(f"no flow `{flow}`" + (f"; {hint}" if hint else ""), "error")]
        opened = await self._open_window()
        return [Note(f"start {flow}" + (WINDOW_NOTE if opened else "")),
                *await self._handle(StartFlow(self.wa_id, self.clock.now(), flow))]

    async def _open_window(self) -> bool:
        """Count the customer as having just written, unless they wrote within 24 hours.

        A flow started by hand is tried as if the customer were chatting; without this
        the first `ask` of a brand-new customer would end the run (window closed).
        Returns whether the window had to be opened.
        """
        await self._save_customer()
        now = self.clock.now()
        state = await self.state() or ConversationState.new(self.wa_id)
        if state.last_inbound_at is not None and now - state.last_inbound_at < WINDOW:
            return False
        state.last_inbound_at = now
        await self.ports.conversations.save(state)
        return True

    async def _handle(self, event: Event) -> list[Output]:
        await self._save_customer()
        return self._outputs(await self.sandbox.handle(event))

    async def _save_customer(self) -> None:
        """Give the customer the chosen language and name before their first message."""
        if self._customer_saved:
            return
        self._customer_saved = True
        if self.config.language or self.config.name:
            await self.ports.customers.save(Customer(
                self.wa_id, name=self.config.name, language=self.config.language))

    def _outputs(self, effects: Sequence[Effect]) -> list[Output]:
        """The effects, remembering the last interactive message, then notes on HTTP/AI."""
        return [*self._effects(effects), *self._http_notes()]

    def _http_notes(self) -> list[Output]:
        """Why a call failed when nothing could answer it: no mock, or no HTTP at all."""
        http = self.config.http
        unmocked = getattr(http, "unmocked", None)
        if isinstance(unmocked, list):
            new, self._unmocked_seen = unmocked[self._unmocked_seen:], len(unmocked)
            return [Note(f"{n} (answered as a connection error)", "error") for n in new]
        if isinstance(http, UnavailableHttpClient) and http.requests and not self._http_noted:
            self._http_noted = True
            return [Note(HTTP_OFF, "error")]
        return []

    def _effects(self, effects: Sequence[Effect]) -> list[Output]:
        out: list[Output] = []
        for effect in effects:
            if isinstance(effect, AiRequest) and self.config.ai_off and not self._ai_noted:
                self._ai_noted = True
                out.append(Note(AI_OFF, "error"))
            if hasattr(effect, "to"):
                self._last_was_interactive = isinstance(effect, SendInteractive)
                if isinstance(effect, SendInteractive):
                    self.choices = choices_of(effect)
            out.append(effect)
        return out

    # ----------------------------------------------------------------- clock

    async def _time(self, command: cmd.SetTime) -> list[Output]:
        now = self.clock.now()
        if command.delta is None and command.at is None:
            return [Note(f"it is {self.local(now)}")]
        target = now + command.delta if command.delta is not None else self._aware(command.at)
        if target < now:
            return [Note(f"the clock never goes back (it is {self.local(now)})", "error")]
        effects = await self.sandbox.advance_to(target)
        self.clock.set(target)
        return [Note(f"clock → {self.local(target)}"), *self._outputs(effects)]

    def _aware(self, when: datetime | None) -> datetime:
        assert when is not None
        return when.replace(tzinfo=self.tz) if when.tzinfo is None else when

    def local(self, when: datetime) -> str:
        """A time as the shop reads it: in the project's timezone."""
        return when.astimezone(self.tz).strftime("%Y-%m-%d %H:%M %Z")

    # ----------------------------------------------------------------- views

    async def state(self) -> ConversationState | None:
        return await self.ports.conversations.load(self.wa_id)

    async def _show(self, what: cmd.ShowWhat) -> list[Output]:
        state = await self.state()
        if what == "state":
            return [TableOut("state", self._state_rows(state))]
        if what == "vars":
            return await self._vars(state)
        if what == "customer":
            return [TableOut("customer", await self._customer_rows(state))]
        return [TableOut("trace", await self._trace_rows(state))]

    def _state_rows(self, state: ConversationState | None) -> list[tuple[str, str]]:
        rows = [("time", self.local(self.clock.now()))]
        run = state.run if state else None
        if run is None:
            rows.append(("run", "none"))
        else:
            rows += [("run", f"{run.id} ({run.flow}, since {self.local(run.started_at)})"),
                     ("step", " > ".join(f"{f.flow}.{f.step}" for f in run.frames)),
                     ("waiting", _waiting(run))]
        if state is not None and state.handed_off:
            rows.append(("handed off", state.team or "yes"))
        rows += [(f"timer {t.timer_id}", self.local(t.at)) for t in self.timers.pending()
                 if t.wa_id == self.wa_id]
        return rows

    async def _vars(self, state: ConversationState | None) -> list[Output]:
        """The variables of the run in progress, else those the last run ended with."""
        run = state.run if state is not None else None
        title = "vars of {}"
        if run is None:
            finished = await self.ports.runs.finished(self.wa_id, limit=1)
            run = finished[-1] if finished else None
            title = "vars {} ended with"
        if run is None:
            return [Note("no run yet: no variables")]
        return [TableOut(title.format(frame.flow),
                         [(k, show_value(v)) for k, v in sorted(frame.vars.items())])
                for frame in run.frames]

    async def _customer_rows(self, state: ConversationState | None) -> list[tuple[str, str]]:
        customer = await self.ports.customers.get(self.wa_id) or (
            state.customer if state else Customer(self.wa_id))
        rows = [("wa_id", customer.wa_id), ("name", customer.name or "-"),
                ("language", customer.language or "-"),
                ("tags", ", ".join(customer.tags) or "-"),
                ("consent", customer.consent or "-")]
        rows += [(f"field {k}", show_value(v)) for k, v in sorted(customer.fields.items())]
        return rows

    async def _trace_rows(self, state: ConversationState | None) -> list[tuple[str, str]]:
        run: Run | None = state.run if state else None
        if run is None:
            finished = await self.ports.runs.finished(self.wa_id, limit=1)
            run = finished[-1] if finished else None
        if run is None:
            return []
        return [(t.at.astimezone(self.tz).strftime("%H:%M:%S"),
                 f"{t.flow}.{t.step} {t.kind} → {t.outcome}"
                 + (f" (set {', '.join(t.changed)})" if t.changed else ""))
                for t in await self.ports.runs.steps(self.wa_id, run.id)]


def _waiting(run: Run) -> str:
    w = run.waiting
    if w is None:
        return "no"
    return w.kind + (f" {w.id}" if w.id else "") + (f" (timeout timer {w.timer})"
                                                     if w.timer else "")
