"""Parsing as a user lives it: failures, time-outs and cancellation (LocalRAGFlow on 127.0.0.1)."""

from __future__ import annotations

import pytest

from ragflow_integrations import LLM, ParseError, ParseTimeoutError, Prompt, RAGFlow
from ragflow_integrations.testing import LocalRAGFlow, ManualClock


@pytest.mark.parametrize("dialect", ["v0.13", "v0.24", "v0.27"])
def test_failed_parse_raises_with_the_servers_message(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect, parse_delay=0.05) as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        ds = rag.create_dataset(name="kb")
        doc = rag.upload_document(ds, "scan.pdf", b"%PDF-1.4 not parseable here")
        doc.async_parse()
        with pytest.raises(ParseError, match=r"parsing 'scan.pdf' failed: .+") as info:
            for _ in doc.join(interval=0.02, timeout=10):
                pass
        assert info.value.document_id == doc.id and doc.run == "FAIL"


def test_join_times_out() -> None:
    # The server's clock never moves: the parse runs until the client's own deadline.
    with LocalRAGFlow(dialect="v0.27", parse_delay=1, clock=ManualClock()) as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version="v0.27")
        doc = rag.upload_document(rag.create_dataset(name="kb"), "a.txt", b"text " * 50)
        doc.async_parse()
        seen = []
        with pytest.raises(ParseTimeoutError, match=r"did not finish within 0.3 s"):
            for progress, _ in doc.join(interval=0.1, timeout=0.3):
                seen.append(progress)
        assert seen and all(0 <= p < 1 for p in seen)


@pytest.mark.parametrize("dialect", ["v0.20", "v0.27"])
def test_cancel_stops_a_running_parse(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect, parse_delay=1, clock=ManualClock()) as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        ds = rag.create_dataset(name="kb")
        docs = ds.upload_documents(
            [{"display_name": f"{n}.txt", "blob": b"words " * 40} for n in ("a", "b")]
        )
        rag.async_parse_documents([docs[0].id])  # b is never started; a runs until cancelled
        rag.async_cancel_parse_documents([d.id for d in docs])
        stops = [r for r in srv.request_log if r.method == "DELETE"]
        assert [r.body for r in stops] == [{"document_ids": [docs[0].id]}]
        with pytest.raises(ParseError, match="cancelled"):
            list(docs[0].join(interval=0.05, timeout=5))
        assert docs[0].run == "CANCEL"


@pytest.mark.parametrize("dialect", ["v0.24", "v0.27"])
def test_chat_settings_as_typed_objects(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect, parse_delay=0.02) as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        ds = rag.create_dataset(name="kb")
        doc = rag.upload_document(ds, "a.txt", b"RAGFlow parses documents into chunks.")
        doc.async_parse()
        list(doc.join(interval=0.02, timeout=5))
        chat = rag.create_chat(
            "typed",
            knowledgebases=[ds],
            llm=LLM(temperature=0.4, max_tokens=128),
            prompt=Prompt(opener="Welcome.", empty_response="Nothing found.", top_n=2),
        )
        again = rag.get_chat(id=chat.id)
        assert again.llm.temperature == pytest.approx(0.4) and again.llm.max_tokens == 128
        assert again.get_prologue() == "Welcome." and again.prompt.top_n == 2
        assert again.prompt.empty_response == "Nothing found."
