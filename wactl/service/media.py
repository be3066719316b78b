"""Inbound media, downloaded by a worker job and kept: never inside the webhook handler.

WhatsApp sends a media id, not the file, and the file's URL lasts minutes.  The webhook
handler notes each media id of a body (`MediaStore.want`, after the inbox write and
before the 200, so a failure is a 503 and WhatsApp delivers the body again); the media
job claims what is wanted with a lease, downloads it through the Graph API client
(bounded in size, its sha256 checked) and keeps the bytes with their type and digest.
A refusal that may pass (an outage, a corrupt download) is tried again with back-off,
up to `MAX_ATTEMPTS`; the rest is kept as failed with WhatsApp's code, so nothing is
silently dropped.  Retention empties kept files with the message bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from wactl.runtime.events import Event, Inbound
from wactl.runtime.ports import ChannelError

log = logging.getLogger("wactl.service")

MediaStatus = Literal["wanted", "fetched", "failed"]
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)
DEFAULT_MAX_BYTES = 16 << 20
"""The largest file kept by default (WhatsApp's video and audio limit; documents go to
100 MB: raise `WACTL_MEDIA_MAX_BYTES` for them)."""


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One inbound media id of a shop's customer, and what became of it."""

    shop_id: str
    media_id: str
    wa_id: str
    mime_type: str = ""
    status: MediaStatus = "wanted"
    attempts: int = 0
    error: str | None = None
    sha256: str = ""
    size: int = 0
    content: bytes | None = None
    at: datetime | None = None
    """When it was wanted (the message arrived)."""


class MediaStore(Protocol):
    async def want(self, files: list[MediaFile]) -> None:
        """Note media to fetch; one already noted (same shop and id) is left as it is."""
        ...

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 4) -> list[MediaFile]:
        """Wanted files whose retry time has come and whose lease is free, oldest first."""
        ...

    async def fetched(self, shop_id: str, media_id: str, content: bytes, mime_type: str,
                      sha256: str) -> None:
        ...

    async def failed(self, shop_id: str, media_id: str, error: str, *,
                     retry_at: datetime | None) -> None:
        """A try failed: wanted again from `retry_at`, or failed for good when None."""
        ...

    async def get(self, shop_id: str, media_id: str) -> MediaFile | None:
        ...

    async def forget(self, shop_id: str, before: datetime) -> int:
        """Retention: empty the files of media wanted before `before`; how many now."""
        ...


def wanted(items: list[tuple[str, Event]], at: datetime) -> list[MediaFile]:
    """The media ids of a body's messages."""
    return [MediaFile(shop, e.media.id, e.wa_id, e.media.mime_type or "", at=at)
            for shop, e in items
            if isinstance(e, Inbound) and e.media is not None and e.media.id]


Fetch = Callable[[str, str], Awaitable[tuple[bytes, str, str]]]
"""Download a shop's media id (with its own number's token): (content, mime type,
sha256); raises `ChannelError`."""


@dataclass
class MediaJob:
    """Downloads what is wanted, a few files a round."""

    store: MediaStore
    fetch: Fetch
    owner: str = "media"
    lease: timedelta = timedelta(seconds=120)

    async def run_once(self, now: datetime) -> int:
        files = await self.store.claim(self.owner, now=now, lease=self.lease)
        for file in files:
            await self._one(file, now)
        return len(files)

    async def _one(self, file: MediaFile, now: datetime) -> None:
        try:
            content, mime_type, digest = await self.fetch(file.shop_id, file.media_id)
        except ChannelError as err:
            again = err.retryable and file.attempts + 1 < MAX_ATTEMPTS
            retry_at = now + BACKOFF * (2 ** file.attempts) if again else None
            log.warning("media %s not fetched: %s", file.media_id, err.code, extra={
                "code": "media_retry" if again else "media_failed", "shop": file.shop_id,
                "wa_id": file.wa_id, "media_id": file.media_id, "error": err.code})
            await self.store.failed(file.shop_id, file.media_id, err.code, retry_at=retry_at)
            return
        await self.store.fetched(file.shop_id, file.media_id, content,
                                 mime_type or file.mime_type, digest)
        log.info("media %s fetched", file.media_id, extra={
            "code": "media_fetched", "shop": file.shop_id, "wa_id": file.wa_id,
            "media_id": file.media_id, "size": len(content)})


class MemoryMediaStore:
    """Media in this process (the service without `DATABASE_URL`, tests)."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], MediaFile] = {}
        self.leases: dict[tuple[str, str], datetime] = {}
        self.not_before: dict[tuple[str, str], datetime] = {}

    async def want(self, files: list[MediaFile]) -> None:
        for file in files:
            self.files.setdefault((file.shop_id, file.media_id), file)

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 4) -> list[MediaFile]:
        free = [f for k, f in self.files.items() if f.status == "wanted"
                and self.leases.get(k, now) <= now and self.not_before.get(k, now) <= now]
        free.sort(key=lambda f: (f.at or now, f.shop_id, f.media_id))
        for file in free[:limit]:
            self.leases[(file.shop_id, file.media_id)] = now + lease
        return free[:limit]

    async def fetched(self, shop_id: str, media_id: str, content: bytes, mime_type: str,
                      sha256: str) -> None:
        key = (shop_id, media_id)
        self.files[key] = replace(self.files[key], status="fetched", content=content,
                                  mime_type=mime_type, sha256=sha256, size=len(content),
                                  attempts=self.files[key].attempts + 1, error=None)
        self.leases.pop(key, None)

    async def failed(self, shop_id: str, media_id: str, error: str, *,
                     retry_at: datetime | None) -> None:
        key = (shop_id, media_id)
        file = self.files[key]
        self.files[key] = replace(file, status="wanted" if retry_at else "failed",
                                  attempts=file.attempts + 1, error=error)
        self.leases.pop(key, None)
        if retry_at is not None:
            self.not_before[key] = retry_at

    async def get(self, shop_id: str, media_id: str) -> MediaFile | None:
        return self.files.get((shop_id, media_id))

    async def forget(self, shop_id: str, before: datetime) -> int:
        old = [k for k, f in self.files.items() if k[0] == shop_id and f.content
               and f.at is not None and f.at < before]
        for key in old:
            self.files[key] = replace(self.files[key], content=b"")
        return len(old)
