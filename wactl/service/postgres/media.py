"""Inbound media on PostgreSQL (`wactl.service.media.MediaStore`), in the `media` table."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from wactl.service.media import MediaFile
from wactl.service.postgres.text import dec, dec_opt, enc

_CLAIM = """
WITH picked AS (
    SELECT shop_id, media_id FROM media
    WHERE status = 'wanted' AND (not_before IS NULL OR not_before <= $2)
      AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY wanted_at, shop_id, media_id LIMIT $4
    FOR UPDATE SKIP LOCKED)
UPDATE media m SET lease_owner = $1, lease_until = $3 FROM picked
WHERE m.shop_id = picked.shop_id AND m.media_id = picked.media_id
RETURNING m.shop_id, m.media_id, m.wa_id, m.mime_type, m.status, m.attempts, m.error,
          m.sha256, m.size, m.wanted_at"""

_COLUMNS = ("shop_id, media_id, wa_id, mime_type, status, attempts, error, sha256, size, "
            "content, wanted_at")


def _file(row: asyncpg.Record) -> MediaFile:
    content = row["content"] if "content" in row else None
    return MediaFile(dec(row["shop_id"]), dec(row["media_id"]), dec(row["wa_id"]),
                     row["mime_type"], row["status"], row["attempts"], dec_opt(row["error"]),
                     row["sha256"], row["size"], content, row["wanted_at"])


class PostgresMediaStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def want(self, files: list[MediaFile]) -> None:
        if not files:
            return
        await self.pool.execute(
            "INSERT INTO media (shop_id, media_id, wa_id, mime_type, wanted_at) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
            "$5::timestamptz[]) ON CONFLICT DO NOTHING",
            [enc(f.shop_id) for f in files], [enc(f.media_id) for f in files],
            [enc(f.wa_id) for f in files], [f.mime_type for f in files],
            [f.at for f in files])

    async def claim(self, owner: str, *, now: datetime, lease: timedelta,
                    limit: int = 4) -> list[MediaFile]:
        rows = await self.pool.fetch(_CLAIM, owner, now, now + lease, limit)
        return sorted((_file(r) for r in rows), key=lambda f: (f.at, f.shop_id, f.media_id))

    async def fetched(self, shop_id: str, media_id: str, content: bytes, mime_type: str,
                      sha256: str) -> None:
        await self.pool.execute(
            "UPDATE media SET status = 'fetched', content = $3, mime_type = $4, sha256 = $5, "
            "size = $6, attempts = attempts + 1, error = NULL, lease_owner = NULL, "
            "lease_until = NULL WHERE shop_id = $1 AND media_id = $2",
            enc(shop_id), enc(media_id), content, mime_type, sha256, len(content))

    async def failed(self, shop_id: str, media_id: str, error: str, *,
                     retry_at: datetime | None) -> None:
        await self.pool.execute(
            "UPDATE media SET status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' "
            "ELSE 'wanted' END, attempts = attempts + 1, error = $3, not_before = $4, "
            "lease_owner = NULL, lease_until = NULL WHERE shop_id = $1 AND media_id = $2",
            enc(shop_id), enc(media_id), enc(error), retry_at)

    async def get(self, shop_id: str, media_id: str) -> MediaFile | None:
        row = await self.pool.fetchrow(f"SELECT {_COLUMNS} FROM media WHERE shop_id = $1 "
                                       "AND media_id = $2", enc(shop_id), enc(media_id))
        return None if row is None else _file(row)

    async def forget(self, shop_id: str, before: datetime) -> int:
        done = await self.pool.execute(
            "UPDATE media SET content = '' WHERE shop_id = $1 AND wanted_at < $2 "
            "AND length(content) > 0", enc(shop_id), before)
        return int(done.split()[-1])
