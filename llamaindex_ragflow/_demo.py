"""The LlamaIndex part of the project demo (called by the main demo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llama_index.core.schema import NodeWithScore
from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters

from ragflow_integrations import RAGFlow, UnsupportedFeatureError

from .query_engine import RAGFlowQueryEngine
from .retriever import RAGFlowRetriever

__all__ = ["run_llamaindex_demo"]

QUESTION = "How does hybrid retrieval score chunks?"


def run_llamaindex_demo(
    base_url: str,
    api_key: str,
    server_version: str | None,
    dataset_id: str,
    chat_id: str,
    print_fn: Callable[..., Any] = print,
) -> None:
    """Retrieve with ``RAGFlowRetriever`` (plain and filtered on metadata), then ask
    ``RAGFlowQueryEngine``, printing the answer and its source nodes.
    """
    with RAGFlow(api_key=api_key, base_url=base_url, server_version=server_version) as rag:
        retriever = RAGFlowRetriever(  # 0.1 as in the core demo (small embedding models)
            [dataset_id], similarity_top_k=3, similarity_threshold=0.1, client=rag
        )
        print_fn(f"LlamaIndex: RAGFlowRetriever.retrieve({QUESTION!r})")
        _print_nodes(retriever.retrieve(QUESTION), print_fn)

        alice = MetadataFilters(filters=[MetadataFilter(key="author", value="alice")])
        filtered = RAGFlowRetriever(
            [dataset_id], similarity_top_k=3, similarity_threshold=0.0, filters=alice, client=rag
        )
        print_fn("LlamaIndex: the same, only documents whose metadata has author == 'alice'")
        _print_nodes(filtered.retrieve(QUESTION), print_fn)

        engine = RAGFlowQueryEngine(chat_id, client=rag)
        print_fn(f"LlamaIndex: RAGFlowQueryEngine.query({QUESTION!r})")
        try:
            response = engine.query(QUESTION)
        except UnsupportedFeatureError as exc:
            print_fn(f"  (skipped: {exc})")
            return
        print_fn(f"  answer: {response}")
        _print_nodes(response.source_nodes, print_fn)


def _print_nodes(nodes: list[NodeWithScore], print_fn: Callable[..., Any]) -> None:
    if not nodes:
        print_fn("  (no source nodes)")
    for hit in nodes:
        score = "n/a" if hit.score is None else f"{hit.score:.3f}"
        name = hit.node.metadata.get("document_name")
        text = hit.node.get_content().replace("\n", " ")
        print_fn(f"  [{score}] {name} ({hit.node.node_id}): {text[:90]}")
