"""The models the client returns."""

from .agent import Agent, AgentDsl, AgentSession, AsyncAgent, AsyncAgentSession
from .chat import AsyncChat, Chat
from .chunk import AsyncChunk, Chunk
from .configs import (
    LLM,
    ConfigModel,
    GraphRAGConfig,
    LLMSetting,
    ParentChildConfig,
    ParserConfig,
    Prompt,
    PromptConfig,
    RaptorConfig,
)
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
    "AgentDsl",
    "AgentSession",
    "AsyncAgent",
    "AsyncAgentSession",
    "AsyncChat",
    "AsyncChunk",
    "AsyncDataSet",
    "AsyncDocument",
    "AsyncMemory",
    "AsyncSession",
    "Chat",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Chunk",
    "ConfigModel",
    "DataSet",
    "Document",
    "GraphRAGConfig",
    "IngestItem",
    "IngestProgress",
    "IngestResult",
    "IngestedDocument",
    "LLMSetting",
    "Memory",
    "MemoryMessage",
    "MemoryMessageList",
    "MemoryMessages",
    "MemoryPage",
    "Message",
    "ParentChildConfig",
    "ParserConfig",
    "Prompt",
    "PromptConfig",
    "RaptorConfig",
    "Session",
    "Usage",
]
