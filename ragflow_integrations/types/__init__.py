"""The models the client returns."""

from .chat import AsyncChat, Chat
from .chunk import Chunk
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
from .openai import ChatCompletion, ChatCompletionChunk, Usage
from .session import AsyncSession, Message, Session

__all__ = [
    "LLM",
    "AsyncChat",
    "AsyncDataSet",
    "AsyncDocument",
    "AsyncSession",
    "Chat",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Chunk",
    "ConfigModel",
    "DataSet",
    "Document",
    "GraphRAGConfig",
    "LLMSetting",
    "Message",
    "ParentChildConfig",
    "ParserConfig",
    "Prompt",
    "PromptConfig",
    "RaptorConfig",
    "Session",
    "Usage",
]
