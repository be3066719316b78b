"""`wactl serve`: WhatsApp's webhook in, the runtime's units of work, replies out.

- `GET /webhooks`: the verification handshake (`hub.verify_token`).
- `POST /webhooks`: 413 past the body limit; 401 (nothing stored) for a missing,
  `sha1=` or wrong `X-Hub-Signature-256`; 400 for a body that is not a JSON object;
  else every event is routed by `metadata.phone_number_id` to its shop and kept in the
  inbox, in one write, before the 200 (workers then handle each as a unit of work,
  per conversation in arrival order).  A store that fails
  answers 503, so WhatsApp delivers the body again; a number no shop owns, or one
  suspended, is logged and skipped without failing the rest of the body.  Routing reads
  the connected numbers (`Store.accounts`), refreshed by the jobs (`jobs.Routes`).
- `GET /healthz` (the process is alive) and `GET /readyz` (the store answers and, on
  PostgreSQL, every shipped migration is applied).
The workers (`runner.Workers`) run beside the handlers in the same process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    import asyncpg

    from wactl.service.api.context import ApiContext
    from wactl.service.postgres.secrets import PostgresSecrets

from wactl.compiler.ir import Program
from wactl.runtime.driver import Conductor, Dispatcher
from wactl.runtime.effects import Publish
from wactl.runtime.events import Inbound
from wactl.runtime.inbox import InboxStore
from wactl.runtime.memory import MemoryStore, SystemClock, UnavailableAiClient
from wactl.runtime.ports import Account, AiClient, Channel, Clock, HttpClient, Store
from wactl.runtime.tiers import UNLIMITED
from wactl.service.config import ServiceConfig
from wactl.service.deploys import Deploys, Reloader, StoreDeploys
from wactl.service.fleet import Fleet, program_policy
from wactl.service.group_commit import GroupCommit
from wactl.service.http_client import AiohttpHttpClient
from wactl.service.jobs import Jobs, Periodic, Routes
from wactl.service.keywatch import KeyFileWatch
from wactl.service.media import MediaJob, MediaStore, MemoryMediaStore, wanted
from wactl.service.numbers import MemoryNumbers, Numbers, Seen
from wactl.service.runner import Workers
from wactl.service.webhook.parse import Malformed, WebhookEvent, parse_webhook
from wactl.service.webhook.signature import Refused, verify_handshake, verify_signature

log = logging.getLogger("wactl.service")

PARALLEL = 8
"""Conversations a worker handles, and sends a dispatcher makes, at once (each claim holds
one row per conversation, so their order is kept; the pool has 10 connections)."""


class LoggedEvents:
    """The event publisher until a broker is configured: one log line per event."""

    async def publish(self, event: Publish) -> None:
        log.info("event %s", event.name, extra={"code": "published", "event": event.name})


@dataclass
class Service:
    """One process of `wactl serve`: routing, the conductor, the workers."""

    config: ServiceConfig
    routes: Routes
    """phone_number_id → the account (and so the shop) that owns it."""
    store: Store
    conductor: Conductor
    inbox: InboxStore
    workers: Workers
    clock: Clock
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    ready: Callable[[], Awaitable[str | None]] = field(default=lambda: _always_ready())
    """None when the service can take traffic, else why not (for `/readyz`)."""
    media: MediaStore = field(default_factory=MemoryMediaStore)
    """Inbound media to fetch and fetched (`wactl.service.media`)."""
    api: ApiContext | None = None
    """The management API's database and keys (on PostgreSQL only), served at `/api`."""
    numbers: Numbers = field(default_factory=MemoryNumbers)
    """The number each customer of a many-number shop last wrote to (`numbers`)."""
    group: GroupCommit = field(init=False)
    """The webhook handlers' way into the inbox: concurrent bodies written together."""

    def __post_init__(self) -> None:
        self.group = GroupCommit(self.inbox)

    async def keep(self, items: list[tuple[str, WebhookEvent]],
                   seen: list[Seen] | None = None) -> None:
        """Keep a body's events in the inbox before the 200 (with the bodies of
        concurrent handlers: one write, each handler awaiting its commit), note its
        media for the media job and the numbers its customers wrote to (`seen`)."""
        now = self.clock.now()
        await self.group.put(list(items), at=now)
        await self.media.want(wanted(list(items), now))
        if seen:
            await self.numbers.note(seen, now)

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


