"""The whole client API on every dialect, replayed from cassettes.

Recorded against LocalRAGFlow (or a live server; see tests/conftest.py). Each test gets
the seeded sample dataset (four parsed documents with metadata) and chat assistant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ragflow_integrations import (
    AuthenticationError,
    Chunk,
    DeleteAllRequiredError,
    Document,
    InvalidArgumentError,
    Message,
    NotFoundError,
    RAGFlow,
    UnsupportedFeatureError,
)
from ragflow_integrations._dialect import Version, parse_version
from ragflow_integrations.metadata import source_metadata
from ragflow_integrations.samples import EMPTY_RESPONSE, SAMPLE_METADATA, sample_files
from tests.support import Seeded, assert_deltas_rebuild, seeded_environment

DIALECTS = ["v0.13", "v0.20", "v0.23", "v0.24", "v0.25.3", "v0.27"]
pytestmark = pytest.mark.vcr


@pytest.fixture(scope="module", params=DIALECTS)
def env(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, "test_client_flow") as seeded:
        yield seeded


def version_of(rag: RAGFlow) -> Version:
    """The server's version as a tuple: versions compare as numbers, never as strings."""
    return parse_version(rag.server_version())


def _client(seeded: Seeded) -> Iterator[RAGFlow]:
    with RAGFlow(**seeded.client_kwargs()) as client:
        yield client


@pytest.fixture
def rag(env: Seeded) -> Iterator[RAGFlow]:
    yield from _client(env)


