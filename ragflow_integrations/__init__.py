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
    ParseError,
    ParseTimeoutError,
    PermissionDeniedError,
    RAGFlowConfigError,
    RAGFlowError,
    RateLimitError,
    StreamError,
    UnsupportedFeatureError,
)
from ._raw import AsyncRawResponse, RawResponse
from ._version import __version__
from .types import (
    LLM,
    AsyncChat,
    AsyncDataSet,
    AsyncDocument,
    AsyncSession,
    Chat,
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    ConfigModel,
    DataSet,
    Document,
    GraphRAGConfig,
    LLMSetting,
    Message,
    ParentChildConfig,
    ParserConfig,
    Prompt,
    PromptConfig,
    RaptorConfig,
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
    "AsyncDataSet",
    "AsyncDocument",
    "AsyncRAGFlow",
    "AsyncRawResponse",
    "AsyncSession",
    "AuthenticationError",
    "BadRequestError",
    "Chat",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Chunk",
    "ConfigModel",
    "ConflictError",
    "DataSet",
    "Dataset",
    "DeleteAllRequiredError",
    "Dialect",
    "Document",
    "GraphRAGConfig",
    "InternalServerError",
    "InvalidArgumentError",
    "LLMSetting",
    "Message",
    "NotFoundError",
    "ParentChildConfig",
    "ParseError",
    "ParseTimeoutError",
    "ParserConfig",
    "PermissionDeniedError",
    "Prompt",
    "PromptConfig",
    "RAGFlow",
    "RAGFlowConfigError",
    "RAGFlowError",
    "RaptorConfig",
    "RateLimitError",
    "RawResponse",
    "Session",
    "StreamError",
    "UnsupportedFeatureError",
    "Usage",
    "__version__",
]
