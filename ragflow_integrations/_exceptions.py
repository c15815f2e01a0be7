"""Errors raised by the RAGFlow client.

The tree::

    RAGFlowError                      anything this package raises
    ├── RAGFlowConfigError            bad client settings (no API key, no base URL)
    ├── NotPicklableError             a client was pickled (it holds the API key)
    ├── InvalidArgumentError          a call's arguments cannot be sent as given
    ├── UnsupportedFeatureError       the server's version lacks what was asked for
    ├── ParseError                    a document failed to parse, or join() timed out
    │   └── ParseTimeoutError
    ├── IngestError                   some documents of a bulk ingestion were not ingested
    ├── DeleteAllRequiredError        a bulk delete named no ids (ask with delete_all=True)
    └── APIError                      the server (or the way to it) failed the request
        ├── APIConnectionError        no answer: refused, reset, DNS ...
        │   └── APITimeoutError
        ├── APIResponseValidationError  an answer that does not fit the expected shape
        ├── ResponseTooLargeError     an answer (or one stream event) over the size limit
        ├── StreamError               an error event inside a stream, or a stream cut short
        └── APIStatusError            the server said no (HTTP status or envelope ``code``)
            ├── RedirectError             3xx: the API never redirects (``location`` names where to)
            ├── BadRequestError           400, codes 101 / 102 / 103 / 400
            ├── AuthenticationError       401, code 109 about the key
            ├── PermissionDeniedError     403, code 108 (and 0.25+ "no authorization")
            ├── NotFoundError             404
            ├── ConflictError             409
            ├── RateLimitError            429
            └── InternalServerError       >= 500, codes 100 / 105 / 500

Every ``APIError`` carries ``code`` (the envelope code, or ``None``), ``message`` and
``status_code`` (the HTTP status, or ``None`` without an answer). Messages say what was
asked and what came back; the API key never appears in them. A failure of ``requests`` or
``httpx`` is wrapped: the cause kept is a copy without the request (and so without its
``Authorization`` header).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DeleteAllRequiredError",
    "IngestError",
    "InternalServerError",
    "InvalidArgumentError",
    "NotFoundError",
    "NotPicklableError",
    "ParseError",
    "ParseTimeoutError",
    "PermissionDeniedError",
    "RAGFlowConfigError",
    "RAGFlowError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "StreamError",
    "UnsupportedFeatureError",
]


class RAGFlowError(Exception):
    """Base class of every error this package raises."""


class RAGFlowConfigError(RAGFlowError, ValueError):
    """The client was configured wrongly (missing key or URL, bad version string)."""


class NotPicklableError(RAGFlowError, TypeError):
    """A client cannot be pickled: it holds the API key and a connection pool."""


class InvalidArgumentError(RAGFlowError, ValueError):
    """A call's arguments are wrong before anything is sent (the message names the argument)."""


class UnsupportedFeatureError(RAGFlowError):
    """The connected server's version does not have the requested feature.

    ``feature`` names it (a key of the dialect's feature table, e.g. ``"openai_compat"``)
    when the version check raised it.
    """

    def __init__(self, message: str, *, feature: str | None = None) -> None:
        super().__init__(message)
        self.feature = feature


class DeleteAllRequiredError(InvalidArgumentError):
    """A bulk delete was called without ``ids``; deleting everything needs ``delete_all=True``."""


class ParseError(RAGFlowError):
    """A document's parsing failed on the server."""

    def __init__(self, message: str, *, document_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.document_id = document_id


class ParseTimeoutError(ParseError, TimeoutError):
    """``Document.join`` gave up waiting for parsing to finish."""


class IngestError(RAGFlowError):
    """Some documents of an ingestion failed; ``result`` (an ``IngestResult``) says which,
    and the others were ingested.
    """

    def __init__(self, message: str, *, result: Any) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


class APIError(RAGFlowError):
    """The request failed; ``code``/``status_code`` say how, ``body`` holds the reply."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.body = body


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke before an answer."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIResponseValidationError(APIError):
    """The server answered, but not in a shape this client understands."""


class ResponseTooLargeError(APIError):
    """An answer, or one event of a stream, is larger than the client's limit.

    ``limit`` is the limit in bytes (``max_response_size`` or ``max_event_size``).
    """

    def __init__(self, message: str, *, limit: int, status_code: int | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.limit = limit


class StreamError(APIError):
    """An error event arrived inside a stream, or the stream ended early.

    ``partial`` holds what had already arrived (for ``Session.ask`` streams, the last
    :class:`~ragflow_integrations.Message`), so nothing received is lost.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status_code: int | None = None,
        body: Any = None,
        partial: Any = None,
    ) -> None:
        super().__init__(message, code=code, status_code=status_code, body=body)
        self.partial = partial


class APIStatusError(APIError):
    """The server refused the request (an HTTP error status or a non-zero ``code``)."""


class RedirectError(APIStatusError):
    """The server answered with a redirect (3xx); ``location`` is where it pointed.

    The RAGFlow API never redirects, so this is a proxy or a wrong ``base_url`` (often
    ``http://`` where the server wants ``https://``). Redirects are not followed: a
    request body, and the API key, would go wherever the redirect says.
    """

    def __init__(
        self, message: str, *, status_code: int, location: str | None, body: Any = None
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.location = location


class BadRequestError(APIStatusError):
    """The request's arguments were refused (HTTP 400, codes 101/102/103/400)."""


class AuthenticationError(APIStatusError):
    """The API key is missing or invalid."""


class PermissionDeniedError(APIStatusError):
    """The key is valid but may not touch this resource."""


class NotFoundError(APIStatusError):
    """The route or the resource does not exist."""


class ConflictError(APIStatusError):
    """The request conflicts with the resource's state (HTTP or code 409)."""


class RateLimitError(APIStatusError):
    """Too many requests (HTTP 429)."""


class InternalServerError(APIStatusError):
    """The server failed (HTTP >= 500, codes 100/105/500)."""
