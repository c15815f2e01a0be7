"""Your LlamaIndex documents into RAGFlow: a managed index that RAGFlow parses and embeds.

Against your server:
    RAGFLOW_BASE_URL=... RAGFLOW_API_KEY=... python examples/llamaindex_managed_index.py
Offline (no server):
    python examples/llamaindex_managed_index.py
The offline run starts LocalRAGFlow, the package's stand-in server. Answers come from the
LLM you pass (MockLLM here, so the example runs anywhere: use your own).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llama_index.core import Document
from llama_index.core.llms import MockLLM

from llamaindex_ragflow import RAGFlowIndex

DOCS = [
    Document(
        text="Hybrid retrieval mixes a term score with a vector score; a weight sets the mix.",
        id_="retrieval",
        metadata={"file_name": "retrieval.md", "author": "bob"},
    ),
    Document(
        text="Documents are parsed and cut into chunks of a chosen number of tokens.",
        id_="parsing",
        metadata={"file_name": "parsing.md", "author": "alice"},
    ),
]


@contextmanager
def connection() -> Iterator[dict[str, Any]]:
    """Credentials from the environment, or a stand-in server's."""
    if os.getenv("RAGFLOW_BASE_URL") and os.getenv("RAGFLOW_API_KEY"):
        yield {}
        return
    from ragflow_integrations.testing import LocalRAGFlow

    with LocalRAGFlow("v0.27", parse_delay=0.05) as server:
        yield {"api_key": server.api_key, "base_url": server.base_url}


def main() -> None:
    with connection() as settings:
        # 1. Build: the dataset is found (or created) by name; ingestion shows a tqdm bar.
        index = RAGFlowIndex.from_documents(
            DOCS, dataset_name="llamaindex_managed", show_progress=True, **settings
        )
        print("documents:", sorted(index.ref_doc_info))

        # 2. Keep it in sync: only what changed is uploaded; a replacement is parsed before
        #    its previous version is deleted.
        edited = Document(text="Chunks are cut by tokens.", id_="parsing", metadata={"n": 2})
        new = Document(text="Answers cite the chunks they come from.", id_="citations")
        print("changed:", index.refresh_ref_docs([DOCS[0], edited, new]))
        index.delete_ref_doc("citations")

        # 3. Retrieve: nodes are RAGFlow's chunks; ref_doc_id is your document's id.
        retriever = index.as_retriever(similarity_top_k=2, similarity_threshold=0.0)
        for hit in retriever.retrieve("How does hybrid retrieval mix scores?"):
            print(f"{hit.score:.2f} {hit.node.ref_doc_id} {hit.node.metadata.get('author')}")

        # 4. Answer with your own LLM over RAGFlow's retrieval.
        llm = MockLLM(max_tokens=8)
        engine = index.as_query_engine(llm=llm, similarity_threshold=0.0)
        answer = engine.query("How does hybrid retrieval mix scores?")
        print("query:", answer, "| sources:", [n.node.ref_doc_id for n in answer.source_nodes])
        chat = index.as_chat_engine(llm=llm, similarity_threshold=0.0)
        print("chat:", chat.chat("How are documents cut into chunks?"))

        # 5. Async twins use the async client.
        async def run_async() -> None:
            await index.ainsert(Document(text="Inserted from async code.", id_="async"))
            nodes = await index.as_retriever(similarity_threshold=0.0).aretrieve("async code")
            print("async:", [n.node.ref_doc_id for n in nodes])

        asyncio.run(run_async())
        if settings == {}:  # a real server: leave it as we found it
            index._clients.sync.delete_datasets(ids=[index.dataset_id])


if __name__ == "__main__":
    main()
