"""Retrieved chunks carry their documents' metadata; the one metadata layout of every result."""

from __future__ import annotations

import pytest

from ragflow_integrations import Chunk, Dialect, Document, InvalidArgumentError, NotFoundError
from ragflow_integrations._http import Request, Response
from ragflow_integrations._operations import retrieval
from ragflow_integrations.metadata import (
    CHUNK_KEYS,
    CONTENT_HASH_KEY,
    DOCUMENT_KEYS,
    SOURCE_ID_KEY,
    check_metadata,
    chunk_keys,
    chunk_metadata,
    document_metadata,
    ragflow_key,
    with_provenance,
)
from tests.unit_tests.core.scripted import ok, params, run

# -- retrieval with the documents' metadata ----------------------------------------------------

CHUNKS = [
    {"id": "c1", "document_id": "d1", "dataset_id": "ds", "content": "a"},
    {"id": "c2", "document_id": "d2", "dataset_id": "ds", "content": "b"},
    {"id": "c3", "document_id": "d1", "dataset_id": "ds", "content": "c"},
]


def test_document_metadata_is_sent_along_from_v0_25_2() -> None:
    def answer(req: Request) -> Response:
        assert req.json["reference_metadata"] == {"include": True}
        chunks = [dict(c) for c in CHUNKS]
        chunks[0]["document_metadata"] = {"a": 1}
        return ok({"chunks": chunks})

    op = retrieval.retrieve(Dialect.of("v0.25.2"), "q", ["ds"], document_metadata=True)
    found, sent = run(op, answer)
    assert len(sent) == 1
    assert [c["document_metadata"] for c in found] == [{"a": 1}, {}, {}]


@pytest.mark.parametrize(("version", "lists"), [("v0.20", 2), ("v0.25.1", 1)])
def test_document_metadata_is_read_once_per_distinct_document(version: str, lists: int) -> None:
    metas = {"d1": {"author": "alice"}, "d2": {}}

    def answer(req: Request) -> Response:
        if req.method == "POST":
            assert "reference_metadata" not in req.json
            return ok({"chunks": CHUNKS})
        asked = params(req).get("ids") or params(req)["id"]
        return ok({"docs": [{"id": i, "meta_fields": metas[i]} for i in asked]})

    op = retrieval.retrieve(Dialect.of(version), "q", ["ds"], document_metadata=True)
    found, sent = run(op, answer)
    assert len(sent) == 1 + lists
    assert [c["document_metadata"] for c in found] == [{"author": "alice"}, {}, {"author": "alice"}]


def test_a_tenant_without_an_index_retrieves_nothing() -> None:
    answer = ok(code=102, message="No chunk found! Check the chunk status please!")
    found, _ = run(retrieval.retrieve(Dialect.of("v0.27"), "q", ["ds"]), lambda r: answer)
    assert found == []
    other = ok(code=102, message="You don't own the dataset ds.")
    with pytest.raises(NotFoundError):
        run(retrieval.retrieve(Dialect.of("v0.27"), "q", ["ds"]), lambda r: other)


# -- the layout ----------------------------------------------------------------------------------


def test_own_metadata_first_and_ragflow_keys_never_overwrite_it() -> None:
    own = {"document_id": "mine", "ragflow_document_id": "also mine", "topic": "x"}
    merged = with_provenance(own, {"document_id": "d1", "similarity": 0.5})
    assert merged == {
        "document_id": "mine",
        "ragflow_document_id": "also mine",
        "topic": "x",
        "ragflow_ragflow_document_id": "d1",
        "similarity": 0.5,
    }
    assert ragflow_key(own, "document_id") == "ragflow_ragflow_document_id"


def test_a_chunks_metadata_hides_the_bookkeeping_and_names_the_source_id() -> None:
    chunk = Chunk.model_validate(
        {
            "id": "c1",
            "content": "x",
            "document_id": "d1",
            "document_keyword": "a.txt",
            "dataset_id": "ds",
            "similarity": 0.4,
            "document_metadata": {"author": "alice", SOURCE_ID_KEY: "s1", CONTENT_HASH_KEY: "h"},
        }
    )
    assert chunk_metadata(chunk) == {
        "author": "alice",
        "document_id": "d1",
        "document_name": "a.txt",
        "dataset_id": "ds",
        "similarity": 0.4,
        "source_id": "s1",
    }
    assert set(chunk_keys(chunk)) <= set(CHUNK_KEYS)


def test_a_listed_chunk_takes_its_documents_metadata() -> None:
    doc = Document.model_validate(
        {
            "id": "d1",
            "name": "a.txt",
            "dataset_id": "ds",
            "type": "doc",
            "chunk_count": 2,
            "meta_fields": {"source": "wiki", SOURCE_ID_KEY: "s1"},
        }
    )
    chunk = Chunk.model_validate({"id": "c1", "content": "x", "document_id": "d1"})
    meta = chunk_metadata(chunk, doc, "kb", source="a.txt")
    assert meta == {
        "source": "wiki",
        "ragflow_source": "a.txt",
        "document_id": "d1",
        "document_name": "a.txt",
        "dataset_id": "ds",
        "dataset_name": "kb",
        "type": "doc",
        "chunk_count": 2,
        "token_count": 0,
        "source_id": "s1",
    }
    assert document_metadata(doc) == {
        "source": "wiki",
        **{k: v for k, v in meta.items() if k in DOCUMENT_KEYS and k != "dataset_name"},
    }


def test_metadata_ragflow_can_store() -> None:
    assert check_metadata({"a": 1, "b": [1, "x", 2.5], "c": True}, "it") == {
        "a": 1,
        "b": [1, "x", 2.5],
        "c": True,
    }
    for bad, match in (({"": 1}, "non-empty"), ({"a": [[1]]}, "'a' is list")):
        with pytest.raises(InvalidArgumentError, match=match):
            check_metadata(bad, "it")
