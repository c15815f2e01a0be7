"""A RAGFlow agent from the client, LangChain and LlamaIndex, with a RAGFlow memory.

Run against your server (an agent made in RAGFlow's canvas; memories need v0.24+)::

    RAGFLOW_BASE_URL=http://localhost:9380 RAGFLOW_API_KEY=ragflow-... \
    RAGFLOW_AGENT_ID=... RAGFLOW_MEMORY_ID=... python examples/agents.py

or with no variables set, against the offline stand-in server ``LocalRAGFlow`` loaded with
the sample documents and the sample agent (Begin -> Retrieval -> Agent -> Message).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import Memory

from langchain_ragflow import ChatRAGFlow, RAGFlowChatMessageHistory, RAGFlowToolkit
from llamaindex_ragflow import (
    RAGFlowChatEngine,
    RAGFlowMemoryBlock,
    RAGFlowQueryEngine,
    RAGFlowToolSpec,
)
from ragflow_integrations import RAGFlow

QUESTION = "How does RAGFlow cite its sources?"


@contextmanager
def ragflow() -> Iterator[tuple[dict[str, str], str, str]]:
    """Connection settings, an agent id and a memory id: from the environment, or a stand-in."""
    if os.getenv("RAGFLOW_BASE_URL") and os.getenv("RAGFLOW_API_KEY"):
        yield {}, os.environ["RAGFLOW_AGENT_ID"], os.environ["RAGFLOW_MEMORY_ID"]
        return
    from ragflow_integrations.samples import load_samples
    from ragflow_integrations.testing import LocalRAGFlow

    with LocalRAGFlow(dialect="v0.27", parse_delay=0.05) as server:
        settings = {"api_key": server.api_key, "base_url": server.base_url}
        with RAGFlow(**settings) as rag:
            samples = load_samples(rag, agent_title="RAGFlow guide agent", interval=0.05)
            memory = rag.create_memory(
                "example memory", ["raw"], "BAAI/bge-small-en-v1.5@Builtin", "glm-4-flash@ZHIPU-AI"
            )
        assert samples.agent is not None
        yield settings, samples.agent.id, memory.id


def with_the_client(settings: dict[str, str], agent_id: str) -> None:
    with RAGFlow(**settings) as rag:
        agent = rag.get_agent(agent_id)
        print(f"agent: {agent.title} - {agent.description}")
        session = agent.create_session()
        print("opening:", session.opening)
        answer = session.ask(QUESTION)
        print("answer:", answer.content)
        print("  cites", [c.document_name for c in answer.reference])


def with_langchain(settings: dict[str, str], agent_id: str, memory_id: str) -> None:
    llm = ChatRAGFlow(agent_id=agent_id, **settings)
    reply = llm.invoke(QUESTION)
    print("langchain:", reply.content)
    print("  citations:", [c["title"] for c in reply.response_metadata["citations"]])
    streamed = "".join(str(chunk.content) for chunk in llm.stream("What is chunking?"))
    print("langchain stream:", streamed)
    tools = RAGFlowToolkit(agent_ids=[agent_id], **settings).get_tools()
    print("langchain tools:", [t.name for t in tools])
    history = RAGFlowChatMessageHistory(memory_id, "user-42", agent_id=agent_id, **settings)
    history.add_messages([HumanMessage(QUESTION), AIMessage(str(reply.content))])
    print("history:", [type(m).__name__ for m in history.messages])


def with_llamaindex(settings: dict[str, str], agent_id: str, memory_id: str) -> None:
    engine = RAGFlowChatEngine(agent_id=agent_id, **settings)
    response = engine.chat(QUESTION)
    print("llamaindex:", response.response)
    print("  sources:", [n.node.metadata["document_name"] for n in response.source_nodes])
    query = RAGFlowQueryEngine(agent_id=agent_id, **settings).query("What is chunking?")
    print("llamaindex query:", query)
    tools = RAGFlowToolSpec(agent_ids=[agent_id], **settings).to_tool_list()
    print("llamaindex tools:", [t.metadata.name for t in tools])
    block = RAGFlowMemoryBlock(memory_id=memory_id, agent_id=agent_id, **settings)
    memory = Memory.from_defaults(
        session_id="user-42", token_limit=40, chat_history_token_ratio=0.1, memory_blocks=[block]
    )
    for text in ("How long may a chunk grow?", "What limits chunk length in tokens?"):
        memory.put(ChatMessage(role="user", content=text))
        memory.put(ChatMessage(role="assistant", content="Up to the chunk token number."))
    recalled = memory.get(input="chunk tokens")
    print("recalled from RAGFlow:", str(recalled[0].content).splitlines()[2])


async def async_agent(settings: dict[str, str], agent_id: str) -> None:
    reply = await ChatRAGFlow(agent_id=agent_id, **settings).ainvoke("What is chunking?")
    response = await RAGFlowChatEngine(agent_id=agent_id, **settings).achat(QUESTION)
    print("async:", bool(reply.response_metadata["references"]), bool(response.source_nodes))


def main() -> None:
    with ragflow() as (settings, agent_id, memory_id):
        with_the_client(settings, agent_id)
        with_langchain(settings, agent_id, memory_id)
        with_llamaindex(settings, agent_id, memory_id)
        asyncio.run(async_agent(settings, agent_id))


if __name__ == "__main__":
    main()
