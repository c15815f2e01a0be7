"""Ids an LLM wrote cannot leave their path segment (issue: ids go into paths unescaped).

Each attack was reproduced against LocalRAGFlow before the fix: a session id of
``../datasets#`` deleted the dataset, and a chat id of ``../datasets#`` with
``delete_sessions(delete_all=True)`` deleted every dataset.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from ragflow_integrations import (
    APIStatusError,
    AsyncRAGFlow,
    InvalidArgumentError,
    RAGFlow,
    RAGFlowError,
)
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
    async with AsyncRAGFlow(server.api_key, server.base_url, server_version=server.version) as rag:
        ds = await rag.create_dataset(name="kept")
        with pytest.raises(InvalidArgumentError):
            await rag.session("../datasets#", ds.id).delete()
        assert [d.id for d in await rag.list_datasets()] == [ds.id]


FORGED = "../datasets#"


def test_framework_layers_refuse_hostile_ids(server: LocalRAGFlow) -> None:
    """Chat models, engines and tools put no id an LLM wrote into a path.

    Where a version looks things up by query (``?id=``), the id is escaped there and
    finds nothing; nothing but such reads is sent.
    """
    from langchain_ragflow import ChatRAGFlow
    from langchain_ragflow.tools import (
        RAGFlowListDocumentsTool,
        RAGFlowParseDocumentsTool,
        RAGFlowUploadTextTool,
    )
    from llamaindex_ragflow import RAGFlowChatEngine, RAGFlowQueryEngine, RAGFlowToolSpec

    rag = _client(server)
    ds = rag.create_dataset(name="kept")
    before = len(server.request_log)
    with pytest.raises(InvalidArgumentError):
        ChatRAGFlow(chat_id=FORGED, client=rag).invoke("q")
    with pytest.raises(InvalidArgumentError):
        RAGFlowQueryEngine(FORGED, client=rag).query("q")
    with pytest.raises(RAGFlowError):
        RAGFlowChatEngine(FORGED, client=rag).chat("q")
    spec = RAGFlowToolSpec(client=rag, allow_write=True)
    for said in (spec.list_documents(FORGED), spec.upload_text(FORGED, "a.txt", "text")):
        assert said.startswith("Error: ")
    for tool, args in (
        (RAGFlowListDocumentsTool(client=rag), {"dataset_id": FORGED}),
        (RAGFlowUploadTextTool(client=rag), {"dataset_id": FORGED, "name": "a", "text": "b"}),
        (RAGFlowParseDocumentsTool(client=rag), {"dataset_id": FORGED, "document_ids": ["d"]}),
    ):
        assert str(tool.invoke(args)).startswith("RAGFlow error:")
    for sent in server.request_log[before:]:
        assert sent.method == "GET" and FORGED not in unquote(sent.path)
    assert [d.id for d in rag.list_datasets()] == [ds.id]


def test_the_llamaindex_tool_spec_stays_within_its_datasets(server: LocalRAGFlow) -> None:
    from llamaindex_ragflow import RAGFlowToolSpec

    rag = _client(server)
    mine, other = rag.create_dataset(name="mine"), rag.create_dataset(name="other")
    spec = RAGFlowToolSpec([mine.id], client=rag, allow_write=True)
    assert "mine" in spec.list_datasets() and "other" not in spec.list_datasets()
    for said in (spec.list_documents(other.id), spec.upload_text(other.id, "n.txt", "x")):
        assert said.startswith("Error: InvalidArgumentError") and mine.id in said
    assert "Uploaded n.txt" in spec.upload_text(mine.id, "n.txt", "x")
    assert "n.txt" in spec.list_documents(mine.id)
    assert other.id not in "".join(r.path for r in server.request_log)
    assert other.list_documents() == []


async def test_the_async_llamaindex_tool_spec_stays_within_its_datasets(
    server: LocalRAGFlow,
) -> None:
    from llamaindex_ragflow import RAGFlowToolSpec

    async with AsyncRAGFlow(server.api_key, server.base_url, server_version=server.version) as arag:
        mine, other = await arag.create_dataset(name="mine"), await arag.create_dataset(name="o")
        spec = RAGFlowToolSpec([mine.id], async_client=arag, allow_write=True)
        assert "mine" in await spec.alist_datasets()
        assert (await spec.alist_documents(other.id)).startswith("Error: InvalidArgumentError")
        assert (await spec.aupload_text(other.id, "n.txt", "x")).startswith("Error:")
        assert await other.list_documents() == []


def test_upload_tools_refuse_file_names_that_would_add_headers(server: LocalRAGFlow) -> None:
    from langchain_ragflow.tools import RAGFlowUploadTextTool
    from llamaindex_ragflow import RAGFlowToolSpec

    rag = _client(server)
    ds = rag.create_dataset(name="kept")
    evil = "notes.txt\r\nContent-Type: text/html\r\n\r\n<script>"
    said = RAGFlowUploadTextTool(client=rag).invoke(
        {"dataset_id": ds.id, "name": evil, "text": "x"}
    )
    assert "control character" in str(said)
    said = RAGFlowToolSpec([ds.id], client=rag, allow_write=True).upload_text(ds.id, evil, "x")
    assert said.startswith("Error: InvalidArgumentError")
    assert not [r for r in server.request_log if r.method == "POST" and "/documents" in r.path]
    assert ds.list_documents() == []
