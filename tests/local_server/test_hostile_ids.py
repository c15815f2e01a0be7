"""Ids an LLM wrote cannot leave their path segment (issue: ids go into paths unescaped).

Each attack was reproduced against LocalRAGFlow before the fix: a session id of
``../datasets#`` deleted the dataset, and a chat id of ``../datasets#`` with
``delete_sessions(delete_all=True)`` deleted every dataset.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from ragflow_integrations import APIStatusError, AsyncRAGFlow, InvalidArgumentError, RAGFlow
from ragflow_integrations.testing import LocalRAGFlow

HOSTILE = ["../datasets#", "/../../../admin", "x/../y", "..", ".", "", "a\r\nb", "a\\b"]


@pytest.fixture(params=["v0.18", "v0.27"])
def server(request: pytest.FixtureRequest) -> Iterator[LocalRAGFlow]:
    with LocalRAGFlow(dialect=request.param) as srv:
        yield srv


def _client(server: LocalRAGFlow) -> RAGFlow:
    return RAGFlow(server.api_key, server.base_url, server_version=server.version)


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_ids_are_refused_before_any_request(server: LocalRAGFlow, bad: str) -> None:
    rag = _client(server)
    ds = rag.create_dataset(name="kept")
    chat = rag.create_chat("bot")
    before = len(server.request_log)
    with pytest.raises(InvalidArgumentError, match="not a valid RAGFlow id"):
        rag.session(bad, ds.id).delete()
    with pytest.raises(InvalidArgumentError):
        rag.session(chat.id, bad).update({"name": "x"})
    forged = rag.session(bad, "s")  # a chat handle with a forged id
    with pytest.raises(InvalidArgumentError):
        rag._delete_sessions(forged.chat_id, None, delete_all=True)
    with pytest.raises(InvalidArgumentError):
        rag.openai_chat_completion(bad, [{"role": "user", "content": "q"}])
    assert len(server.request_log) == before  # nothing was sent
    assert [d.id for d in rag.list_datasets()] == [ds.id]


@pytest.mark.parametrize("odd", ["x?id=1&page_size=999", "a#b", "a b", "100%", "é"])
def test_odd_ids_are_escaped_within_their_segment(server: LocalRAGFlow, odd: str) -> None:
    rag = _client(server)
    ds = rag.create_dataset(name="kept")
    chat = rag.create_chat("bot")
    with pytest.raises(APIStatusError):
        rag.session(chat.id, odd).update({"name": "renamed"})
    sent = server.request_log[-1]
    parent, last = sent.path.rsplit("/", 1)
    assert parent == f"/api/v1/chats/{chat.id}/sessions"
    assert unquote(last) == odd and not sent.query
    assert [d.id for d in rag.list_datasets()] == [ds.id]


async def test_async_client_refuses_hostile_ids(server: LocalRAGFlow) -> None:
    async with AsyncRAGFlow(
        server.api_key, server.base_url, server_version=server.version
    ) as rag:
        ds = await rag.create_dataset(name="kept")
        with pytest.raises(InvalidArgumentError):
            await rag.session("../datasets#", ds.id).delete()
        assert [d.id for d in await rag.list_datasets()] == [ds.id]
