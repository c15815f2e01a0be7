"""Models take every version's field names and expose the newest."""

from __future__ import annotations

import pytest

import ragflow_integrations
from ragflow_integrations import (
    Chat,
    Chunk,
    DataSet,
    Dialect,
    Document,
    RAGFlowConfigError,
    Session,
)
from ragflow_integrations._base_client import ModelList
from ragflow_integrations._dialect import parse_version


def test_chunk_old_names() -> None:
    old = Chunk.model_validate(
        {
            "chunk_id": "c",
            "content_with_weight": "t",
            "doc_id": "d",
            "docnm_kwd": "a.md",
            "kb_id": ["k"],
            "img_id": "i",
            "important_kwd": ["x"],
            "positions": [""],
            "new_field": 1,
        }
    )
    assert (old.id, old.content, old.document_id, old.document_name) == ("c", "t", "d", "a.md")
    assert old.dataset_id == old.knowledgebase_id == "k" and old.image_id == "i"
    assert old.important_keywords == ["x"] and old.positions == []
    assert old.model_extra == {"new_field": 1}
    mid = Chunk.model_validate({"id": "c", "document_keyword": "b.md", "kb_id": "k2"})
    assert mid.document_name == "b.md" and mid.dataset_id == "k2"


def test_document_old_names() -> None:
    doc = Document.model_validate(
        {
            "id": "d",
            "kb_id": "k",
            "parser_id": "qa",
            "run": "3",
            "process_duation": 1.5,
            "chunk_num": 2,
            "token_num": 9,
        }
    )
    assert doc.dataset_id == doc.knowledgebase_id == "k"
    assert doc.chunk_method == doc.parser_method == "qa" and doc.run == "DONE"
    assert doc.process_duration == doc.process_duation == 1.5
    assert (doc.chunk_count, doc.token_count) == (2, 9)
    doc.parser_method = "manual"
    assert doc.chunk_method == "manual"


def test_chat_shapes() -> None:
    old_list = Chat.model_validate(
        {
            "id": "c",
            "datasets": [{"id": "k1"}, {"id": "k2"}],
            "prompt": {"opener": "Hi"},
            "llm": {"model_name": "m"},
        }
    )
    assert old_list.dataset_ids == ["k1", "k2"] and old_list.get_prologue() == "Hi"
    dialog = Chat.model_validate(
        {
            "id": "c",
            "icon": "img",
            "dataset_ids": ["k"],
            "llm_id": "qwen",
            "llm_setting": {"temperature": 0.3},
            "similarity_threshold": 0.2,
            "vector_similarity_weight": 0.3,
            "prompt_config": {"prologue": "Hello", "quote": True},
        }
    )
    assert dialog.avatar == "img" and dialog.llm.model_name == "qwen"
    assert dialog.llm.temperature == 0.3 and dialog.prompt.opener == "Hello"
    assert dialog.prompt.show_quote is True and dialog.prompt.keywords_similarity_weight == 0.7
    assert dialog.get_prologue() == "Hello"


def test_session_old_chat_key() -> None:
    assert Session.model_validate({"id": "s", "chat": "c"}).chat_id == "c"
    assert Session.model_validate({"id": "s", "dialog_id": "c", "messages": None}).messages == []


def test_model_list_answers_for_its_single_item() -> None:
    ds = DataSet(id="k", name="kb")
    assert ModelList([ds]).name == "kb"
    with pytest.raises(AttributeError, match="index it first"):
        _ = ModelList([ds, ds]).name


def test_unbound_models_say_so() -> None:
    with pytest.raises(RAGFlowConfigError, match="not attached to a client"):
        DataSet(id="k").update({"name": "x"})


def test_versions() -> None:
    assert parse_version("v0.20") == (0, 20, 0)
    assert parse_version("0.25.3") == (0, 25, 3)
    assert parse_version("v0.27.0-12-gabc1234") == (0, 27, 0)
    for bad in ("v0.12", "v0.28.0", "latest", ""):
        with pytest.raises(RAGFlowConfigError):
            parse_version(bad)
    assert Dialect.of("v0.24").cumulative_stream is False
    assert Dialect.of("v0.23.1").cumulative_stream is True
    assert Dialect.of("v0.19").citation_style == "hash"
    assert Dialect.of("v0.25.2").completion_needs_messages
    assert not Dialect.of("v0.25.6").completion_needs_messages


def test_client_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFLOW_API_KEY", raising=False)
    with pytest.raises(RAGFlowConfigError, match="RAGFLOW_API_KEY"):
        ragflow_integrations.RAGFlow()
    monkeypatch.setenv("RAGFLOW_API_KEY", "ragflow-env")
    monkeypatch.setenv("RAGFLOW_BASE_URL", "http://h:1/api/v1/")
    rag = ragflow_integrations.RAGFlow(server_version="v0.22")
    assert rag.api_key == "ragflow-env" and rag._transport.root == "http://h:1/api/v1"
    assert rag.server_version() == "v0.22.0"
    with pytest.raises(RAGFlowConfigError, match="http"):
        ragflow_integrations.RAGFlow("k", "h:1")


def test_public_names() -> None:
    assert sorted(ragflow_integrations.__all__) == sorted(
        n for n in ragflow_integrations.__all__ if hasattr(ragflow_integrations, n)
    )
    for name in (
        "RAGFlow",
        "AsyncRAGFlow",
        "RAGFlowError",
        "AuthenticationError",
        "StreamError",
        "DataSet",
        "Document",
        "Chunk",
        "Chat",
        "Session",
        "Message",
    ):
        assert name in ragflow_integrations.__all__
