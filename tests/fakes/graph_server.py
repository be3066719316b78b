"""A small fake WhatsApp Cloud API (Graph API) for tests, on 127.0.0.1 (port 0).

It speaks Meta's JSON (../shared/reference/whatsapp-api-facts.md): `POST
/{version}/{phone_number_id}/messages` answers `{"messaging_product": "whatsapp",
"contacts": [...], "messages": [{"id": "wamid...."}]}` for a send and `{"success":
true}` for a mark-as-read; refusals are Graph's error envelope (`{"error": {"message",
"type", "code", "error_subcode", "error_data", "fbtrace_id"}}`).  `GET
/{version}/{media_id}` describes a media file the test added (url, mime_type, sha256,
file_size) and the url serves its bytes, both only with the right bearer token.

A test queues answers for message posts; each post takes the next one, and once the
queue is empty every post is accepted.  So `server_error().server_error()` means "500
twice, then success".  Every request is recorded (method, path, headers, JSON body).

    async with FakeGraph(access_token="EAAG-test") as fake:
        fake.server_error().outside_window()
        client = GraphClient(fake.base_url, "EAAG-test", fake.phone_number_id)
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

VERSION = "v21.0"


@dataclass
class Answer:
    """One scripted answer to a message post: a status and a body, after a delay."""

    status: int = 200
    body: dict[str, Any] | str | None = None
    hang: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    status: int = 0
    answer: dict[str, Any] | str | None = None
    """What the fake answered (a message's `wamid` is in it); None while unanswered."""


@dataclass
class StoredMedia:
    content: bytes
    mime_type: str
    sha256: str = ""
    file_size: int | str | None = None


@dataclass
class FakeGraph:
    """The fake server; use as `async with FakeGraph() as fake`."""

    access_token: str = "EAAG-fake-token"
    phone_number_id: str = "106540352242922"
    numbers: dict[str, str] = field(default_factory=dict)
    """More numbers served, each with its own access token (many shops' numbers)."""
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, StoredMedia] = field(default_factory=dict)
    base_url: str = ""
    _script: list[Answer] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _root: str = ""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{number}}/messages", self._messages)
        app.router.add_get(f"/{VERSION}/{{media_id}}", self._describe)
        app.router.add_get("/media/{media_id}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self._root = f"http://127.0.0.1:{port}"
        self.base_url = f"{self._root}/{VERSION}"
        return self.base_url

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeGraph:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # ------------------------------------------------------------------ scripting

    def then(self, answer: Answer) -> FakeGraph:
        self._script.append(answer)
        return self

    def error(self, status: int, code: int, message: str, *, subcode: int | None = None,
              details: str | None = None, kind: str = "OAuthException") -> FakeGraph:
        error: dict[str, Any] = {"message": message, "type": kind, "code": code}
        if details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
        if subcode is not None:
            error["error_subcode"] = subcode
        error["fbtrace_id"] = f"AbC{next(self._ids):08d}"
        return self.then(Answer(status, {"error": error}))

    def server_error(self, status: int = 500) -> FakeGraph:
        return self.error(status, 131000, "(#131000) Something went wrong",
                          details="Something went wrong")

    def outside_window(self) -> FakeGraph:
        return self.error(400, 131047, "(#131047) Re-engagement message", details=(
            "Message failed to send because more than 24 hours have passed since the "
            "customer last replied to this number."))

    def undeliverable(self) -> FakeGraph:
        return self.error(400, 131026, "(#131026) Message Undeliverable.",
                          details="Message Undeliverable.")

    def throughput_limited(self) -> FakeGraph:
        """130429 as Graph sends it: an HTTP 400, not a 429."""
        return self.error(400, 130429, "(#130429) Rate limit hit",
                          details="Cloud API message throughput has been reached.")

    def too_many_requests(self) -> FakeGraph:
        return self.error(429, 80007, "(#80007) There have been too many calls")

    def expired_token(self) -> FakeGraph:
        return self.error(401, 190, "Error validating access token: Session has expired on "
                          "Tuesday, 25-Nov-25 04:00:00 PST.", subcode=463)

    def hang(self, seconds: float = 30.0) -> FakeGraph:
        """Answer only after `seconds` (or when the server closes): past a client timeout."""
        return self.then(Answer(hang=seconds))

    def not_json(self, status: int = 502) -> FakeGraph:
        return self.then(Answer(status, "<html><body>502 Bad Gateway</body></html>"))

    def add_media(self, media_id: str, content: bytes, mime_type: str = "image/jpeg",
                  *, sha256: str | None = None, file_size: int | str | None = None) -> None:
        digest = hashlib.sha256(content).hexdigest() if sha256 is None else sha256
        size = len(content) if file_size is None else file_size
        self.media[media_id] = StoredMedia(content, mime_type, digest, size)

    # ------------------------------------------------------------------ views

    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    def wamids(self) -> list[str]:
        """WhatsApp's ids of the messages the fake accepted, in order."""
        return [r.answer["messages"][0]["id"] for r in self.posts()
                if r.status == 200 and isinstance(r.answer, dict) and "messages" in r.answer]

    def delivered(self) -> list[dict[str, Any]]:
        """The message bodies the fake accepted, in order."""
        return [r.body for r in self.posts() if r.status == 200 and r.body is not None
                and "type" in r.body]

    # ------------------------------------------------------------------ serving

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        record = Recorded(request.method, request.path, dict(request.headers), body)
        self.requests.append(record)
        answer = self._answer(request, body)
        if answer.hang:
            try:
                await asyncio.wait_for(self._release.wait(), answer.hang)
            except TimeoutError:
                pass
        if request.transport is None or request.transport.is_closing():
            return web.Response(status=499)  # the sender went away: it never got an answer
        record.status = answer.status
        record.answer = answer.body
        payload = answer.body
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        kind = "application/json" if not isinstance(payload, str) else "text/html"
        return web.Response(status=answer.status, text=text, content_type=kind)

    def _answer(self, request: web.Request, body: dict[str, Any] | None) -> Answer:
        refusal = self._refusal(request, body)
        if refusal is not None:
            return refusal
        if self._script:
            answer = self._script.pop(0)
            if answer.status != 200 or answer.body is not None:
                return answer
            hang = answer.hang
        else:
            hang = 0.0
        assert body is not None
        if body.get("status") == "read":
            return Answer(200, {"success": True}, hang)
        return Answer(200, self._accepted(str(body.get("to", ""))), hang)

    def _refusal(self, request: web.Request, body: dict[str, Any] | None) -> Answer | None:
        tokens = {self.phone_number_id: self.access_token, **self.numbers}
        token = tokens.get(request.match_info["number"], self.access_token)
        if request.headers.get("Authorization") != f"Bearer {token}":
            return Answer(401, _envelope(190, "Invalid OAuth access token - Cannot parse "
                                              "access token"))
        if request.match_info["number"] not in tokens:
            return Answer(400, _envelope(100, "Unsupported post request. Object with ID "
                                              f"'{request.match_info['number']}' does not "
                                              "exist", subcode=33))
        if body is None or body.get("messaging_product") != "whatsapp":
            return Answer(400, _envelope(100, "(#100) The parameter messaging_product is "
                                              "required."))
        return None

    def _accepted(self, to: str) -> dict[str, Any]:
        wamid = f"wamid.HBgL{next(self._ids):012d}FQIAERgSRkFLRQA="
        return {"messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}]}

    async def _describe(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Recorded("GET", request.path, dict(request.headers), None))
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.json_response(_envelope(190, "Invalid OAuth access token"), status=401)
        media_id = request.match_info["media_id"]
        stored = self.media.get(media_id)
        if stored is None:
            return web.json_response(_envelope(100, "Unsupported get request.", subcode=33),
                                     status=400)
        return web.json_response({
            "messaging_product": "whatsapp", "id": media_id, "mime_type": stored.mime_type,
            "sha256": stored.sha256, "file_size": stored.file_size,
            "url": f"{self._root}/media/{media_id}?ext=1&hash=ATu1fake"})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Recorded("GET", request.path, dict(request.headers), None))
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.Response(status=401, text="Unauthorized")
        stored = self.media.get(request.match_info["media_id"])
        if stored is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=stored.content, content_type=stored.mime_type)


def _envelope(code: int, message: str, *, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AbCfake"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}
