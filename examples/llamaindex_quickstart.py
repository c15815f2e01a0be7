"""LlamaIndex + RAGFlow: each class of ``llamaindex_ragflow`` in a few lines.

Run against your server::

    RAGFLOW_BASE_URL=http://localhost:9380 RAGFLOW_API_KEY=ragflow-... \
    RAGFLOW_DATASET_ID=... RAGFLOW_CHAT_ID=... python examples/llamaindex_quickstart.py

or with no variables set, against the offline stand-in server ``LocalRAGFlow`` loaded with
the sample documents (no models, no network).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.chat_engine import CondensePlusContextChatEngine
from llama_index.core.llms import MockLLM
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from llamaindex_ragflow import (
    RAGFlowChatEngine,
    RAGFlowQueryEngine,
    RAGFlowReader,
    RAGFlowRetriever,
    RAGFlowToolSpec,
)


@contextmanager
def ragflow() -> Iterator[tuple[dict[str, str], str, str]]:
    """Connection settings, a dataset id and a chat id: from the environment, or a stand-in."""
    if os.getenv("RAGFLOW_BASE_URL") and os.getenv("RAGFLOW_API_KEY"):
        yield {}, os.environ["RAGFLOW_DATASET_ID"], os.environ["RAGFLOW_CHAT_ID"]
        return
    from ragflow_integrations import RAGFlow
    from ragflow_integrations.samples import load_samples
    from ragflow_integrations.testing import LocalRAGFlow

    with LocalRAGFlow(dialect="v0.27", parse_delay=0.05) as server:
        settings = {"api_key": server.api_key, "base_url": server.base_url}
        with RAGFlow(**settings) as rag:
            samples = load_samples(rag, interval=0.05)
        assert samples.chat is not None
        yield settings, samples.dataset.id, samples.chat.id


def main() -> None:
    with ragflow() as (settings, dataset_id, chat_id):
        # 1. A retriever: RAGFlow's hybrid search, chunks as NodeWithScore.
        retriever = RAGFlowRetriever([dataset_id], similarity_top_k=3, **settings)
        for hit in retriever.retrieve("How does hybrid retrieval score chunks?"):
            print(f"{hit.score:.3f}  {hit.node.metadata['document_name']}  {hit.node.node_id}")

        # Metadata filters, nested groups included, exact on every server version.
        recent_or_chat = MetadataFilters(
            filters=[
                MetadataFilters(
                    filters=[
                        MetadataFilter(key="author", value="alice"),
                        MetadataFilter(key="year", value=2024, operator=FilterOperator.GTE),
                    ]
                ),
                MetadataFilter(key="topic", value="chat"),
            ],
            condition=FilterCondition.OR,
        )
        filtered = RAGFlowRetriever(
            [dataset_id], filters=recent_or_chat, similarity_threshold=0.0, **settings
        )
        hits = filtered.retrieve("How are documents chunked and cited?")
        print(sorted({n.node.metadata["document_name"] for n in hits}))

        # ... plugged into LlamaIndex's own engines (bring your LLM; MockLLM here).
        engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=20))
        print(len(engine.query("What is chunking?").source_nodes), "source nodes")
        condense = CondensePlusContextChatEngine.from_defaults(retriever, llm=MockLLM())
        print(len(condense.chat("What is chunking?").source_nodes), "source nodes")

        # 2. A chat engine: RAGFlow's assistant answers in a server session.
        chat = RAGFlowChatEngine(chat_id, **settings)
        print(chat.chat("What is chunking?"))
        streaming = chat.stream_chat("And how are answers cited?")
        for delta in streaming.response_gen:
            print(delta, end="", flush=True)
        print("\nsources:", [n.node.metadata["document_name"] for n in streaming.source_nodes])
        print(len(chat.chat_history), "messages in session", chat.session_id)
        chat.reset()

        # 3. A query engine: one-shot, stateless answers with their sources.
        response = RAGFlowQueryEngine(chat_id, **settings).query("What is RAGFlow?")
        print(response, [n.node.node_id for n in response.source_nodes])

        # 4. A reader: the parsed documents (or chunks) as LlamaIndex Documents.
        reader = RAGFlowReader(**settings)
        for doc in reader.lazy_load_data(dataset_id=dataset_id):
            print(doc.metadata["document_name"], len(doc.text), "characters")

        # 5. A tool spec for agents (a scripted function-calling LLM stands in for yours).
        spec = RAGFlowToolSpec([dataset_id], chat_id=chat_id, **settings)

        def respond(messages: list[ChatMessage], **_: object) -> ChatMessage:
            tool_results = [m for m in messages if m.role == MessageRole.TOOL]
            if not tool_results:
                call = ToolCallBlock(tool_name="search", tool_kwargs={"query": "citations"})
                return ChatMessage(role=MessageRole.ASSISTANT, blocks=[call])
            return ChatMessage(role=MessageRole.ASSISTANT, content=str(tool_results[-1].content))

        llm = MockFunctionCallingLLM(response_generator=respond, is_chat_model=True)
        agent = FunctionAgent(tools=spec.to_tool_list(), llm=llm, streaming=False)

        async def ask_agent() -> str:
            result = await agent.run(user_msg="How does RAGFlow cite its sources?")
            return str(result.response.content)

        print(asyncio.run(ask_agent())[:200])


if __name__ == "__main__":
    main()
