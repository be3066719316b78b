"""`wactl serve` on PostgreSQL: a conversation survives the process being killed.

The service is killed with SIGKILL while its flow waits in `ask`; a new process on the
same database takes the answer, and a body WhatsApp delivers again after the restart
is answered once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.graph_server import FakeGraph
from fakes.webhooks import PHONE_NUMBER_ID
from serve_helpers import SECRET, delivered, post, start_service, text_body, write_project

from wactl.service.webhook.signature import sign

pytestmark = pytest.mark.service


async def test_a_killed_service_goes_on_where_the_conversation_was(
        tmp_path: Path, fresh_database: str) -> None:
    write_project(tmp_path)
    async with FakeGraph(phone_number_id=PHONE_NUMBER_ID) as graph:
        first = await start_service(tmp_path, graph, fresh_database)
        hi = text_body("hi", 1)
        assert await post(first.url, hi, signature=sign(SECRET, hi)) == 200
        assert await delivered(graph, 1) == ["Chào bạn! Bạn tên gì?"]
        await first.stop(kill=True)  # SIGKILL while the flow waits in `ask`
        second = await start_service(tmp_path, graph, fresh_database)
        try:
            answer = text_body("Mai", 2)
            assert await post(second.url, hi, signature=sign(SECRET, hi)) == 200  # again
            assert await post(second.url, answer, signature=sign(SECRET, answer)) == 200
            assert await delivered(graph, 2) == ["Chào bạn! Bạn tên gì?",
                                                 "Rất vui được gặp Mai."]
        finally:
            await second.stop()
        assert len(graph.delivered()) == 2