@pytest.fixture(scope="module", params=DIALECTS)
def separate_env(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    """A seed of their own for the tests that cannot run on the real RAGFlow v0.24.0 here,
    which stay recorded against LocalRAGFlow on v0.24 while the module's other tests are
    recorded against the real server (one seed holds one server's ids). On SeekDB, v0.24.0
    never reads document metadata back, and its chunk table lacks toc_kwd (toc_enhance).
    """
    with seeded_environment(request.param, "test_client_flow_separate") as seeded:
        yield seeded


@pytest.fixture
def separate_rag(separate_env: Seeded) -> Iterator[RAGFlow]:
    yield from _client(separate_env)


def test_datasets_create_list_update_delete(rag: RAGFlow, env: Seeded) -> None:
    with pytest.raises(InvalidArgumentError, match="unexpected keyword argument 'document_count'"):
        rag.create_dataset(name="kb_flow", document_count=5)  # read-only: never sent
    ds = rag.create_dataset(name="kb_flow", description="flow test", parse_method="naive")
    assert ds.id and ds.name == "kb_flow" and ds.chunk_method == "naive"
    listed = rag.list_datasets(name="kb_flow")
    assert [d.id for d in listed] == [ds.id]
    assert rag.get_dataset("kb_flow").id == ds.id
    ds.update({"name": "kb_flow_renamed", "parse_method": "qa"})
    assert ds.name == "kb_flow_renamed" and ds.chunk_method == "qa"
    again = rag.get_dataset(id=ds.id)
    assert again.name == "kb_flow_renamed" and again.chunk_method == "qa"
    ds.description = "changed through save"
    ds.save()
    assert rag.get_dataset(id=ds.id).description == "changed through save"
    rag.delete_datasets(ids=[ds.id])
    remaining = {d.id for d in rag.list_datasets()}
    assert ds.id not in remaining and env.dataset_id in remaining


def test_bulk_deletes_never_delete_more_than_named(rag: RAGFlow, env: Seeded) -> None:
    with pytest.raises(DeleteAllRequiredError, match="delete_all=True"):
        rag.delete_datasets()
    with pytest.raises(DeleteAllRequiredError, match="delete_all=True"):
        rag.delete_chats()
    rag.delete_datasets(ids=[])  # nothing is sent, nothing is deleted
    rag.delete_chats(ids=[])
    ds = rag.get_dataset(id=env.dataset_id)
    ds.delete_documents(ids=[])
    assert {d.id for d in rag.list_datasets()} >= {env.dataset_id}
    assert len(ds.list_documents()) == len(env.document_ids)


def test_documents_upload_update_download_delete(rag: RAGFlow, env: Seeded) -> None:
    ds = rag.get_dataset(id=env.dataset_id)
    doc = rag.upload_document(ds, "notes.txt", b"RAGFlow notes.\nParsing makes chunks.")
    assert doc and doc.name == "notes.txt" and doc.dataset_id == ds.id
    assert doc.run == "UNSTART"
    assert doc.download() == b"RAGFlow notes.\nParsing makes chunks."
    found = rag.get_document(name="notes.txt")
    assert found.id == doc.id and found.dataset_id == ds.id
    doc.parser_method = "manual"
    assert doc.save()
    assert ds.list_documents(id=doc.id)[0].chunk_method == "manual"
    doc.update({"name": "renamed.txt"})
    assert ds.list_documents(id=doc.id)[0].name == "renamed.txt"
    page = ds.list_docs(keywords="renamed", offset=0, limit=12)
    assert [d.id for d in page] == [doc.id]
    doc.delete()
    assert doc.id not in {d.id for d in ds.list_documents(page_size=100)}


def test_document_metadata(separate_rag: RAGFlow, separate_env: Seeded) -> None:
    if version_of(separate_rag) < (0, 17):
        pytest.skip("meta_fields arrived in v0.17")
    ds = separate_rag.get_dataset(id=separate_env.dataset_id)
    docs = {d.name: d for d in ds.list_documents(page_size=100)}
    for name, meta in SAMPLE_METADATA.items():
        assert source_metadata(docs[name].meta_fields) == meta  # ingestion's keys aside


def test_parse_join_and_chunks(rag: RAGFlow, env: Seeded, no_sleep: list[float]) -> None:
    ds = rag.get_dataset(id=env.dataset_id)
    doc = ds.upload_documents(
        [{"display_name": "extra.md", "blob": b"# Extra\n\nOne line.\nTwo."}]
    )[0]
    doc.async_parse()
    progress = [p for p, _ in doc.join(interval=0.05, timeout=30)]
    assert progress[-1] == 1.0 and all(0 <= p <= 1 for p in progress)
    assert doc.run == "DONE" and doc.chunk_count > 0
    chunks = doc.list_chunks()
    assert chunks and all(c.document_id == doc.id for c in chunks)
    added = doc.add_chunk(content="A chunk added by hand.", important_keywords=["hand"])
    assert isinstance(added, Chunk) and added.id and added.dataset_id == ds.id
    added.content = "A chunk edited by hand."
    added.save()
    contents = {c.id: c.content for c in doc.list_chunks(page_size=100)}
    assert contents[added.id] == "A chunk edited by hand."
    added.delete()
    assert added.id not in {c.id for c in doc.list_chunks(page_size=100)}
    doc.delete()


def test_retrieval_scores_and_provenance(rag: RAGFlow, env: Seeded) -> None:
    hits = rag.retrieval(
        "How does hybrid retrieval mix the scores?",
        datasets=[env.dataset_id],
        limit=3,
        similarity_threshold=0.0,
    )
    assert 1 <= len(hits) <= 3
    top = hits[0]
    assert top.document_name == "hybrid_retrieval.md"
    assert top.dataset_id == env.dataset_id == top.knowledgebase_id
    assert top.document_id in env.document_ids
    for hit in hits:
        assert hit.similarity is not None and hit.vector_similarity is not None
        assert hit.term_similarity is not None
    assert [h.similarity for h in hits] == sorted((h.similarity or 0 for h in hits), reverse=True)
    # The released SDK's name and paging give the same first page.
    same = rag.retrieve(
        dataset_ids=[env.dataset_id],
        question="How does hybrid retrieval mix the scores?",
        page=1,
        page_size=3,
        similarity_threshold=0.0,
    )
    assert [h.id for h in same] == [h.id for h in hits]
    second = rag.retrieval(
        "How does hybrid retrieval mix the scores?",
        [env.dataset_id],
        offset=1,
        limit=2,
        similarity_threshold=0.0,
    )
    assert [h.id for h in second] == [h.id for h in hits[1:3]]


def test_retrieval_options_by_version(separate_rag: RAGFlow, separate_env: Seeded) -> None:
    if version_of(separate_rag) >= (0, 23):
        hits = separate_rag.retrieve(
            [separate_env.dataset_id],
            question="chunk token number",
            toc_enhance=True,
            cross_languages=["English"],
            similarity_threshold=0.0,
        )
        assert hits
    else:
        with pytest.raises(UnsupportedFeatureError, match="toc_enhance"):
            separate_rag.retrieve(
                [separate_env.dataset_id], question="chunk token number", toc_enhance=True
            )


def test_retrieval_filter_is_exact_on_every_version(
    separate_rag: RAGFlow, separate_env: Seeded
) -> None:
    if version_of(separate_rag) < (0, 17):
        pytest.skip("documents have no metadata before v0.17")
    hits = separate_rag.retrieve(
        [separate_env.dataset_id],
        question="chunks retrieval answers parsing",
        page_size=30,
        similarity_threshold=0.0,
        filter={"author": "alice", "year": {"$gte": 2024}},
    )
    assert hits and {h.document_name for h in hits} == {"chunking.md"}
    either = separate_rag.retrieve(
        [separate_env.dataset_id],
        question="chunks retrieval answers parsing",
        page_size=30,
        similarity_threshold=0.0,
        filter={"$or": [{"topic": "chat"}, {"author": "bob"}]},
    )
    assert {h.document_name for h in either} == {"citations.md", "hybrid_retrieval.md"}
    none = separate_rag.retrieve(
        [separate_env.dataset_id], question="chunks", filter={"author": "nobody"}
    )
    assert none == []


def test_chat_create_update_list(rag: RAGFlow, env: Seeded) -> None:
    ds = rag.get_dataset(id=env.dataset_id)
    chat = rag.create_chat(
        "Miss R", knowledgebases=[ds], llm={"temperature": 0.5}, prompt={"opener": "Hello there."}
    )
    assert chat.dataset_ids == [ds.id]
    assert chat.get_prologue() == "Hello there."
    chat.update({"llm": {"temperature": 0.8}, "name": "Miss R2"})
    listed = rag.list_chats(id=chat.id)
    assert len(listed) == 1
    assert listed[0].name == "Miss R2"
    assert listed[0].llm.temperature == pytest.approx(0.8)
    assert listed[0].dataset_ids == [ds.id], "an update must not drop the chat's datasets"
    assert listed[0].get_prologue() == "Hello there."
    # The released SDK's view of the same settings, whatever the server's schema.
    assert listed[0].llm_setting.temperature == pytest.approx(0.8)
    assert listed[0].prompt_config["prologue"] == "Hello there."
    # ... and the SDK's arguments, translated for servers of the llm/prompt schema.
    sdk_style = rag.create_chat(
        "Miss S",
        dataset_ids=[ds.id],
        llm_setting={"temperature": 0.3},
        prompt_config={"prologue": "Hey."},
    )
    assert sdk_style.llm.temperature == pytest.approx(0.3)
    assert sdk_style.llm_setting.get("temperature") == pytest.approx(0.3)
    assert sdk_style.get_prologue() == "Hey." and sdk_style.dataset_ids == [ds.id]
    rag.delete_chats(ids=[chat.id, sdk_style.id])
    assert chat.id not in {c.id for c in rag.list_chats()}


def test_sessions_and_answers(rag: RAGFlow, env: Seeded) -> None:
    chat = rag.list_chats(id=env.chat_id)[0]
    sess = chat.create_session("first")
    assert sess.chat_id == chat.id and sess.name == "first"
    sess.update({"name": "renamed"})
    assert [s.name for s in chat.list_sessions(id=sess.id)] == ["renamed"]
    answer = sess.ask("What does the vector similarity weight set?")
    assert isinstance(answer, Message) and answer.final
    assert "vector" in answer.content.lower()
    assert answer.reference and all(isinstance(c, Chunk) for c in answer.reference)
    assert "##" not in answer.content
    streamed = list(sess.ask("How are documents split into chunks?", stream=True))
    final = streamed[-1]
    assert assert_deltas_rebuild(streamed) == final.content
    assert final.final and final.reference and len(streamed) > 2
    assert "chunk" in final.content.lower()
    assert all(not m.final for m in streamed[:-1])
    chat.delete_sessions(ids=[sess.id])
    assert sess.id not in {s.id for s in chat.list_sessions()}


def test_empty_response_when_nothing_is_found(rag: RAGFlow, env: Seeded) -> None:
    chat = rag.list_chats(id=env.chat_id)[0]
    sess = chat.create_session("empty")
    answer = sess.ask("zzzz qqqq xxxx")
    assert answer.content == EMPTY_RESPONSE and answer.reference == []


def test_openai_compatible_endpoint(rag: RAGFlow, env: Seeded) -> None:
    messages = [{"role": "user", "content": "What is a dataset in RAGFlow?"}]
    if version_of(rag) < (0, 17):
        with pytest.raises(UnsupportedFeatureError, match=r"v0\.17"):
            rag.openai_chat_completion(env.chat_id, messages)
        return
    done = rag.openai_chat_completion(env.chat_id, messages)
    assert "dataset" in done.content.lower()
    assert done.usage is not None and done.usage.total_tokens > 0
    pieces = list(rag.openai_chat_completion(env.chat_id, messages, stream=True))
    assert "".join(p.delta for p in pieces).strip()
    assert pieces[-1].usage is not None
    if version_of(rag) >= (0, 20):
        assert done.reference and pieces[-1].reference


def test_not_found_and_bad_key(rag: RAGFlow, env: Seeded) -> None:
    with pytest.raises(NotFoundError):
        rag.get_document(id="0" * 32)
    bad = RAGFlow(
        api_key="ragflow-wrong",
        base_url=env.server.base_url,
        server_version=env.server.dialect,
        max_retries=0,
    )
    with pytest.raises(AuthenticationError) as info:
        bad.list_datasets()
    assert "ragflow-wrong" not in str(info.value)


def test_samples_are_what_the_seed_uploaded(rag: RAGFlow, env: Seeded) -> None:
    ds = rag.get_dataset(id=env.dataset_id)
    docs = list(ds.iter_documents(page_size=2))
    assert sorted(d.name for d in docs) == sorted(name for name, _ in sample_files())
    assert all(isinstance(d, Document) and d.run == "DONE" and d.chunk_count > 0 for d in docs)