async def build_service(config: ServiceConfig, program: Program, *,
                        channel: Channel | None = None, http: HttpClient | None = None,
                        ai: AiClient | None = None, clock: Clock | None = None,
                        stores: tuple[Store, InboxStore] | None = None) -> Service:
    """The service for every shop the store holds a deploy of, and for `program` (the
    files it was started with) as the shop on `config.phone_number_id`; `stores`
    (tests) replaces the stores `config` names; `channel`, `http` and `ai` (tests)
    replace every shop's own."""
    clock = clock or SystemClock()
    closers: list[Callable[[], Awaitable[None]]] = []
    if stores is None:
        store, inbox, ready, media = await _store(config, closers)
    else:
        (store, inbox), ready, media = stores, _always_ready, MemoryMediaStore()
    pool = getattr(store, "pool", None)
    shop_id = program.project.shop or "default"
    tier = None if config.tier == UNLIMITED else config.tier
    account = await _single_account(store, config.phone_number_id, shop_id, tier)
    if account is not None:
        await store.accounts.put(account)
    secrets = _secrets(config, pool)
    api = _api_context(config, store, secrets) if stores is None else None
    deploys = await _deploy_files(store, program, clock.now(), api)
    routes = Routes()
    await routes.load(store)
    conductor = Conductor(store, {}, tiers=routes.tiers(), mark_read=config.mark_read)
    reloader = Reloader(conductor, deploys, {shop_id: program}, config.secrets, secrets)
    await reloader.run_due(clock.now())  # every shop's engine, before the first webhook
    if http is None and channel is not None:  # tests: one client, the start program's egress
        http = AiohttpHttpClient(program_policy(program))
        closers.append(http.close)
    ai = ai or await _ai(config, program, closers)
    numbers = _numbers(pool)
    fleet = Fleet(config, routes, lambda: conductor.engines, LoggedEvents(), ai,
                  tokens=secrets, channel=channel, http=http, numbers=numbers)
    closers.append(fleet.close)
    lease = timedelta(seconds=config.lease_seconds)
    owner = f"{socket.gethostname()}-{os.getpid()}"
    dispatcher = Dispatcher(store, conductor, fleet, clock, owner=owner, lease=lease,
                            parallel=PARALLEL)
    workers = Workers.of(conductor, inbox, dispatcher, clock, owner=owner, lease=lease,
                         parallel=PARALLEL)
    media_job = None if channel is not None else MediaJob(media, fleet.fetch, owner=owner)
    workers.jobs = Jobs(
        store, lambda: list(conductor.engines), routes, media=media, media_job=media_job,
        reloader=reloader, tiers=conductor.tiers,
        every_shop_retention=None if config.retention_days is None
        else timedelta(days=config.retention_days),
        extra=await _watches(config, pool, reloader, secrets, closers))
    return Service(config, routes, store, conductor, inbox, workers, clock, closers, ready,
                   media, api, numbers)


def _numbers(pool: asyncpg.Pool | None) -> Numbers:
    if pool is None:
        return MemoryNumbers()
    from wactl.service.postgres.numbers import PostgresNumbers

    return PostgresNumbers(pool)


def _secrets(config: ServiceConfig, pool: asyncpg.Pool | None) -> PostgresSecrets | None:
    """Access tokens and flow secrets at rest: on PostgreSQL, with a keyring."""
    if pool is None or config.keyring is None:
        return None
    from wactl.service.postgres.secrets import PostgresSecrets

    return PostgresSecrets(pool, config.keyring)


