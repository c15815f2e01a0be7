"""Your LangChain documents into RAGFlow: a vector store, kept in sync by LangChain's indexing API.

Against your server:
    RAGFLOW_BASE_URL=... RAGFLOW_API_KEY=... python examples/langchain_vectorstore.py
Offline (no server):
    python examples/langchain_vectorstore.py
The offline run starts LocalRAGFlow, the package's stand-in server. RAGFlow parses, chunks
and embeds the documents itself, with the dataset's own embedding model.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack

from langchain_core.documents import Document
from langchain_core.indexing import InMemoryRecordManager, index

from langchain_ragflow import RAGFlowVectorStore
from ragflow_integrations import RAGFlow

NOTES = [
    Document(
        "Hybrid retrieval mixes a term score with a vector score; a weight sets the mix.",
        metadata={"source": "retrieval.md", "author": "bob"},
    ),
    Document(
        "Documents are parsed and cut into chunks of a chosen number of tokens.",
        metadata={"source": "parsing.md", "author": "alice"},
    ),
    Document(
        "Answers cite the chunks they come from, so every claim can be checked.",
        metadata={"source": "citations.md", "author": "carol"},
    ),
]


def main() -> None:
    with ExitStack() as stack:
        if os.getenv("RAGFLOW_BASE_URL"):
            rag = stack.enter_context(RAGFlow())  # key and URL from the environment
        else:
            from ragflow_integrations.testing import LocalRAGFlow

            server = stack.enter_context(LocalRAGFlow("v0.27", parse_delay=0.05))
            rag = stack.enter_context(RAGFlow(api_key=server.api_key, base_url=server.base_url))

        # 1. A store over a dataset found (or created) by name; adding waits until parsed.
        store = RAGFlowVectorStore.from_documents(
            NOTES,
            ids=["retrieval", "parsing", "citations"],
            dataset_name="langchain_vectorstore",
            client=rag,
            show_progress=True,
        )
        print("stored:", [d.page_content[:30] for d in store.get_by_ids(["parsing"])])

        # 2. Search: chunks carry the source document's id and its own metadata.
        for doc, score in store.similarity_search_with_score("how are scores mixed?", k=2):
            print(f"{score:.2f} {doc.id} {doc.metadata}")
        print("filtered:", store.similarity_search("chunks", k=3, filter={"author": "alice"}))

        # 3. The indexing API on a second dataset: unchanged documents are skipped, changed
        #    ones replaced, and "full" cleanup deletes what the source no longer has.
        synced = RAGFlowVectorStore(rag.create_dataset(name="langchain_indexed").id, client=rag)
        records = InMemoryRecordManager(namespace=f"ragflow/{synced.dataset_id}")
        records.create_schema()
        print(index(NOTES, records, synced, cleanup="full", key_encoder="sha256"))
        edited = [NOTES[0], Document("Chunks are cut by tokens.", metadata=NOTES[1].metadata)]
        print(index(edited, records, synced, cleanup="full", key_encoder="sha256"))

        # 4. As a retriever it answers like RAGFlowRetriever (chunk ids, scores, provenance).
        retriever = store.as_retriever(search_kwargs={"k": 1})
        hit = retriever.invoke("citations")[0]
        print("retrieved", hit.id, hit.metadata["document_name"], hit.metadata["similarity"])

        # 5. Deletes name exactly the documents asked for; async twins use the async client.
        store.delete(["citations"])

        async def run_async() -> None:
            docs = await store.asimilarity_search("tokens", k=1)
            print("async:", [d.page_content for d in docs])

        asyncio.run(run_async())
        if os.getenv("RAGFLOW_BASE_URL"):  # leave a real server as we found it
            rag.delete_datasets(ids=[store.dataset_id, synced.dataset_id])


if __name__ == "__main__":
    main()
