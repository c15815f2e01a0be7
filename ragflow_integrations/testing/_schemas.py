"""The request models RAGFlow validates dataset and document bodies with (v0.19+), per version.

RAGFlow checks these bodies with pydantic models in ``api/utils/validation_utils.py`` and turns
a ``ValidationError`` into code 101 with one ``Field: <loc> - Message: <msg> - Value: <input>``
line per error. LocalRAGFlow builds the same models, with the same types, limits and custom
errors, once per version: each ``if d...`` below is a change at the tag it names, so a rule that
arrived in v0.25 is not applied to a v0.20 dialect. The messages are pydantic's own.
"""

# No ``from __future__ import annotations``: the models are built inside a function and pydantic
# reads their annotations from that function's locals.

import contextlib
import functools
import json
import re
import string
from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any, Literal, NamedTuple
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ._dialects import Dialect

__all__ = [
    "DATASET_NAME_LIMIT",
    "FILE_NAME_LEN_LIMIT",
    "REST_API_MAX_PAGE_SIZE",
    "Schemas",
    "format_validation_error",
    "schemas",
    "validate_uuid_hex",
]

DATASET_NAME_LIMIT = 128  # api/constants.py
FILE_NAME_LEN_LIMIT = 255  # api/constants.py
REST_API_MAX_PAGE_SIZE = 100  # api/utils/pagination_utils.py (v0.26+)
REST_API_MAX_IDS = 100  # same file, v0.27

_RAPTOR_PROMPT_OLD = (
    "Please summarize the following paragraphs. Be careful with the numbers, do not make things "
    "up. Paragraphs as following:\n      {cluster_content}\nThe above is the content you need to "
    "summarize."
)
RAPTOR_PROMPT_27 = (
    "Summarize the paragraphs below without inventing facts or changing numbers.\nOutput exactly "
    "two parts in the same language as the source:\n1. First line: a concise title only.\n2. "
    "Following lines: a concise summary of the content.\nDo not output labels, Markdown headings, "
    "bullet points, or any other commentary.\n\nParagraphs:\n{cluster_content}"
)
ENTITY_TYPES = ["organization", "person", "geo", "event", "category"]


def format_validation_error(error: ValidationError) -> str:
    """``format_validation_error_message``: one line per error, inputs cut at 128 characters."""
    lines = []
    for item in error.errors():
        loc = ".".join(map(str, item["loc"]))
        shown = str(item["input"])
        if len(shown) > 128:
            shown = shown[:125] + "..."
        lines.append(f"Field: <{loc}> - Message: <{item['msg']}> - Value: <{shown}>")
    return "\n".join(lines)


def validate_uuid_hex(d: Dialect, value: Any) -> str:
    """``validate_uuid1_hex``: UUID1 only until v0.26, any UUID from v0.27."""
    if d.any_uuid_id:
        try:
            if isinstance(value, UUID):
                return value.hex
            if isinstance(value, str):
                return UUID(value).hex
            raise TypeError
        except (AttributeError, ValueError, TypeError):
            raise PydanticCustomError("invalid_uuid_format", "Invalid UUID format") from None
    try:
        parsed = UUID(value) if isinstance(value, str) else value
        if parsed.version != 1:
            raise PydanticCustomError("invalid_UUID1_format", "Must be a UUID1 format")
        return str(parsed.hex)
    except (AttributeError, ValueError, TypeError):
        raise PydanticCustomError("invalid_UUID1_format", "Invalid UUID1 format") from None


class Schemas(NamedTuple):
    """The models of one version (``None`` where that version has no such model)."""

    parser_config: type[BaseModel]
    create_dataset: type[BaseModel]
    update_dataset: type[BaseModel]
    delete: type[BaseModel]
    delete_documents: type[BaseModel]
    list_datasets: type[BaseModel]
    update_document: type[BaseModel] | None
    auto_metadata: type[BaseModel] | None
    search: type[BaseModel] | None
    search_many: type[BaseModel] | None


