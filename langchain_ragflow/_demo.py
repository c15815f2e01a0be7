"""The LangChain part of ``python -m ragflow_integrations demo``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import AIMessageChunk
from langchain_core.runnables import RunnableLambda

from .chat_models import ChatRAGFlow
from .retrievers import RAGFlowRetriever

__all__ = ["run_langchain_demo"]

QUESTION = "How does hybrid retrieval score chunks?"


def _sources(docs: list[Document]) -> str:
    return "\n".join(
        f"  [{i}] {d.metadata.get('document_name')} (similarity "
        f"{d.metadata.get('similarity', 0):.2f}): {d.page_content[:70]}..."
        for i, d in enumerate(docs, 1)
    )


def run_langchain_demo(
    base_url: str,
    api_key: str,
    server_version: str | None,
    dataset_id: str,
    chat_id: str,
    print_fn: Callable[..., Any] = print,
) -> None:
    """Run a tiny LCEL chain over ``RAGFlowRetriever`` and stream ``ChatRAGFlow``'s answer."""
    settings: dict[str, Any] = {
        "api_key": api_key,
        "base_url": base_url,
        "server_version": server_version,
    }
    # 0.1 as in the core demo: the default 0.2 can leave small embedding models with nothing.
    retriever = RAGFlowRetriever(
        dataset_ids=[dataset_id], k=3, similarity_threshold=0.1, **settings
    )
    chain = retriever | RunnableLambda(_sources)
    print_fn(f"LangChain: retriever | format  ({QUESTION!r})")
    print_fn(chain.invoke(QUESTION))

    llm = ChatRAGFlow(chat_id=chat_id, client=retriever._rag, server_version=server_version)
    print_fn("LangChain: ChatRAGFlow.stream")
    pieces: list[str] = []
    last: AIMessageChunk | None = None
    for chunk in llm.stream(QUESTION):
        pieces.append(chunk.text)
        last = chunk
    print_fn(f"  answer ({len(pieces)} chunks): {''.join(pieces)}")
    if last is not None:
        for n, ref in enumerate(last.response_metadata.get("references", [])):
            print_fn(f"  [ID:{n}] {ref.get('document_name')}: {ref['content'][:60]}...")
        if last.usage_metadata:
            print_fn(f"  usage: {dict(last.usage_metadata)}")
