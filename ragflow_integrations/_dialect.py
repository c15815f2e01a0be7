"""What differs between RAGFlow server versions, in one place.

A :class:`Dialect` is built from a server version and answers every question the
operations ask about the wire (paths, body fields, list shapes, stream semantics, what a
bulk delete with no ids means). The facts come from ``shared/ragflow-http-api.md``;
each property names the section it implements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ._exceptions import RAGFlowConfigError

__all__ = ["MAX_VERSION", "MIN_VERSION", "Dialect", "Version", "parse_version", "read_version"]

Version = tuple[int, int, int]

MIN_VERSION: Version = (0, 13, 0)
MAX_VERSION: Version = (0, 27, 99)

_VERSION_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+.].*)?\s*$")

# The first version that has each feature (contract sections in brackets).
FEATURES: dict[str, Version] = {
    "page_params": (0, 14, 0),  # page/page_size instead of offset/limit [1.5]
    "session_user_id": (0, 15, 1),  # sessions and completions take user_id [9]
    "questions": (0, 15, 0),  # chunks carry questions [6]
    "use_kg": (0, 16, 0),  # [7]
    "openai_compat": (0, 17, 0),  # /chats_openai/{id}/chat/completions [11]
    "document_meta_fields": (0, 17, 0),  # document update takes meta_fields [5]
    "strict_dataset_models": (0, 19, 0),  # extra keys refused, `language` refused [1.5, 4]
    "cross_languages": (0, 20, 0),  # [7]
    "bracket_citations": (0, 20, 0),  # [ID:N] instead of ##N$$ [10.4]
    "metadata_condition": (0, 20, 5),  # retrieval metadata_condition [7]
    "total_datasets": (0, 21, 0),  # [1.5]
    "toc_enhance": (0, 23, 0),  # [7]
    "delta_stream": (0, 24, 0),  # SSE answers are deltas, final event [10.2]
    "dialog_chats": (0, 25, 0),  # chat schema llm_id/llm_setting/prompt_config [8.2]
    "delete_all_flag": (0, 25, 0),  # empty ids delete nothing; delete_all:true [3.1]
    "patch_documents": (0, 25, 0),  # PATCH documents/{id} [3]
    "chunk_tags_images": (0, 25, 0),  # add_chunk takes tag_kwd and image_base64
    "get_chat": (0, 25, 0),  # GET /chats/{id} [3]
    "chat_list_keywords": (0, 25, 0),  # GET /chats takes keywords and owner_ids
    "patch_chats": (0, 25, 0),  # PATCH /chats/{id} (a partial update)
    "get_dataset": (0, 25, 1),  # GET /datasets/{id} [3]
    "list_documents_by_ids": (0, 25, 1),  # GET /datasets/{id}/documents?ids=... [1.5]
    "unified_completions": (0, 25, 1),  # POST /chat/completions, /openai/{id}/... [3, 10, 11]
    "patch_chunks": (0, 25, 1),  # PATCH chunks/{cid} [3]
    "patch_sessions": (0, 25, 1),  # PATCH sessions/{sid} [3]
    "page_size_cap": (0, 26, 0),  # page_size <= 100 [1.5]
    "exact_metadata_condition": (0, 26, 2),  # exact and/or, an unbounded scan [13]
    "metadata_condition_comparisons": (0, 27, 0),  # >, <, ... and non-numeric `is` [13]
    "openai_generation_config": (0, 26, 0),  # temperature etc. read from the body [11]
    "legacy_stream": (0, 26, 1),  # "legacy": true gives the cumulative stream [10.2]
    "reference_metadata": (0, 25, 2),  # retrieval reference_metadata [7; sdk/doc at v0.25.2]
    "dataset_list_ids": (0, 27, 0),  # GET /datasets takes several ids
    "auto_metadata": (0, 25, 1),  # /datasets/{id}/metadata/config
    # agents and memories [13; sdk/session, sdk/agent(s), rest/agent_api, rest/memory_api]
    "agent_sessions": (0, 14, 0),  # POST /agents/{id}/sessions and /agents/{id}/completions
    "list_agents": (0, 15, 0),  # GET /agents, GET /agents/{id}/sessions
    "delete_agent_sessions": (0, 17, 1),  # DELETE /agents/{id}/sessions
    "agents_openai": (0, 18, 0),  # OpenAI-compatible agent completions
    "agent_crud": (0, 19, 0),  # POST /agents, PUT|DELETE /agents/{id}
    "agent_events": (0, 20, 0),  # canvas v2: query and inputs in, message/message_end out
    "agent_trace": (0, 23, 0),  # return_trace
    "memories": (0, 24, 0),  # /memories, /messages
    "agent_release": (0, 25, 0),  # release: run the published version
    "get_agent": (0, 25, 1),  # GET /agents/{id}, GET /agents/{id}/sessions/{sid}
    "unified_agent_completions": (0, 25, 2),  # POST /agents/chat/completions
}


def read_version(text: object) -> Version | None:
    """``"v0.27.0-12-gabc"`` -> ``(0, 27, 0)``; ``None`` for text that is not a version."""
    match = _VERSION_RE.match(text) if isinstance(text, str) and len(text) < 200 else None
    if match is None:
        return None
    return (int(match[1]), int(match[2]), int(match[3] or 0))


def parse_version(text: str) -> Version:
    """Parse ``"v0.20"``, ``"0.25.3"`` or ``"v0.27.0-12-gabc"`` into a version tuple.

    Raises :class:`RAGFlowConfigError` for anything else, or a version outside v0.13..v0.27.
    """
    version = read_version(text)
    if version is None:
        raise RAGFlowConfigError(
            f"server_version {text!r} is not a version; use a string such as 'v0.20' or 'v0.25.3'"
        )
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise RAGFlowConfigError(
            f"server_version {text!r} is outside the supported range v0.13 to v0.27"
        )
    return version


def format_version(version: Version) -> str:
    """``(0, 25, 3)`` -> ``"v0.25.3"``."""
    return "v{}.{}.{}".format(*version)


DeleteMode = Literal["empty_means_all", "null_means_all", "flag"]


@dataclass(frozen=True)
class Dialect:
    """The wire dialect of one server version."""

    version: Version

    @classmethod
    def of(cls, version: str | Version) -> Dialect:
        """Build the dialect for a version string or tuple."""
        return cls(parse_version(version) if isinstance(version, str) else version)

    @property
    def name(self) -> str:
        """The version as ``"v0.25.3"``."""
        return format_version(self.version)

    def has(self, feature: str) -> bool:
        """Whether this version has a feature of :data:`FEATURES`."""
        return self.version >= FEATURES[feature]

    def require(self, feature: str, what: str) -> None:
        """Raise :class:`UnsupportedFeatureError` naming ``what`` and the first version with it."""
        if not self.has(feature):
            from ._exceptions import UnsupportedFeatureError

            raise UnsupportedFeatureError(
                f"{what} needs RAGFlow {format_version(FEATURES[feature])} or newer; "
                f"this server is {self.name}",
                feature=feature,
            )

    # -- paging [1.5] -------------------------------------------------------------------
    @property
    def max_page_size(self) -> int | None:
        """The largest ``page_size`` the server takes (``None``: no cap)."""
        return 100 if self.has("page_size_cap") else None

    def page_params(self, page: int, page_size: int) -> dict[str, int]:
        """``page``/``page_size`` (``offset``/``limit`` on v0.13, where offset is a page number)."""
        if self.has("page_params"):
            return {"page": page, "page_size": page_size}
        return {"offset": page, "limit": page_size}

    # -- deletes [3.1] ------------------------------------------------------------------
    def delete_mode(self, resource: str) -> DeleteMode:
        """How the server reads a bulk delete's ``ids``.

        ``empty_means_all``: a missing or empty list deletes everything; ``null_means_all``
        (datasets on 0.19-0.24): ``null`` deletes all, ``[]`` none; ``flag``: only
        ``delete_all: true`` deletes all.
        """
        if self.has("delete_all_flag"):
            return "flag"
        if resource == "datasets" and self.version >= (0, 19, 0):
            return "null_means_all"
        return "empty_means_all"

    # -- documents [3, 5] ---------------------------------------------------------------
    @property
    def max_ids_per_list(self) -> int:
        """How many ``ids`` one document listing names: v0.27 refuses more than 100, and
        older servers get URLs of the same bounded length.
        """
        return 100

    @property
    def upload_limits(self) -> tuple[int, int]:
        """``(files, bytes)`` per multipart upload: v0.13 refuses more than 10 MB in one
        request; later servers take up to ``MAX_CONTENT_LENGTH`` (128 MB or 1 GB) behind
        nginx's 128 MB, so a request stays well below both.
        """
        if self.version < (0, 14, 0):
            return 32, 8 * 1024 * 1024
        return 32, 64 * 1024 * 1024

    @property
    def chat_update_method(self) -> str:
        """PATCH from v0.25.0, PUT before."""
        return "PATCH" if self.has("patch_chats") else "PUT"

    @property
    def document_update_method(self) -> str:
        """PATCH from v0.25.0 (PUT is missing in 0.25.0-0.25.1), PUT before."""
        return "PATCH" if self.has("patch_documents") else "PUT"

    @property
    def chunk_update_method(self) -> str:
        """PATCH from v0.25.1, PUT before."""
        return "PATCH" if self.has("patch_chunks") else "PUT"

    @property
    def session_update_method(self) -> str:
        """PATCH from v0.25.1, PUT before."""
        return "PATCH" if self.has("patch_sessions") else "PUT"

    # -- completions [10] ---------------------------------------------------------------
    @property
    def completion_needs_messages(self) -> bool:
        """0.25.1-0.25.5 refuse ``question`` and need ``messages`` [3 note 3]."""
        return (0, 25, 1) <= self.version < (0, 25, 6)

    @property
    def cumulative_stream(self) -> bool:
        """Native SSE ``answer`` is the whole text so far (<= 0.23), else a delta."""
        return not self.has("delta_stream")

    @property
    def citation_style(self) -> Literal["hash", "bracket"]:
        """``##N$$`` up to 0.19, ``[ID:N]`` from 0.20 [10.4]."""
        return "bracket" if self.has("bracket_citations") else "hash"

    # -- chats [8] ----------------------------------------------------------------------
    @property
    def chat_schema(self) -> Literal["llm_prompt", "dialog"]:
        """``llm``/``prompt`` bodies up to 0.24, raw dialog rows from 0.25.0."""
        return "dialog" if self.has("dialog_chats") else "llm_prompt"

    # -- agents [13] ----------------------------------------------------------------------
    @property
    def agent_completion_path(self) -> str | None:
        """The route that runs an agent, or ``None`` for ``/agents/{id}/completions``.

        v0.25.1 moved it to ``/agents/chat/completion`` (``agent_id`` in the body) and
        dropped the old one; v0.25.2 added ``/agents/chat/completions``, the one that stays
        (``/agents/{id}/completions`` came back as its alias) [0.25.1/0.25.2 rest/agent_api].
        """
        if self.has("unified_agent_completions"):
            return "/agents/chat/completions"
        if self.has("get_agent"):
            return "/agents/chat/completion"
        return None

    @property
    def agent_question_key(self) -> str:
        """``question`` for canvas v1 (<= 0.19); ``query`` from v0.20.0, which reads only
        ``query`` (``question`` is read too from v0.20.1) [0.20 db/services/canvas_service].
        """
        return "query" if self.has("agent_events") else "question"

    def agent_streams(self, wanted: bool) -> bool:
        """Whether to ask an agent for a stream. v0.20.0 answers ``stream: false`` with its
        first event as a string, so it is always streamed; v0.20.4 streams only message
        events that carry a reference (none do), so it is never streamed
        [0.20.0/0.20.4 sdk/session ``agent_completions``].
        """
        if self.version == (0, 20, 0):
            return True
        if self.version == (0, 20, 4):
            return False
        return wanted

    @property
    def agent_session_by_completion(self) -> bool:
        """v0.15-v0.17 open agent sessions before canvas v1 ran to its opening statement
        (v0.16-v0.17: for agents with Begin inputs), so their first question would be
        answered with it; a completion without ``session_id`` opens one that ran there
        [0.15-0.17 sdk/session ``create_agent_session``, db/services/canvas_service]."""
        return (0, 15, 0) <= self.version < (0, 18, 0)

    # -- retrieval [7] ------------------------------------------------------------------
    @property
    def highlight_as_string(self) -> bool:
        """Up to 0.23 only the string ``"false"`` turns highlighting off."""
        return self.version < (0, 24, 0)

    @property
    def dataset_create_fields(self) -> frozenset[str]:
        """Body fields ``POST /datasets`` accepts on this version [4]."""
        fields = {"name", "avatar", "description", "embedding_model", "permission"}
        fields |= {"chunk_method", "parser_config"}
        if not self.has("strict_dataset_models"):
            fields.add("language")
        if (0, 19, 0) <= self.version < (0, 20, 0):
            fields.add("pagerank")
        if self.version >= (0, 23, 0):
            fields |= {"parse_type", "pipeline_id"}
        if self.version >= (0, 25, 0):
            fields |= {"auto_metadata_config", "ext"}
        return frozenset(fields)

    @property
    def dataset_update_fields(self) -> frozenset[str]:
        """Body fields ``PUT /datasets/{id}`` accepts on this version [4]."""
        fields = {"name", "avatar", "description", "embedding_model", "permission"}
        fields |= {"chunk_method", "parser_config"}
        if self.version >= (0, 15, 0):
            fields.add("pagerank")
        if not self.has("strict_dataset_models") or self.version >= (0, 27, 0):
            fields.add("language")
        if self.version >= (0, 25, 0):
            fields |= {"auto_metadata_config", "ext"}
        return frozenset(fields)
