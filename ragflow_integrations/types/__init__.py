"""The models the client returns."""

from .chat import LLM, AsyncChat, Chat, Prompt
from .chunk import AsyncChunk, Chunk
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
    "DataSet",
    "Document",
    "IngestItem",
    "IngestProgress",
    "IngestResult",
    "IngestedDocument",
    "Message",
    "Prompt",
    "Session",
    "Usage",
]