def _chunk_method_error(methods: list[str]) -> str:
    quoted = [f"'{m}'" for m in methods]
    return "Input should be " + ", ".join(quoted[:-1]) + " or " + quoted[-1]


@functools.cache
def schemas(d: Dialect) -> Schemas:
    """Build the request models of the version ``d`` speaks (v0.19 or newer)."""
    lower = d.ge(0, 27)  # v0.27 lower-cased the first word of several messages
    newline = "\n" if d.ge(0, 27) else "\\n"  # the defaults were a raw r"\n" until v0.26

    class Base(BaseModel):
        # v0.19: extra="forbid"; v0.20 adds strict=True (no str -> int coercion)
        model_config = (
            ConfigDict(extra="forbid", strict=True) if d.ge(0, 20) else ConfigDict(extra="forbid")
        )

    class RaptorConfig(Base):
        use_raptor: Annotated[bool, Field(default=False)]
        prompt: Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1),
            Field(default=RAPTOR_PROMPT_27 if d.ge(0, 27) else _RAPTOR_PROMPT_OLD),
        ]
        if d.ge(0, 27):
            max_token: Annotated[int, Field(default=512, ge=512, le=2048)]
            clustering_threshold: Annotated[float, Field(default=0.3, ge=0.0, le=1.0)]
            clustering_ratio: Annotated[float, Field(default=0.5, ge=0.0, le=1.0)]
        else:
            max_token: Annotated[int, Field(default=256, ge=1, le=2048)]  # type: ignore[no-redef]
            threshold: Annotated[float, Field(default=0.1, ge=0.0, le=1.0)]
        max_cluster: Annotated[int, Field(default=64, ge=1, le=1024)]
        random_seed: Annotated[int, Field(default=0, ge=0)]
        if d.ge(0, 25, 1):
            scope: Annotated[Literal["file", "dataset"], Field(default="file")]
        if d.ge(0, 25, 6) and d.lt(0, 27):
            clustering_method: Annotated[Literal["gmm", "ahc"], Field(default="gmm")]
            tree_builder: Annotated[Literal["raptor", "psi"], Field(default="raptor")]
        if d.ge(0, 23):
            auto_disable_for_structured_data: Annotated[bool, Field(default=True)]
        if d.ge(0, 25) and d.lt(0, 27):
            ext: Annotated[dict[str, Any], Field(default={})]

        if d.ge(0, 27):

            @model_validator(mode="before")
            @classmethod
            def normalize_legacy_fields(cls, value: Any) -> Any:
                """v0.27 drops the pre-0.27 RAPTOR fields instead of refusing them."""
                if not isinstance(value, dict):
                    return value
                out = dict(value)
                legacy_ext = out.pop("ext", None)
                if (
                    isinstance(legacy_ext, dict)
                    and out.get("clustering_threshold") is None
                    and "clustering_threshold" in legacy_ext
                ):
                    out["clustering_threshold"] = legacy_ext["clustering_threshold"]
                for key in ("threshold", "clustering_method", "tree_builder"):
                    out.pop(key, None)
                max_token = out.get("max_token")
                if (
                    isinstance(max_token, (int, float))
                    and not isinstance(max_token, bool)
                    and max_token < 512
                ):
                    out["max_token"] = 512
                return out

    class GraphragConfig(Base):
        use_graphrag: Annotated[bool, Field(default=False)]
        entity_types: Annotated[list[str], Field(default_factory=lambda: list(ENTITY_TYPES))]
        if d.ge(0, 25, 6):
            method: Annotated[Literal["light", "general", "ner"], Field(default="light")]
        else:
            method: Annotated[Literal["light", "general"], Field(default="light")]  # type: ignore[no-redef]
        community: Annotated[bool, Field(default=False)]
        resolution: Annotated[bool, Field(default=False)]
        if d.ge(0, 25, 6):
            batch_chunk_token_size: Annotated[int, Field(default=4096, ge=512, le=8196)]
            retry_attempts: Annotated[int, Field(default=2, ge=1, le=10)]
            retry_backoff_seconds: Annotated[float, Field(default=2.0, ge=0.0, le=600.0)]
            retry_backoff_max_seconds: Annotated[float, Field(default=60.0, ge=0.0, le=3600.0)]
            build_subgraph_timeout_per_chunk_seconds: Annotated[
                int, Field(default=300, ge=1, le=86400)
            ]
            build_subgraph_min_timeout_seconds: Annotated[int, Field(default=600, ge=1, le=86400)]
            merge_timeout_seconds: Annotated[int, Field(default=180, ge=0, le=86400)]
            resolution_timeout_seconds: Annotated[int, Field(default=1800, ge=0, le=86400)]
            community_timeout_seconds: Annotated[int, Field(default=1800, ge=0, le=86400)]
            lock_acquire_timeout_seconds: Annotated[int, Field(default=600, ge=0, le=86400)]

    class ParentChildConfig(Base):
        use_parent_child: Annotated[bool, Field(default=False)]
        children_delimiter: Annotated[str, Field(default=newline, min_length=1)]

    class ParserConfig(Base):
        auto_keywords: Annotated[int, Field(default=0, ge=0, le=32)]
        auto_questions: Annotated[int, Field(default=0, ge=0, le=10)]
        chunk_token_num: Annotated[int, Field(default=512 if d.ge(0, 20) else 128, ge=1, le=2048)]
        delimiter: Annotated[str, Field(default=newline, min_length=1)]
        if d.ge(0, 20):
            graphrag: Annotated[
                GraphragConfig, Field(default_factory=lambda: GraphragConfig(use_graphrag=False))
            ]
        else:
            graphrag: GraphragConfig | None = None  # type: ignore[no-redef]
        html4excel: Annotated[bool, Field(default=False)]
        layout_recognize: Annotated[str, Field(default="DeepDOC")]
        if d.ge(0, 25):
            parent_child: Annotated[
                ParentChildConfig,
                Field(default_factory=lambda: ParentChildConfig(use_parent_child=False)),
            ]
        if d.ge(0, 27):
            enable_children: Annotated[bool, Field(default=False)]
            children_delimiter: Annotated[str, Field(default="", min_length=0)]
        if d.ge(0, 20):
            raptor: Annotated[
                RaptorConfig, Field(default_factory=lambda: RaptorConfig(use_raptor=False))
            ]
        else:
            raptor: RaptorConfig | None = None  # type: ignore[no-redef]
        tag_kb_ids: Annotated[list[str], Field(default_factory=list)]
        topn_tags: Annotated[int, Field(default=1, ge=1, le=10)]
        filename_embd_weight: Annotated[
            float | None, Field(default=0.1 if d.ge(0, 20) else None, ge=0.0, le=1.0)
        ]
        task_page_size: Annotated[int | None, Field(default=None, ge=1)]
        pages: Annotated[list[list[int]] | None, Field(default=None)]
        if d.ge(0, 27):
            compilation_template_group_id: Annotated[list[str], Field(default_factory=list)]
        if d.ge(0, 25):
            ext: Annotated[dict[str, Any], Field(default={})]
        if d.ge(0, 25, 6):
            table_column_mode: Annotated[Literal["auto", "manual"] | None, Field(default=None)]
            table_column_roles: Annotated[
                dict[str, Literal["indexing", "metadata", "both"]] | None, Field(default=None)
            ]
            table_column_names: Annotated[list[str] | None, Field(default=None)]

    # -- datasets ------------------------------------------------------------------------------
    methods = ["naive", "book", "email", "laws", "manual", "one", "paper", "picture"]
    methods += ["presentation", "qa", "table", "tag"]
    if d.ge(0, 25):
        methods.append("resume")
    method_error = _chunk_method_error(methods)

    class AutoMetadataField(Base):
        if d.ge(0, 25, 1):
            key: Annotated[
                str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
            ]
            type: Annotated[Literal["string", "list", "time", "number"], Field(...)]
            description: Annotated[str | None, Field(default=None, max_length=65535)]
            enum: Annotated[list[str] | None, Field(default=None)]
        else:
            name: Annotated[
                str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
            ]
            type: Annotated[Literal["string", "list", "time"], Field(...)]  # type: ignore[no-redef]
            description: Annotated[str | None, Field(default=None, max_length=65535)]  # type: ignore[no-redef]
            examples: Annotated[list[str] | None, Field(default=None)]
            restrict_values: Annotated[bool, Field(default=False)]

    class AutoMetadataConfig(Base):
        if d.ge(0, 25, 1):
            metadata: Annotated[list[AutoMetadataField], Field(default_factory=list)]
            built_in_metadata: Annotated[list[AutoMetadataField], Field(default_factory=list)]
        else:
            enabled: Annotated[bool, Field(default=True)]
            fields: Annotated[list[AutoMetadataField], Field(default_factory=list)]

    class CreateDatasetReq(Base):
        name: Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=DATASET_NAME_LIMIT),
            Field(...),
        ]
        avatar: Annotated[str | None, Field(default=None, max_length=65535)]
        description: Annotated[str | None, Field(default=None, max_length=65535)]
        if d.ge(0, 20):
            embedding_model: Annotated[
                str | None, Field(default=None, max_length=255, serialization_alias="embd_id")
            ]
        else:
            embedding_model: Annotated[  # type: ignore[no-redef]
                str,
                StringConstraints(strip_whitespace=True, max_length=255),
                Field(default="", serialization_alias="embd_id"),
            ]
        permission: Annotated[
            Literal["me", "team"], Field(default="me", min_length=1, max_length=16)
        ]
        if d.ge(0, 23):
            parse_type: Annotated[int | None, Field(default=None, ge=0, le=64)]
            pipeline_id: Annotated[str | None, Field(default=None, min_length=32, max_length=32)]
            chunk_method: Annotated[
                str | None, Field(default=None, serialization_alias="parser_id")
            ]
        else:
            chunk_method: Annotated[  # type: ignore[no-redef]
                Literal[
                    "naive", "book", "email", "laws", "manual", "one", "paper", "picture",
                    "presentation", "qa", "table", "tag",
                ],
                Field(
                    default="naive", min_length=1, max_length=32, serialization_alias="parser_id"
                ),
            ]  # fmt: skip
        if d.lt(0, 20):
            pagerank: Annotated[int, Field(default=0, ge=0, le=100)]
        parser_config: Annotated[ParserConfig | None, Field(default=None)]
        if d.ge(0, 25):
            auto_metadata_config: Annotated[AutoMetadataConfig | None, Field(default=None)]
            ext: Annotated[dict[str, Any], Field(default={})]

        @field_validator("avatar", mode="after")
        @classmethod
        def validate_avatar_base64(cls, v: str | None) -> str | None:
            if v is None or (d.ge(0, 25, 6) and not v):
                return v
            if "," not in v:
                raise PydanticCustomError(
                    "format_invalid",
                    ("m" if lower else "M")
                    + "issing MIME prefix. Expected format: data:<mime>;base64,<data>",
                )
            prefix = v.split(",", 1)[0]
            if not prefix.startswith("data:"):
                raise PydanticCustomError(
                    "format_invalid",
                    ("i" if lower else "I") + "nvalid MIME prefix format. Must start with 'data:'",
                )
            supported = ["image/jpeg", "image/png"]
            if prefix[5:].split(";")[0] not in supported:
                raise PydanticCustomError(
                    "format_invalid",
                    "Unsupported MIME type. Allowed: {supported_mime_types}",
                    {"supported_mime_types": supported},
                )
            return v

        if d.ge(0, 20):

            @field_validator("embedding_model", mode="before")
            @classmethod
            def normalize_embedding_model(cls, v: Any) -> Any:
                return v.strip() if isinstance(v, str) else v

        @field_validator("embedding_model", mode="after")
        @classmethod
        def validate_embedding_model(cls, v: str | None) -> str | None:
            if isinstance(v, str) and (d.ge(0, 20) or v):
                if d.ge(0, 27) and re.fullmatch(r"[0-9a-fA-F]{32}", v):
                    return v  # a tenant_model id
                if "@" not in v:
                    raise PydanticCustomError(
                        "format_invalid",
                        ("e" if lower else "E")
                        + "mbedding model identifier must follow <model_name>@<provider> format",
                    )
                parts = v.split("@", 1)
                if len(parts) != 2 or not all(parts):
                    raise PydanticCustomError(
                        "format_invalid",
                        ("b" if lower else "B")
                        + "oth model_name and provider must be non-empty strings",
                    )
                if not parts[0].strip() or not parts[1].strip():
                    raise PydanticCustomError(
                        "format_invalid",
                        "Model name and provider cannot be whitespace-only strings",
                    )
            return v

        @field_validator("parser_config", mode="before")
        @classmethod
        def normalize_empty_parser_config(cls, v: Any) -> Any:
            return None if v == {} else v

        @field_validator("parser_config", mode="after")
        @classmethod
        def validate_parser_config_json_length(cls, v: BaseModel | None) -> BaseModel | None:
            if v is not None and len(json_str := v.model_dump_json()) > 65535:
                raise PydanticCustomError(
                    "string_too_long",
                    "Parser config exceeds size limit (max 65,535 characters). "
                    "Current size: {actual}",
                    {"actual": len(json_str)},
                )
            return v

        if d.ge(0, 25):

            @field_validator("pipeline_id", mode="before")
            @classmethod
            def handle_pipeline_id(cls, v: str | None, info: ValidationInfo) -> str | None:
                if v is not None and info.data.get("parse_type", 0) == 1:
                    return None
                return v

        if d.ge(0, 23):

            @field_validator("pipeline_id", mode="after")
            @classmethod
            def validate_pipeline_id(cls, v: str | None) -> str | None:
                if not v:
                    return None
                if len(v) != 32:
                    raise PydanticCustomError(
                        "format_invalid", "pipeline_id must be 32 hex characters"
                    )
                if any(ch not in string.hexdigits for ch in v):
                    raise PydanticCustomError("format_invalid", "pipeline_id must be hexadecimal")
                return v.lower()

            @model_validator(mode="after")
            def validate_parser_dependency(self) -> Any:
                values = self.__dict__
                if values["chunk_method"] is None and "chunk_method" not in self.model_fields_set:
                    if values["parse_type"] is None and values["pipeline_id"] is None:
                        object.__setattr__(self, "chunk_method", "naive")
                        return self
                    missing = [k for k in ("parse_type", "pipeline_id") if values[k] is None]
                    if missing:
                        raise PydanticCustomError(
                            "dependency_error",
                            "parser_id omitted → required fields missing: {fields}",
                            {"fields": ", ".join(missing)},
                        )
                    return self
                if isinstance(values["chunk_method"], str):
                    allowed = [None, 1] if d.ge(0, 25) else [None]
                    bad = []
                    if values["parse_type"] not in allowed:
                        bad.append("parse_type")
                    if values["pipeline_id"] is not None:
                        bad.append("pipeline_id")
                    if bad:
                        raise PydanticCustomError(
                            "dependency_error",
                            "parser_id provided → disallowed fields present: {fields}",
                            {"fields": ", ".join(bad)},
                        )
                return self

            @field_validator("chunk_method", mode="wrap")
            @classmethod
            def validate_chunk_method(
                cls, v: Any, handler: Callable[[Any], Any], info: ValidationInfo
            ) -> Any:
                if d.lt(0, 25) and v is None:
                    raise PydanticCustomError("literal_error", method_error)
                try:
                    result = handler(v)
                except Exception:
                    raise PydanticCustomError("literal_error", method_error) from None
                if d.ge(0, 25):
                    if not result and not info.data.get("pipeline_id"):
                        raise PydanticCustomError("literal_error", method_error)
                    if result and result not in methods:
                        raise PydanticCustomError("literal_error", method_error)
                elif not isinstance(result, str) or result not in methods:
                    raise PydanticCustomError("literal_error", method_error)
                return result

    class UpdateDatasetReq(CreateDatasetReq):
        dataset_id: Annotated[str, Field(...)]
        name: Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=DATASET_NAME_LIMIT),
            Field(default=""),
        ]
        if d.ge(0, 20):
            pagerank: Annotated[int, Field(default=0, ge=0, le=100)]
        if d.ge(0, 25):
            language: Annotated[str | None, Field(default=None, max_length=32)]
            connectors: Annotated[list[dict[str, Any]], Field(default_factory=list)]

        @field_validator("dataset_id", mode="before")
        @classmethod
        def validate_dataset_id(cls, v: Any) -> str:
            return validate_uuid_hex(d, v)

    def unique_ids(v_list: list[str] | None, normalise: bool) -> list[str] | None:
        if v_list is None:
            return None
        ids = [validate_uuid_hex(d, v) for v in v_list] if normalise else list(v_list)
        duplicates = [item for item, count in Counter(ids).items() if count > 1]
        if duplicates:
            raise PydanticCustomError(
                "duplicate_uuids",
                "Duplicate ids: '{duplicate_ids}'",
                {"duplicate_ids": ", ".join(duplicates)},
            )
        return ids

    class DeleteReq(Base):
        if d.ge(0, 25):
            ids: Annotated[list[str] | None, Field(default=None)]
            delete_all: Annotated[bool, Field(default=False)]
        else:
            ids: Annotated[list[str] | None, Field(...)]  # type: ignore[no-redef]

        @field_validator("ids", mode="after")
        @classmethod
        def validate_ids(cls, v_list: list[str] | None) -> list[str] | None:
            return unique_ids(v_list, normalise=True)

    class DeleteDocumentReq(DeleteReq):
        if d.ge(0, 25, 2):  # connector documents carry non-UUID ids

            @field_validator("ids", mode="after")
            @classmethod
            def validate_ids(cls, v_list: list[str] | None) -> list[str] | None:
                return unique_ids(v_list, normalise=False)

    class BaseListReq(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: Annotated[str | None, Field(default=None)]
        name: Annotated[str | None, Field(default=None)]
        page: Annotated[int, Field(default=1, ge=1)]
        page_size: Annotated[int, Field(default=30, ge=1)]
        orderby: Annotated[Literal["create_time", "update_time"], Field(default="create_time")]
        desc: Annotated[bool, Field(default=True)]

        @field_validator("id", mode="before")
        @classmethod
        def validate_id(cls, v: Any) -> str:
            return validate_uuid_hex(d, v)

        if d.ge(0, 26):

            @field_validator("page_size")
            @classmethod
            def validate_page_size(cls, v: int) -> int:
                if v > REST_API_MAX_PAGE_SIZE:
                    raise ValueError(
                        f"page_size must be less than or equal to {REST_API_MAX_PAGE_SIZE}"
                    )
                return v

    class ListDatasetReq(BaseListReq):
        if d.ge(0, 27):
            ids: Annotated[list[str] | None, Field(default=None, max_length=REST_API_MAX_IDS)]

            @field_validator("ids", mode="after")
            @classmethod
            def validate_ids(cls, v_list: list[str] | None) -> list[str] | None:
                return unique_ids(v_list, normalise=True)

        if d.ge(0, 25):
            include_parsing_status: Annotated[bool, Field(default=False)]
            ext: Annotated[dict[str, Any], Field(default={})]

    # -- documents (v0.25+) --------------------------------------------------------------------
    update_document: type[BaseModel] | None = None
    if d.ge(0, 25):

        class UpdateDocumentReq(Base):
            model_config = ConfigDict(extra="ignore")
            name: Annotated[str | None, Field(default=None, max_length=65535)]
            chunk_method: Annotated[str | None, Field(default=None, max_length=65535)]
            if d.ge(0, 25, 1):
                pipeline_id: Annotated[str | None, Field(default=None, max_length=65535)]
            enabled: Annotated[int | None, Field(default=None, ge=0, le=1)]
            chunk_count: Annotated[int | None, Field(default=None, ge=0)]
            token_count: Annotated[int | None, Field(default=None, ge=0)]
            progress: Annotated[float | None, Field(default=None, ge=0.0, le=1.0)]
            parser_config: Annotated[ParserConfig | None, Field(default=None)]
            meta_fields: Annotated[dict[str, Any] | None, Field(default={})]

            @field_validator("chunk_method", mode="after")
            @classmethod
            def validate_document_chunk_method(cls, chunk_method: str | None) -> str | None:
                valid = {*methods, "knowledge_graph"} - {"resume"}
                if chunk_method and chunk_method not in valid:
                    raise PydanticCustomError(
                        "format_invalid",
                        "`chunk_method` {chunk_method} doesn't exist",
                        {"chunk_method": chunk_method},
                    )
                return chunk_method

            @field_validator("meta_fields", mode="after")
            @classmethod
            def validate_document_meta_fields(cls, meta: dict[str, Any] | None) -> Any:
                for value in (meta or {}).values():
                    if isinstance(value, list):
                        if not all(isinstance(i, (str, int, float)) for i in value):
                            raise PydanticCustomError(
                                "format_invalid",
                                "The type is not supported in list: {v}",
                                {"v": value},
                            )
                    elif not isinstance(value, (str, int, float)):
                        raise PydanticCustomError(
                            "format_invalid", "The type is not supported: {v}", {"v": value}
                        )
                return meta

        update_document = UpdateDocumentReq

    # -- search (v0.25.1+: one dataset; v0.25.2+: several) ----------------------------------
    search: type[BaseModel] | None = None
    search_many: type[BaseModel] | None = None
    if d.ge(0, 25, 1):

        class SearchDatasetReq(BaseModel):
            model_config = ConfigDict(extra="ignore")
            question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
            doc_ids: Annotated[list[str], Field(default=[])]
            page: Annotated[int, Field(default=1, ge=1)]
            size: Annotated[int, Field(default=30, ge=1)]
            top_k: Annotated[int, Field(default=1024, ge=1)]
            similarity_threshold: Annotated[float, Field(default=0.0, ge=0.0, le=1.0)]
            vector_similarity_weight: Annotated[float, Field(default=0.3, ge=0.0, le=1.0)]
            use_kg: Annotated[bool, Field(default=False)]
            cross_languages: Annotated[list[str], Field(default=[])]
            keyword: Annotated[bool, Field(default=False)]
            search_id: Annotated[str | None, Field(default=None)]
            rerank_id: Annotated[str | None, Field(default=None)]
            meta_data_filter: Annotated[dict[str, Any] | None, Field(default=None)]

        search = SearchDatasetReq
        if d.ge(0, 25, 2):

            class SearchDatasetsReq(SearchDatasetReq):
                dataset_ids: Annotated[list[str], Field(..., min_length=1)]

            search_many = SearchDatasetsReq

    return Schemas(
        parser_config=ParserConfig,
        create_dataset=CreateDatasetReq,
        update_dataset=UpdateDatasetReq,
        delete=DeleteReq,
        delete_documents=DeleteDocumentReq,
        list_datasets=ListDatasetReq,
        update_document=update_document,
        auto_metadata=AutoMetadataConfig if d.ge(0, 25) else None,
        search=search,
        search_many=search_many,
    )


def query_args(d: Dialect, model: type[BaseModel], query: dict[str, list[str]]) -> dict[str, Any]:
    """``validate_and_parse_request_args``: the first value of each key; from v0.27 list fields
    take every value, split on commas; from v0.25 ``ext`` is JSON."""
    args: dict[str, Any] = {k: v[0] for k, v in query.items() if v}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if d.ge(0, 27) and key in query and "list" in str(info.annotation):
            args[key] = [part for item in query[key] for part in item.split(",") if part]
    if d.ge(0, 25) and isinstance(args.get("ext"), str):
        with contextlib.suppress(ValueError):
            args["ext"] = json.loads(args["ext"])
    return args
