"""A typed client for the RAGFlow HTTP API, v0.13 to v0.27, sync and async.

from ragflow_integrations import RAGFlow
rag = RAGFlow(api_key="ragflow-...", base_url="http://localhost:9380")
ds = rag.create_dataset(name="kb_1")
"""

from ._async_client import AsyncRAGFlow
from ._client import RAGFlow
from ._dialect import Dialect
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DeleteAllRequiredError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    NotPicklableError,
    ParseError,
    ParseTimeoutError,
    PermissionDeniedError,
    RAGFlowConfigError,
    RAGFlowError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    StreamError,
    UnsupportedFeatureError,
)
from ._version import __version__
from .types import (
    LLM,
    AsyncChat,
    AsyncChunk,
    AsyncDataSet,
    AsyncDocument,
    AsyncSession,
    Chat,
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    DataSet,
    Document,
    Message,
    Prompt,
    Session,
    Usage,
)

Dataset = DataSet
"""The released SDK's spelling."""

__all__ = [
    "LLM",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChat",
    "AsyncChunk",
    "AsyncDataSet",
    "AsyncDocument",
    "AsyncRAGFlow",
    "AsyncSession",
    "AuthenticationError",
    "BadRequestError",
    "Chat",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Chunk",
    "ConflictError",
    "DataSet",
    "Dataset",
    "DeleteAllRequiredError",
    "Dialect",
    "Document",
    "InternalServerError",
    "InvalidArgumentError",
    "Message",
    "NotFoundError",
    "NotPicklableError",
    "ParseError",
    "ParseTimeoutError",
    "PermissionDeniedError",
    "Prompt",
    "RAGFlow",
    "RAGFlowConfigError",
    "RAGFlowError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "Session",
    "StreamError",
    "UnsupportedFeatureError",
    "Usage",
    "__version__",
]