async def _deploy_files(store: Store, program: Program, at: datetime,
                        api: ApiContext | None) -> Deploys:
    """Deploy the files the service started with (on PostgreSQL, only when they changed
    since it last deployed them: a deploy through the API since then stays), and where
    every shop's deploys are read from."""
    shop_id = program.project.shop or "default"
    pool = getattr(store, "pool", None)
    if pool is None:
        fresh = await store.shop(shop_id).flow_versions.keep(list(program.flows), at=at)
        _deployed(shop_id, len(fresh))
        return StoreDeploys(store, {shop_id: program})
    from wactl.service.postgres.management import SHOP_ID
    from wactl.service.postgres.programs import Programs

    if api is not None and SHOP_ID.fullmatch(shop_id):
        await api.management.create_shop(shop_id)  # so its keys can be made (`wactl keys`)
    programs = Programs(pool)
    _deployed(shop_id, int(await programs.deploy_files(program, at)))
    return programs


def _deployed(shop_id: str, count: int) -> None:
    if count:
        log.info("the files started with are deployed", extra={
            "code": "flows_deployed", "shop": shop_id})


async def _watches(config: ServiceConfig, pool: asyncpg.Pool | None, reloader: Reloader,
                   secrets: PostgresSecrets | None,
                   closers: list[Callable[[], Awaitable[None]]]) -> list[Periodic]:
    """LISTEN for deploys and watch the key file (on PostgreSQL)."""
    jobs: list[Periodic] = []
    if pool is not None and config.database_url is not None:
        from wactl.service.postgres.listen import DeployListener

        listener = DeployListener(config.database_url, reloader)
        closers.append(listener.close)
        jobs.append(listener)
    if secrets is not None and config.keyring_file is not None:
        jobs.append(KeyFileWatch(config.keyring_file, [secrets]))
    return jobs


def _api_context(config: ServiceConfig, store: Store,
                 secrets: PostgresSecrets | None) -> ApiContext | None:
    """The management API's context when the store is PostgreSQL's (its pool)."""
    pool = getattr(store, "pool", None)
    if pool is None:
        return None
    from wactl.service.api.context import ApiContext
    from wactl.service.api.cursor import Cursors
    from wactl.service.postgres.management import Management

    if config.keyring is None:
        log.warning("no WACTL_ENCRYPTION_KEY_FILE: the API cannot keep access tokens or "
                    "flow secrets", extra={"code": "no_encryption_key"})
    elif config.keyring_from_env:
        log.warning("the encryption key comes from WACTL_ENCRYPTION_KEY: for development "
                    "only, use WACTL_ENCRYPTION_KEY_FILE", extra={"code": "key_in_env"})
    return ApiContext(pool, Management(pool), Cursors(config.app_secret.encode()), store,
                      secrets)


async def _single_account(store: Store, phone_number_id: str, shop_id: str,
                          tier: int | None) -> Account | None:
    """The start number as this start configures it; what was changed meanwhile through
    the API (a suspension, a tier, for this shop) stays in force across restarts unless
    `WACTL_TIER` says otherwise.  None (with an error logged) when another shop owns the
    number: a start never takes a number from the shop it was connected to."""
    kept = await store.accounts.get(phone_number_id)
    if kept is None:
        return Account(phone_number_id, shop_id, tier=tier)
    if kept.shop_id != shop_id:
        log.error("WACTL_PHONE_NUMBER_ID %s belongs to shop %s, not %s: left to it",
                  phone_number_id, kept.shop_id, shop_id, extra={
                      "code": "number_of_another_shop", "phone_number_id": phone_number_id})
        return None
    return replace(kept, tier=kept.tier if tier is None else tier)


Readiness = Callable[[], Awaitable[str | None]]


async def _always_ready() -> str | None:
    return None


