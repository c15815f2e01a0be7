"""LangChain + RAGFlow in one file: retriever, filters, chat model, loader and agent tools.

Against your server:
    RAGFLOW_BASE_URL=... RAGFLOW_API_KEY=... python examples/langchain_quickstart.py
Offline (no server):
    python examples/langchain_quickstart.py
The offline run starts LocalRAGFlow, the package's stand-in server. Either way the sample notes
are loaded into a new dataset ("langchain_quickstart") with a chat assistant over it.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack

from langchain_core.messages import AIMessage, HumanMessage

from langchain_ragflow import (
    ChatRAGFlow,
    RAGFlowLoader,
    RAGFlowRetriever,
    RAGFlowToolkit,
)
from ragflow_integrations import RAGFlow
from ragflow_integrations.samples import load_samples


def main() -> None:
    with ExitStack() as stack:
        if os.getenv("RAGFLOW_BASE_URL"):
            rag = stack.enter_context(RAGFlow())  # key and URL from the environment
        else:
            from ragflow_integrations.testing import LocalRAGFlow

            server = stack.enter_context(LocalRAGFlow("v0.27", parse_delay=0.05))
            rag = stack.enter_context(RAGFlow(api_key=server.api_key, base_url=server.base_url))
        print("RAGFlow", rag.server_version())
        samples = load_samples(rag, dataset_name="langchain_quickstart", interval=0.1)
        dataset_id = samples.dataset.id
        assert samples.chat is not None
        chat_id = samples.chat.id

        # 1. Retriever: chunks as Documents (id = chunk id, scores and provenance in metadata).
        retriever = RAGFlowRetriever(client=rag, dataset_ids=[dataset_id], k=3)
        for doc in retriever.invoke("How does hybrid retrieval score chunks?"):
            print(f"{doc.metadata['similarity']:.2f}  {doc.metadata['document_name']}  {doc.id}")

        # 2. Per-call options and metadata filters (exact on every server version).
        docs = retriever.invoke(
            "RAGFlow",
            k=5,
            similarity_threshold=0.0,
            filter={"author": "alice", "year": {"$gte": 2024}},
        )
        print("filtered:", sorted({d.metadata["document_name"] for d in docs}))

        # 3. Chat model: stateless (the whole message list is sent), with references.
        llm = ChatRAGFlow(client=rag, chat_id=chat_id)
        reply = llm.invoke(
            [
                HumanMessage("What is RAGFlow?"),
                AIMessage("An open-source RAG engine."),
                HumanMessage("How does it cite sources?"),
            ]
        )
        print("answer:", reply.content)
        for ref in reply.response_metadata["references"]:
            print("  cites", ref["document_name"], ref["id"])
        for citation in reply.response_metadata["citations"]:  # also on content_blocks
            start, end = citation["start_index"], citation["end_index"]
            print(f"  {reply.text[start:end]!r} is backed by {citation['title']}")

        # 4. Streaming: deltas as they arrive; the last chunk has references and usage.
        for chunk in llm.stream("How are documents chunked?"):
            print(chunk.text, end="", flush=True)
            if chunk.chunk_position == "last":
                print("\n  usage:", chunk.usage_metadata)

        # 5. Session mode: the server keeps the conversation; send only the new message.
        session_id = llm.create_session("quickstart")
        llm.invoke("What is hybrid retrieval?", session_id=session_id)
        follow_up = llm.invoke(
            "And what does the weight do?",
            config={"configurable": {"ragflow_session_id": session_id}},
        )
        print("session", follow_up.response_metadata["session_id"], follow_up.content[:60])

        # 6. Loader: one Document per RAGFlow document (its parsed text), paged lazily.
        for doc in RAGFlowLoader(dataset_id, client=rag).lazy_load():
            print("loaded", doc.metadata["document_name"], len(doc.page_content), "chars")

        # 7. Agent tools: search, ask, list; descriptions include the datasets' own words.
        tools = RAGFlowToolkit(client=rag, dataset_ids=[dataset_id], chat_id=chat_id).get_tools()
        print([t.name for t in tools])
        print(tools[0].invoke({"query": "What is a chunk token number?"})[:200])

        # 8. Everything has a native async twin.
        async def run_async() -> None:
            docs = await retriever.ainvoke("citations", k=2)
            print("async:", [d.metadata["document_name"] for d in docs])

        asyncio.run(run_async())


if __name__ == "__main__":
    main()
