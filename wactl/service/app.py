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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from wactl.service.api.context import ApiContext
    from wactl.service.whatsapp.client import GraphClient

from wactl.compiler.egress import project_policy
from wactl.compiler.ir import Program
from wactl.runtime.driver import Conductor, Dispatcher, Outside
from wactl.runtime.effects import Publish
from wactl.runtime.engine import Engine
from wactl.runtime.inbox import InboxStore
from wactl.runtime.memory import MemoryStore, SystemClock, UnavailableAiClient
from wactl.runtime.ports import Account, AiClient, Channel, Clock, HttpClient, ShopStore, Store
from wactl.runtime.tiers import UNLIMITED
from wactl.service.config import ServiceConfig
from wactl.service.deploys import Reloader
from wactl.service.group_commit import GroupCommit
from wactl.service.http_client import AiohttpHttpClient
from wactl.service.jobs import Jobs, Routes
from wactl.service.media import Fetch, MediaJob, MediaStore, MemoryMediaStore, wanted
from wactl.service.postgres.management import SHOP_ID
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
    group: GroupCommit = field(init=False)
    """The webhook handlers' way into the inbox: concurrent bodies written together."""

    def __post_init__(self) -> None:
        self.group = GroupCommit(self.inbox)

    async def keep(self, items: list[tuple[str, WebhookEvent]]) -> None:
        """Keep a body's events in the inbox before the 200 (with the bodies of
        concurrent handlers: one write, each handler awaiting its commit), and note its
        media for the media job."""
        now = self.clock.now()
        await self.group.put(list(items), at=now)
        await self.media.want(wanted(list(items), now))

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


async def build_service(config: ServiceConfig, program: Program, *,
                        channel: Channel | None = None, http: HttpClient | None = None,
                        ai: AiClient | None = None, clock: Clock | None = None,
                        stores: tuple[Store, InboxStore] | None = None) -> Service:
    """The service for `program`, as one shop on `config.phone_number_id`; `stores`
    (tests) replaces the stores `config` names."""
    clock = clock or SystemClock()
    closers: list[Callable[[], Awaitable[None]]] = []
    api = None
    if stores is None:
        store, inbox, ready, media = await _store(config, closers)
        api = _api_context(config, store)
    else:
        (store, inbox), ready, media = stores, _always_ready, MemoryMediaStore()
    shop_id = program.project.shop or "default"
    tier = None if config.tier == UNLIMITED else config.tier
    await store.accounts.put(await _single_account(store, config.phone_number_id, shop_id, tier))
    if api is not None and SHOP_ID.fullmatch(shop_id):
        await api.management.create_shop(shop_id)  # so its keys can be made (`wactl keys`)
    routes = Routes()
    await routes.load(store)
    engine = await served_engine(store.shop(shop_id), program, config.secrets, clock.now())
    conductor = Conductor(store, {shop_id: engine}, tiers={shop_id: config.tier},
                          mark_read=config.mark_read)
    fetch, reads = None, None
    if channel is None:
        from wactl.service.whatsapp.client import GraphClient

        graph = GraphClient(config.graph_api_base, config.access_token, config.phone_number_id,
                            rate=config.send_rate, timeout=config.graph_timeout,
                            max_media=config.media_max_bytes)
        closers.append(graph.close)
        channel, fetch, reads = graph, _fetcher(graph), graph
    if http is None:
        egress = program.project.egress
        client = AiohttpHttpClient(project_policy(egress.allow_hosts, egress.allow_http))
        closers.append(client.close)
        http = client
    ai = ai or await _ai(config, program, closers)
    lease = timedelta(seconds=config.lease_seconds)
    owner = f"{socket.gethostname()}-{os.getpid()}"
    outside = Outside(channel, http, ai, LoggedEvents(), reads)
    dispatcher = Dispatcher(store, conductor, outside, clock, owner=owner, lease=lease,
                            parallel=PARALLEL)
    workers = Workers.of(conductor, inbox, dispatcher, clock, owner=owner, lease=lease,
                         parallel=PARALLEL)
    retention = {} if config.retention_days is None else {
        shop_id: timedelta(days=config.retention_days)}
    media_job = None if fetch is None else MediaJob(media, fetch, owner=owner)
    reloader = Reloader(store, conductor, {shop_id: program}, config.secrets)
    workers.jobs = Jobs(store, [shop_id], routes, retention, media=media, media_job=media_job,
                        reloader=reloader)
    return Service(config, routes, store, conductor, inbox, workers, clock, closers, ready,
                   media, api)


def _api_context(config: ServiceConfig, store: Store) -> ApiContext | None:
    """The management API's context when the store is PostgreSQL's (its pool)."""
    pool = getattr(store, "pool", None)
    if pool is None:
        return None
    from wactl.service.api.context import ApiContext
    from wactl.service.api.cursor import Cursors
    from wactl.service.postgres.management import Management
    from wactl.service.postgres.secrets import PostgresSecrets

    if config.keyring is None:
        log.warning("no WACTL_ENCRYPTION_KEY_FILE: the API cannot keep access tokens or "
                    "flow secrets", extra={"code": "no_encryption_key"})
    elif config.keyring_from_env:
        log.warning("the encryption key comes from WACTL_ENCRYPTION_KEY: for development "
                    "only, use WACTL_ENCRYPTION_KEY_FILE", extra={"code": "key_in_env"})
    secrets = None if config.keyring is None else PostgresSecrets(pool, config.keyring)
    return ApiContext(pool, Management(pool), Cursors(config.app_secret.encode()), store,
                      secrets)


async def _single_account(store: Store, phone_number_id: str, shop_id: str,
                          tier: int | None) -> Account:
    """The single-shop number as this start configures it; a suspension made meanwhile
    (by an operator, for this shop) stays in force across restarts."""
    kept = await store.accounts.get(phone_number_id)
    status = kept.status if kept is not None and kept.shop_id == shop_id else "active"
    return Account(phone_number_id, shop_id, tier=tier, status=status)


def _fetcher(graph: GraphClient) -> Fetch:
    async def fetch(media_id: str) -> tuple[bytes, str, str]:
        found = await graph.media(media_id)
        return found.content, found.mime_type, found.sha256

    return fetch


Readiness = Callable[[], Awaitable[str | None]]


async def served_engine(shop: ShopStore, program: Program, secrets: dict[str, str],
                        at: datetime) -> Engine:
    """The engine for `program`, knowing every version the shop served before: its
    flows' versions are kept (and made the active ones), and stored runs pinned to an
    older version finish on it after a redeploy or a restart."""
    fresh = await shop.flow_versions.keep(list(program.flows), at=at)
    if fresh:
        log.info("%d new flow version(s) deployed", len(fresh), extra={
            "code": "flows_deployed", "shop": shop.shop_id, "versions": fresh})
    current = {f.hash for f in program.flows}
    older = [f for f in await shop.flow_versions.versions() if f.hash not in current]
    return Engine(program, secrets=secrets, versions=older)


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
    for change in parsed.changes:
        shop, why = service.routes.shop(change.phone_number_id or "")
        if shop is None:
            if change.events:
                log.warning("webhook for a number not served (%s)", why, extra={
                    "code": why, "phone_number_id": change.phone_number_id})
            continue
        items += [(shop, event) for event in change.events]
    try:
        await service.keep(items)
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
