"""The models the client returns."""

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
from .openai import ChatCompletion, ChatCompletionChunk, Usage
from .session import AsyncSession, Message, Session

__all__ = [
    "LLM",
    "AsyncChat",
    "AsyncChunk",
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
    "IngestItem",
    "IngestProgress",
    "IngestResult",
    "IngestedDocument",
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