async def _store(config: ServiceConfig, closers: list[Callable[[], Awaitable[None]]]
                 ) -> tuple[Store, InboxStore, Readiness, MediaStore]:
    if config.database_url is None:
        log.warning("no DATABASE_URL: running on in-memory stores, nothing survives a restart",
                    extra={"code": "not_durable"})
        memory = MemoryStore()
        return memory, memory.inbox, _always_ready, MemoryMediaStore()
    from wactl.service.postgres import PostgresStore, create_pool, migrate
    from wactl.service.postgres.inbox import PostgresInbox
    from wactl.service.postgres.media import PostgresMediaStore
    from wactl.service.postgres.migrate import not_current

    pool = await create_pool(config.database_url)
    closers.append(pool.close)
    await migrate(pool)

    async def ready() -> str | None:
        return await not_current(pool)

    return PostgresStore(pool), PostgresInbox(pool), ready, PostgresMediaStore(pool)


async def _ai(config: ServiceConfig, program: Program,
              closers: list[Callable[[], Awaitable[None]]]) -> AiClient:
    if not config.openai_api_key:
        return UnavailableAiClient()
    from wactl.service.openai_ai import AiSettings, OpenAiClient

    settings = AiSettings(api_key=config.openai_api_key, base_url=config.openai_base_url)
    client = OpenAiClient(settings, program)
    closers.append(client.aclose)
    return client


# --------------------------------------------------------------------------- HTTP


SERVICE = web.AppKey("service", Service)



def make_app(service: Service) -> web.Application:
    app = web.Application(client_max_size=service.config.body_limit + 1)
    app[SERVICE] = service
    app.router.add_get("/webhooks", _handshake)
    app.router.add_post("/webhooks", _webhook)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    if service.api is not None:
        from wactl.service.api import make_api

        app.add_subapp("/api", make_api(service.api))
    return app


async def _handshake(request: web.Request) -> web.Response:
    service: Service = request.app[SERVICE]
    status, body = verify_handshake(request.query, service.config.verify_token)
    return web.Response(status=status, text=body)


async def _webhook(request: web.Request) -> web.Response:
    service: Service = request.app[SERVICE]
    limit = service.config.body_limit
    if request.content_length is not None and request.content_length > limit:
        return _answer(413, "body too large")
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        return _answer(413, "body too large")
    verdict = verify_signature(service.config.app_secret, body,
                               request.headers.get("X-Hub-Signature-256"))
    if isinstance(verdict, Refused):
        log.warning("webhook refused: %s", verdict.reason, extra={"code": "bad_signature"})
        return _answer(401, "bad signature")
    parsed = parse_webhook(body, datetime.now(UTC))
    if isinstance(parsed, Malformed):
        return _answer(400, f"malformed body: {parsed.reason}")
    items: list[tuple[str, WebhookEvent]] = []
    seen: list[Seen] = []
    for change in parsed.changes:
        number = change.phone_number_id or ""
        shop, why = service.routes.shop(number)
        if shop is None:
            if change.events:
                log.warning("webhook for a number not served (%s)", why, extra={
                    "code": why, "phone_number_id": change.phone_number_id})
            continue
        items += [(shop, event) for event in change.events]
        if len(service.routes.active(shop)) > 1:  # which of its numbers they wrote to
            seen += [(shop, e.wa_id, number) for e in change.events if isinstance(e, Inbound)]
    try:
        await service.keep(items, seen)
    except Exception:  # the store is down: WhatsApp must deliver this body again
        log.exception("webhook not stored", extra={"code": "store_down"})
        return _answer(503, "try again")
    log.info("webhook: %d event(s)", len(items), extra={"code": "webhook"})
    return _answer(200, "ok")


def _answer(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text)


async def _healthz(request: web.Request) -> web.Response:
    return _answer(200, "alive")


async def _readyz(request: web.Request) -> web.Response:
    service: Service = request.app[SERVICE]
    try:
        await service.store.shop("default").cursor("-")  # one read
        why = await service.ready()
    except Exception:
        return _answer(503, "store unreachable")
    return _answer(200, "ready") if why is None else _answer(503, why)


async def serve(service: Service, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve HTTP and run the workers until `stop` is set."""
    runner = web.AppRunner(make_app(service), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("serving on http://%s:%d", host, port, extra={"code": "serving"})
    print(f"wactl serve: listening on http://{host}:{port}", flush=True)
    try:
        await service.workers.run(stop)
    finally:
        await runner.cleanup()
        await service.close()
