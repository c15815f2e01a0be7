"""The models the client returns."""

from .agent import Agent, AgentSession, AsyncAgent, AsyncAgentSession
from .chat import LLM, AsyncChat, Chat, Prompt
from .chunk import Chunk
from .dataset import AsyncDataSet, DataSet
from .document import AsyncDocument, Document
from .ingest import IngestedDocument, IngestItem, IngestProgress, IngestResult
from .memory import (
    AsyncMemory,
    Memory,
    MemoryMessage,
    MemoryMessageList,
    MemoryMessages,
    MemoryPage,
)
from .openai import ChatCompletion, ChatCompletionChunk, Usage
from .session import AsyncSession, Message, Session

__all__ = [
    "LLM",
    "Agent",
    "AgentSession",
    "AsyncAgent",
    "AsyncAgentSession",
    "AsyncChat",
    "AsyncDataSet",
    "AsyncDocument",
    "AsyncMemory",
    "AsyncSession",
    "Chat",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Chunk",
    "DataSet",
    "Document",
    "IngestItem",
    "IngestProgress",
    "IngestResult",
    "IngestedDocument",
    "Memory",
    "MemoryMessage",
    "MemoryMessageList",
    "MemoryMessages",
    "MemoryPage",
    "Message",
    "Prompt",
    "Session",
    "Usage",
]
