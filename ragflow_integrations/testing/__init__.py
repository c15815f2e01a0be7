"""LocalRAGFlow: an offline, in-process, deterministic stand-in RAGFlow server.

It is **not** a RAG engine. It speaks the RAGFlow HTTP API (``/api/v1``) of server versions
v0.13 to v0.27 - each era's envelopes, error codes, auth replies, list shapes, delete semantics,
stream formats and citation markers - over a plain in-memory store, so clients can be tested
against every dialect without Docker, models or network:

* parsing splits text-like files (txt, md, html, csv, json) into chunks by whitespace tokens;
  other types fail the way the real server reports a failed parse (``run: FAIL``, progress -1);
* retrieval scores are deterministic: a BM25-like term score mixed with the cosine of a hashed
  bag-of-words/char-trigram "embedding" (no model);
* chat answers are extractive: the first sentence of each of the best chunks, with the era's
  citation markers and ``reference`` object.

Request bodies are validated with RAGFlow's own rules: from v0.19 the same pydantic models
(types, limits, messages) the server uses, each rule at the version that introduced it. The
tenant it serves is set up like the one of RAGFlow's own test suites (``_tenant.py``).

Standard library and pydantic only, and independent from the rest of ``ragflow_integrations``
on purpose: a client tested against it is tested against the contract, not against itself.

>>> from ragflow_integrations.testing import LocalRAGFlow, ManualClock
>>> with LocalRAGFlow("v0.24", parse_delay=0.05) as server:  # doctest: +SKIP
...     server.base_url, server.api_key

Parses take ``parse_delay`` seconds of the server's clock; give it a :class:`ManualClock`
and they finish only when a test calls ``clock.advance(...)``.
"""

from ._clock import ManualClock
from ._dialects import DIALECTS, Dialect, parse_version, resolve_dialect
from ._faults import FAULT_KINDS, Fault
from ._server import LocalRAGFlow, RecordedRequest

__all__ = [
    "DIALECTS",
    "FAULT_KINDS",
    "Dialect",
    "Fault",
    "LocalRAGFlow",
    "ManualClock",
    "RecordedRequest",
    "parse_version",
    "resolve_dialect",
]
