"""Each shop's own outside world, in a service that serves many shops in one process.

A shop's messages go out from its own number with its own access token: the number the
customer last wrote to (`numbers`, for shops with several), else its main number (the
one `wactl serve` was started with, for its shop; else the lowest active), and the token
kept for that number, encrypted (`postgres.secrets`), read again every `TOKEN_EVERY` so
a token changed through the API is used within seconds; only the start number may fall
back to `WACTL_ACCESS_TOKEN`.  A shop with no number or no token cannot send yet: its
sends are refused as retryable, so they wait in the outbox and go once it can.

A flow's `call` requests go through a client bound to that shop's own egress policy (a
shop never reaches what only another allowed), and its AI requests are answered with
its own agents.  Clients are kept per number, per policy and per deployed program.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from wactl.compiler.egress import EgressPolicy, project_policy
from wactl.compiler.ir import Program
from wactl.runtime.driver import EngineLike, Outside
from wactl.runtime.effects import SendEffect
from wactl.runtime.ports import (
    AiClient,
    Channel,
    ChannelError,
    EventPublisher,
    HttpClient,
)
from wactl.service.config import ServiceConfig
from wactl.service.crypto import CipherError
from wactl.service.http_client import AiohttpHttpClient
from wactl.service.jobs import Routes
from wactl.service.numbers import Numbers

if TYPE_CHECKING:
    from wactl.service.whatsapp.client import GraphClient

log = logging.getLogger("wactl.service")
TOKEN_EVERY = 10.0
"""Seconds a number's access token is used before it is read again."""


class Tokens(Protocol):
    async def token(self, phone_number_id: str) -> str | None: ...


def program_policy(program: Program | None) -> EgressPolicy:
    """The egress policy of a program's `egress:` settings (none: the default policy)."""
    if program is None:
        return project_policy([], False)
    egress = program.project.egress
    return project_policy(egress.allow_hosts, egress.allow_http)


@runtime_checkable
class Bindable(Protocol):
    """An AI client that can answer for another program's agents (`OpenAiClient`)."""

    def bound(self, program: Program) -> AiClient: ...


@dataclass(frozen=True, slots=True)
class Refusing:
    """The channel of a shop that cannot send yet: every send waits (retryable)."""

    code: str

    async def send(self, message: SendEffect) -> str:
        raise ChannelError(self.code, f"the shop cannot send: {self.code}", retryable=True)


@dataclass
class Fleet:
    """`ShopWays` for the dispatcher: see the module docstring.  `channel`, `http` and
    `ai` given (tests) serve every shop as they are."""

    config: ServiceConfig
    routes: Routes
    engines: Callable[[], Mapping[str, EngineLike]]
    events: EventPublisher
    ai: AiClient
    tokens: Tokens | None = None
    channel: Channel | None = None
    http: HttpClient | None = None
    clock: Callable[[], float] = time.monotonic
    _graphs: dict[str, GraphClient] = field(default_factory=dict)
    _fetched: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    _https: dict[EgressPolicy, AiohttpHttpClient] = field(default_factory=dict)
    _by_program: dict[str, AiohttpHttpClient] = field(default_factory=dict)
    _ais: dict[tuple[str, str], AiClient] = field(default_factory=dict)
    numbers: Numbers | None = None
    """Which number each customer of a many-number shop last wrote to."""

    async def outside(self, shop_id: str, wa_id: str = "") -> Outside:
        program = self._program(shop_id)
        if self.channel is not None:
            channel: Channel = self.channel
            reads = None
        else:
            graph = await self._graph(await self.sender(shop_id, wa_id))
            channel, reads = graph or Refusing(self._why_not(shop_id)), graph
        return Outside(channel, self.http or self._http(program), self._ai(shop_id, program),
                       self.events, reads)

    async def fetch(self, shop_id: str, media_id: str) -> tuple[bytes, str, str]:
        """A shop's inbound media file, with its own number's token (`media.Fetch`)."""
        graph = await self._graph(self.number(shop_id))
        if graph is None:
            raise ChannelError(self._why_not(shop_id), retryable=True)
        found = await graph.media(media_id)
        return found.content, found.mime_type, found.sha256

    def number(self, shop_id: str) -> str | None:
        """The shop's main number: the start number when it is the shop's, else the
        lowest of its active numbers."""
        mine = self.routes.active(shop_id)
        if self.config.phone_number_id in mine:
            return self.config.phone_number_id
        return mine[0] if mine else None

    async def sender(self, shop_id: str, wa_id: str) -> str | None:
        """The number a reply to `wa_id` leaves from: the one the customer last wrote to
        (shops with several numbers: one indexed read per send, so a customer who moves
        to another number is answered there at once) while the shop still serves it,
        else the main one."""
        mine = self.routes.active(shop_id)
        if len(mine) < 2 or self.numbers is None:
            return self.number(shop_id)
        noted = await self.numbers.number(shop_id, wa_id)
        return noted if noted in mine else self.number(shop_id)

    def _why_not(self, shop_id: str) -> str:
        return "no_number" if self.number(shop_id) is None else "no_token"

    async def _graph(self, number: str | None) -> GraphClient | None:
        if number is None:
            return None
        token = await self._token(number)
        if not token:
            return None
        graph = self._graphs.get(number)
        if graph is None:
            from wactl.service.whatsapp.client import GraphClient

            c = self.config
            graph = GraphClient(c.graph_api_base, token, number, rate=c.send_rate,
                                timeout=c.graph_timeout, max_media=c.media_max_bytes)
            self._graphs[number] = graph
        else:
            graph.use_token(token)
        return graph

    async def _token(self, number: str) -> str | None:
        """The number's token, read again every `TOKEN_EVERY`."""
        now = self.clock()
        kept = self._fetched.get(number)
        if kept is None or now - kept[0] >= TOKEN_EVERY:
            token = await self._stored(number)
            if token is None and number == self.config.phone_number_id:
                token = self.config.access_token or None
            kept = (now, token)
            self._fetched[number] = kept
        return kept[1]

    async def _stored(self, number: str) -> str | None:
        if self.tokens is None:
            return None
        try:
            return await self.tokens.token(number)
        except CipherError as error:  # a forged or foreign ciphertext: never sent with
            log.error("the access token of %s does not decrypt (%s)", number, error.code,
                      extra={"code": "token_unreadable", "phone_number_id": number})
            return None

    def _program(self, shop_id: str) -> Program | None:
        engine = self.engines().get(shop_id)
        return None if engine is None else engine.program

    def _http(self, program: Program | None) -> HttpClient:
        """The client of the program's egress policy (worked out once per program)."""
        key = "" if program is None else program.hash
        client = self._by_program.get(key)
        if client is None:
            if len(self._by_program) >= 10_000:  # deploys over months: forget, work out again
                self._by_program.clear()
            policy = program_policy(program)
            client = self._https.get(policy)
            if client is None:
                client = self._https[policy] = AiohttpHttpClient(policy)
            self._by_program[key] = client
        return client

    def _ai(self, shop_id: str, program: Program | None) -> AiClient:
        if program is None or not isinstance(self.ai, Bindable):
            return self.ai
        key = (shop_id, program.hash)
        found = self._ais.get(key)
        if found is None:  # a new deploy: the shop's older binding goes
            for old in [k for k in self._ais if k[0] == shop_id]:
                del self._ais[old]
            found = self._ais[key] = self.ai.bound(program)
        return found

    async def close(self) -> None:
        for graph in self._graphs.values():
            await graph.close()
        for client in self._https.values():
            await client.close()
