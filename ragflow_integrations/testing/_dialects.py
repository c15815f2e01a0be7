"""RAGFlow server versions: parsing, the named dialects, and per-version behaviour flags.

A *dialect* is a named server version at which the HTTP contract changes. Any version from
v0.13 to v0.27 resolves to the nearest named dialect at or below it, and every behaviour
flag is computed from that dialect's version tuple, so two dialects differ exactly where the
contract (``ragflow-http-api.md``) says the server changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DIALECTS", "Dialect", "Version", "parse_version", "resolve_dialect"]

Version = tuple[int, int, int]

#: The named dialects, oldest first. Each one is a tag where the contract shows a change.
DIALECTS: tuple[str, ...] = (
    "v0.13",
    "v0.14",
    "v0.15",
    "v0.15.1",
    "v0.16",
    "v0.17",
    "v0.18",
    "v0.19",
    "v0.20",
    "v0.20.5",
    "v0.21",
    "v0.22",
    "v0.23",
    "v0.24",
    "v0.25.0",
    "v0.25.1",
    "v0.25.2",
    "v0.25.3",
    "v0.25.6",
    "v0.26",
    "v0.26.1",
    "v0.27",
)

_VERSION_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?((?:[-+][0-9A-Za-z.+-]*)?)\s*$")
_LOWEST: Version = (0, 13, 0)
_HIGHEST_MINOR: tuple[int, int] = (0, 27)


def _unsupported(text: object) -> ValueError:
    return ValueError(
        f"Unsupported RAGFlow version {text!r}: LocalRAGFlow speaks v0.13 to v0.27 "
        f"(named dialects: {', '.join(DIALECTS)})"
    )


def parse_version(text: str) -> tuple[Version, str]:
    """Parse ``"v0.20"``, ``"0.20.5"``, ``"v0.27.0-12-gabc"`` into ``((0, 20, 5), suffix)``.

    Raises ``ValueError`` (listing the supported dialects) for garbage or versions outside
    v0.13..v0.27.
    """
    if not isinstance(text, str):
        raise _unsupported(text)
    match = _VERSION_RE.match(text)
    if match is None:
        raise _unsupported(text)
    major, minor = int(match.group(1)), int(match.group(2))
    patch = int(match.group(3)) if match.group(3) is not None else 0
    suffix = match.group(4) or ""
    version: Version = (major, minor, patch)
    if version < _LOWEST or (major, minor) > _HIGHEST_MINOR:
        raise _unsupported(text)
    return version, suffix


def _name_to_version(name: str) -> Version:
    version, _ = parse_version(name)
    return version


_NAMED: tuple[tuple[Version, str], ...] = tuple((_name_to_version(n), n) for n in DIALECTS)


def resolve_dialect(version: str) -> str:
    """Return the name of the nearest named dialect at or below ``version``.

    >>> resolve_dialect("v0.21.1")
    'v0.21'
    """
    wanted, _ = parse_version(version)
    chosen = _NAMED[0][1]
    for tup, name in _NAMED:
        if tup <= wanted:
            chosen = name
    return chosen


def normalise_version(version: str) -> str:
    """``"0.20"`` -> ``"v0.20.0"``; a ``git describe`` suffix is kept."""
    (major, minor, patch), suffix = parse_version(version)
    return f"v{major}.{minor}.{patch}{suffix}"


@dataclass(frozen=True)
class Dialect:
    """Behaviour flags of one named dialect, all computed from its version tuple."""

    name: str
    v: Version

    @classmethod
    def for_version(cls, version: str) -> Dialect:
        name = resolve_dialect(version)
        return cls(name=name, v=_name_to_version(name))

    # -- generic comparisons ------------------------------------------------------------
    def ge(self, major: int, minor: int, patch: int = 0) -> bool:
        return self.v >= (major, minor, patch)

    def lt(self, major: int, minor: int, patch: int = 0) -> bool:
        return self.v < (major, minor, patch)

    # -- envelope / transport -----------------------------------------------------------
    @property
    def retcode_keys(self) -> bool:
        """v0.13: ``get_json_result`` uses ``retcode``/``retmsg``."""
        return self.lt(0, 14)

    @property
    def unknown_route_style(self) -> str:
        """``"code100"`` (<=0.22), ``"quart"`` (0.23), ``"code404"`` (0.24+)."""
        if self.lt(0, 23):
            return "code100"
        if self.lt(0, 24):
            return "quart"
        return "code404"

    @property
    def has_total_datasets(self) -> bool:
        return self.ge(0, 21)

    @property
    def page_size_cap(self) -> int | None:
        return 100 if self.ge(0, 26) else None

    @property
    def offset_limit_paging(self) -> bool:
        """v0.13 pages documents, chunks and retrieval with ``offset``/``limit``."""
        return self.lt(0, 14)

    @property
    def default_page_size(self) -> int:
        return 1024 if self.lt(0, 14) else 30

    # -- auth ---------------------------------------------------------------------------
    @property
    def auth_messages_era(self) -> str:
        """``"0.13"`` retcode, ``"0.14"`` Token is not valid!, ``"0.16"`` API key is invalid."""
        if self.lt(0, 14):
            return "0.13"
        if self.lt(0, 16):
            return "0.14"
        return "0.16"

    @property
    def version_endpoint(self) -> bool:
        return self.ge(0, 25)

    @property
    def version_needs_auth(self) -> bool:
        return self.ge(0, 25) and self.lt(0, 25, 6)

    # -- datasets -----------------------------------------------------------------------
    @property
    def strict_dataset_models(self) -> bool:
        return self.ge(0, 19)

    @property
    def any_uuid_id(self) -> bool:
        """``validate_uuid1_hex`` takes any UUID from v0.27 (UUID1 only before)."""
        return self.ge(0, 27)

    @property
    def dataset_update_returns_data(self) -> bool:
        return self.ge(0, 20)

    @property
    def get_dataset_route(self) -> bool:
        return self.ge(0, 25, 1)

    # -- deletes (3.1) ------------------------------------------------------------------
    @property
    def delete_empty_means_all(self) -> bool:
        """<=0.24: missing/empty ids delete everything (datasets: see ``dataset_delete_mode``)."""
        return self.lt(0, 25)

    @property
    def dataset_delete_mode(self) -> str:
        """``"empty_all"`` <=0.18, ``"null_all"`` 0.19-0.24, ``"explicit"`` 0.25+."""
        if self.lt(0, 19):
            return "empty_all"
        if self.lt(0, 25):
            return "null_all"
        return "explicit"

    @property
    def delete_returns_count(self) -> bool:
        return self.ge(0, 25)

    # -- documents ----------------------------------------------------------------------
    @property
    def doc_put_update(self) -> bool:
        return self.lt(0, 25) or self.ge(0, 25, 2)

    @property
    def doc_patch_update(self) -> bool:
        return self.ge(0, 25)

    @property
    def doc_update_returns_data(self) -> bool:
        return self.ge(0, 25)

    @property
    def meta_fields(self) -> bool:
        return self.ge(0, 17)

    @property
    def desc_exact_false_only(self) -> bool:
        """Document list <=0.21 treats only the exact string ``"False"`` as false."""
        return self.lt(0, 22)

    @property
    def duration_key(self) -> str:
        return "process_duration" if self.ge(0, 20) else "process_duation"

    @property
    def doc_list_run_filter(self) -> bool:
        return self.ge(0, 22)

    @property
    def doc_list_metadata_condition(self) -> bool:
        return self.ge(0, 23)

    @property
    def doc_list_ids_filter(self) -> bool:
        """The document list takes a repeated ``ids`` filter (v0.25.1+)."""
        return self.ge(0, 25, 1)

    @property
    def max_list_ids(self) -> int | None:
        """``REST_API_MAX_IDS``: v0.27 refuses more ids in one list request."""
        return 100 if self.ge(0, 27) else None

    @property
    def retrieval_reference_metadata(self) -> bool:
        """``/retrieval`` takes ``reference_metadata`` (v0.25.2+)."""
        return self.ge(0, 25, 2)

    @property
    def parse_stop_routes(self) -> bool:
        return self.ge(0, 25, 1)

    # -- chunks -------------------------------------------------------------------------
    @property
    def chunk_id_md5(self) -> bool:
        return self.lt(0, 15)

    @property
    def chunk_patch(self) -> bool:
        return self.ge(0, 25, 1)

    @property
    def chunk_questions(self) -> bool:
        return self.ge(0, 15)

    # -- retrieval ----------------------------------------------------------------------
    @property
    def retrieval_kb_key(self) -> str:
        return "kb_id" if self.lt(0, 16) else "dataset_id"

    @property
    def retrieval_image_key(self) -> str:
        return "img_id" if self.lt(0, 14) else "image_id"

    @property
    def metadata_condition_retrieval(self) -> bool:
        return self.ge(0, 20, 5)

    @property
    def meta_filter_style(self) -> str:
        """``"float"`` (early dialog_service version) or ``"literal"`` (common/metadata_utils)."""
        return "float" if self.lt(0, 23) else "literal"

    @property
    def highlight_default_on(self) -> bool:
        return self.lt(0, 24)

    # -- chats --------------------------------------------------------------------------
    @property
    def chat_schema(self) -> str:
        """``"llm_prompt"`` <=0.24, ``"dialog"`` 0.25+."""
        return "llm_prompt" if self.lt(0, 25) else "dialog"

    @property
    def chat_dataset_ids_required(self) -> bool:
        return self.lt(0, 18)

    @property
    def chat_put_clears_datasets(self) -> bool:
        return self.ge(0, 22) and self.lt(0, 25)

    @property
    def keywords_weight_inverted(self) -> bool:
        return self.ge(0, 16)

    # -- sessions -----------------------------------------------------------------------
    @property
    def hardcoded_prologue(self) -> bool:
        return self.lt(0, 15)

    @property
    def session_user_id(self) -> bool:
        return self.ge(0, 15, 1)

    @property
    def session_patch(self) -> bool:
        return self.ge(0, 25, 1)

    # -- completions --------------------------------------------------------------------
    @property
    def citation_style(self) -> str:
        return "dollar" if self.lt(0, 20) else "id"

    @property
    def stream_delta(self) -> bool:
        return self.ge(0, 24)

    @property
    def no_session_answers(self) -> bool:
        """0.13-0.14 and 0.25.1+ answer a completion sent without ``session_id``."""
        return self.lt(0, 15) or self.ge(0, 25, 1)

    @property
    def completion_requires_messages(self) -> bool:
        return self.ge(0, 25, 1) and self.lt(0, 25, 6)

    @property
    def legacy_stream_option(self) -> bool:
        return self.ge(0, 26, 1)

    @property
    def reference_chunk_era(self) -> str:
        if self.lt(0, 14):
            return "0.13"
        if self.lt(0, 15):
            return "0.14"
        return "0.15+"

    @property
    def message_id_hex(self) -> bool:
        return self.ge(0, 25)

    # -- OpenAI-compatible --------------------------------------------------------------
    @property
    def openai_route(self) -> bool:
        return self.ge(0, 17)

    @property
    def openai_stream_default(self) -> bool:
        return self.lt(0, 26)

    @property
    def openai_reasoning_key(self) -> bool:
        return self.ge(0, 18)

    @property
    def openai_extra_body(self) -> bool:
        return self.ge(0, 20)

    @property
    def openai_token_usage(self) -> bool:
        return self.ge(0, 24)
