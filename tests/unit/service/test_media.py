"""Inbound media: noted by the webhook, fetched by the media job, kept; never lost.

The stores (memory and PostgreSQL) keep the same promises; the service downloads what
a media message names from the fake Graph API through the real client, after the 200.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from contract.postgres_kit import fresh_schema
from fakes.graph_server import FakeGraph
from fakes.webhooks import CUSTOMER, body, message

from wactl.compiler import compile_project
from wactl.runtime.memory import MemoryStore, UnavailableHttpClient
from wactl.runtime.ports import ChannelError
from wactl.service.app import Service, build_service, make_app
from wactl.service.config import load_config
from wactl.service.media import MAX_ATTEMPTS, MediaFile, MediaJob, MediaStore, MemoryMediaStore
from wactl.service.postgres.media import PostgresMediaStore
from wactl.service.webhook.signature import sign

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
SECRET = "s3cret"


@asynccontextmanager
async def _memory() -> AsyncIterator[MediaStore]:
    yield MemoryMediaStore()


@asynccontextmanager
async def _postgres() -> AsyncIterator[MediaStore]:
    async with fresh_schema() as pool:
        yield PostgresMediaStore(pool)


STORES: dict[str, Callable[[], AbstractAsyncContextManager[MediaStore]]] = {
    "memory": _memory, "postgres": _postgres}


@pytest.fixture(params=sorted(STORES))
async def media(request: pytest.FixtureRequest) -> AsyncIterator[MediaStore]:
    async with STORES[request.param]() as store:
        yield store


def _file(media_id: str, minutes: int = 0, shop: str = "s") -> MediaFile:
    return MediaFile(shop, media_id, CUSTOMER, "image/jpeg", at=T0 + timedelta(minutes=minutes))


async def test_wanted_files_are_claimed_once_oldest_first(media: MediaStore) -> None:
    await media.want([_file("b", 2), _file("a", 1)])
    await media.want([_file("a", 5)])  # noted already: left as it is
    claimed = await media.claim("w1", now=T0 + LEASE, lease=LEASE, limit=10)
    assert [f.media_id for f in claimed] == ["a", "b"]
    assert claimed[0].at == T0 + timedelta(minutes=1)
    assert await media.claim("w2", now=T0 + LEASE, lease=LEASE) == []  # leased
    again = await media.claim("w2", now=T0 + 3 * LEASE, lease=LEASE)
    assert [f.media_id for f in again] == ["a", "b"]  # a dead worker's lease ran out


async def test_a_fetched_file_is_kept_with_its_type_and_digest(media: MediaStore) -> None:
    await media.want([_file("a")])
    content = b"\x89PNG\x00\xff" * 100
    await media.fetched("s", "a", content, "image/png", hashlib.sha256(content).hexdigest())
    kept = await media.get("s", "a")
    assert kept is not None and kept.status == "fetched" and kept.content == content
    assert (kept.mime_type, kept.size, kept.attempts) == ("image/png", 600, 1)
    assert await media.claim("w", now=T0 + LEASE, lease=LEASE) == []
    assert await media.get("other-shop", "a") is None


async def test_a_failed_try_waits_for_its_retry_time_or_fails_for_good(
        media: MediaStore) -> None:
    await media.want([_file("a"), _file("b")])
    await media.failed("s", "a", "circuit_open", retry_at=T0 + timedelta(hours=1))
    await media.failed("s", "b", "131052", retry_at=None)
    assert await media.claim("w", now=T0 + timedelta(minutes=30), lease=LEASE) == []
    [later] = await media.claim("w", now=T0 + timedelta(hours=1), lease=LEASE)
    assert (later.media_id, later.attempts, later.error) == ("a", 1, "circuit_open")
    failed = await media.get("s", "b")
    assert failed is not None and (failed.status, failed.error) == ("failed", "131052")


async def test_retention_empties_old_files_of_one_shop(media: MediaStore) -> None:
    await media.want([_file("a", 0), _file("b", 600), _file("a", 0, shop="t")])
    for shop, media_id in (("s", "a"), ("s", "b"), ("t", "a")):
        await media.fetched(shop, media_id, b"x" * 10, "image/jpeg", "d")
    assert await media.forget("s", T0 + timedelta(hours=1)) == 1
    assert await media.forget("s", T0 + timedelta(hours=1)) == 0
    old, new, other = [await media.get(*k) for k in (("s", "a"), ("s", "b"), ("t", "a"))]
    assert old is not None and old.content == b"" and old.status == "fetched"
    assert new is not None and new.content == b"x" * 10
    assert other is not None and other.content == b"x" * 10


async def test_the_job_retries_what_may_pass_and_gives_up_after_max_attempts() -> None:
    store = MemoryMediaStore()
    await store.want([_file("a")])
    tries: list[str] = []

    async def down(shop_id: str, media_id: str) -> tuple[bytes, str, str]:
        tries.append(media_id)
        raise ChannelError("circuit_open", retryable=True)

    job = MediaJob(store, down)
    now = T0
    for _ in range(MAX_ATTEMPTS + 2):
        await job.run_once(now)
        now += timedelta(days=1)
    kept = await store.get("s", "a")
    assert kept is not None and (kept.status, kept.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(tries) == MAX_ATTEMPTS


async def _service(graph: FakeGraph, **env: str) -> Service:
    program = compile_project({"flows/hi.yaml": "flow: hi\ntrigger: {keyword: [hi]}\n"
                               "steps:\n  - {id: s, send: Hello}\n"}).program
    assert program is not None
    config = load_config({"WACTL_APP_SECRET": SECRET, "WACTL_VERIFY_TOKEN": "v",
                          "WACTL_ACCESS_TOKEN": graph.access_token,
                          "WACTL_PHONE_NUMBER_ID": graph.phone_number_id,
                          "WACTL_GRAPH_API_BASE": graph.base_url, **env})
    store = MemoryStore()
    return await build_service(config, program, http=UnavailableHttpClient(),
                               stores=(store, store.inbox))


async def _post_image(service: Service, media_id: str, n: int) -> None:
    data = body(message("image", {"mime_type": "image/jpeg", "sha256": "x", "id": media_id},
                        id=f"wamid.img{n}"))
    data = data.replace(b"114205938870312", service.config.phone_number_id.encode())
    async with TestClient(TestServer(make_app(service))) as client:
        answer = await client.post("/webhooks", data=data,
                                   headers={"X-Hub-Signature-256": sign(SECRET, data)})
        assert answer.status == 200


async def test_the_service_fetches_inbound_media_after_the_200() -> None:
    photo = b"\xff\xd8\xff" + bytes(range(256)) * 10
    async with FakeGraph() as graph:
        graph.add_media("1479537139650973", photo, "image/jpeg")
        graph.add_media("9999", b"y" * 5000, "video/mp4")
        service = await _service(graph, WACTL_MEDIA_MAX_BYTES="4096")
        try:
            await _check_fetches(service, graph, photo)
        finally:
            await service.close()


async def _check_fetches(service: Service, graph: FakeGraph, photo: bytes) -> None:
    await _post_image(service, "1479537139650973", 1)
    await _post_image(service, "404404", 2)  # WhatsApp does not know it
    await _post_image(service, "9999", 3)  # over the limit
    assert [r for r in graph.requests if r.method == "GET"] == []  # not in the handler
    while await service.workers.round():
        pass
    shop = next(iter(service.conductor.engines))
    kept = await service.media.get(shop, "1479537139650973")
    assert kept is not None and kept.status == "fetched" and kept.content == photo
    assert kept.sha256 == hashlib.sha256(photo).hexdigest()
    unknown = await service.media.get(shop, "404404")
    large = await service.media.get(shop, "9999")
    assert unknown is not None and unknown.status == "failed"
    assert large is not None and (large.status, large.error) == ("failed", "media_too_large")
