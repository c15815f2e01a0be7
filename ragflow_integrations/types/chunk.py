"""Chunks: pieces of parsed documents, as listed, retrieved or cited."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, field_validator

from .._checks import checked
from ._base import AsyncModel, RAGFlowModel, SyncModel, as_update, first_of

__all__ = ["PROVENANCE_KEYS", "AsyncChunk", "Chunk", "ChunkFields"]

PROVENANCE_KEYS: tuple[str, ...] = (
    "document_id",
    "document_name",
    "dataset_id",
    "similarity",
    "vector_similarity",
    "term_similarity",
    "positions",
    "image_id",
    "highlight",
    "important_keywords",
    "url",
    "doc_type",
)
"""The chunk fields the framework layers put in their metadata: provenance and scores (the
source document's own metadata, :attr:`Chunk.document_metadata`, is laid out by
:mod:`ragflow_integrations.metadata`)."""


class ChunkFields(RAGFlowModel):
    """The fields of a chunk. Retrieval and references fill the score fields.

    Field names follow the newest server; older names (``kb_id``, ``docnm_kwd``,
    ``document_keyword``, ``img_id``, ``important_kwd``, ``content_with_weight``) are accepted.
    """

    id: str = Field(default="", validation_alias=AliasChoices("id", "chunk_id"))
    content: str = Field(
        default="", validation_alias=AliasChoices("content", "content_with_weight")
    )
    document_id: str = Field(default="", validation_alias=AliasChoices("document_id", "doc_id"))
    document_name: str = Field(
        default="",
        validation_alias=AliasChoices("document_name", "document_keyword", "docnm_kwd"),
    )
    dataset_id: str = Field(
        default="", validation_alias=AliasChoices("dataset_id", "kb_id", "knowledgebase_id")
    )
    image_id: str = Field(default="", validation_alias=AliasChoices("image_id", "img_id"))
    positions: list[Any] = Field(
        default_factory=list, validation_alias=AliasChoices("positions", "position_int")
    )
    important_keywords: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("important_keywords", "important_kwd")
    )
    questions: list[str] = Field(default_factory=list)
    tag_kwd: list[str] = Field(default_factory=list)
    available: bool | None = None
    similarity: float | None = None
    vector_similarity: float | None = None
    term_similarity: float | None = None
    highlight: str | None = None
    url: str | None = None
    doc_type: str | None = Field(
        default=None, validation_alias=AliasChoices("doc_type", "doc_type_kwd")
    )
    document_metadata: dict[str, Any] | None = None
    """The source document's ``meta_fields``, when retrieval was asked for them."""

    @field_validator("dataset_id", "document_id", "id", "document_name", "image_id", mode="before")
    @classmethod
    def _one_id(cls, value: Any) -> Any:
        value = first_of(value)
        return "" if value is None else value

    @field_validator("content", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("positions", mode="before")
    @classmethod
    def _positions(cls, value: Any) -> Any:
        # Text-only chunks come with [] or [""].
        if not value:
            return []
        if not isinstance(value, list):
            return value  # not a list: the field's own validation reports it
        return [p for p in value if p not in ("", None)]

    @field_validator("important_keywords", "questions", "tag_kwd", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        return value

    @field_validator("available", mode="before")
    @classmethod
    def _available(cls, value: Any) -> Any:
        return bool(int(value)) if isinstance(value, int | str) and str(value).isdigit() else value

    def provenance(self) -> dict[str, Any]:
        """The :data:`PROVENANCE_KEYS` the server sent, leaving out empty values."""
        sent = self.model_fields_set
        out: dict[str, Any] = {}
        for key in PROVENANCE_KEYS:
            value = getattr(self, key) if key in sent else None
            if value is None or (isinstance(value, str | list | dict) and not value):
                continue
            out[key] = value
        return out

    @property
    def knowledgebase_id(self) -> str:
        """The draft API's name for :attr:`dataset_id`."""
        return self.dataset_id


_UPDATABLE = ("content", "important_keywords", "available", "questions", "tag_kwd")


class Chunk(ChunkFields, SyncModel):
    """A chunk of a document, with the draft API's and the released SDK's methods."""

    def save(self) -> bool:
        """Send the fields changed since the server last sent this chunk; ``True`` on success."""
        changes = self._changes(_UPDATABLE)
        if changes:
            self._bound()._update_chunk(self, changes)
        return True

    @checked
    def update(self, update_message: dict[str, Any]) -> None:
        """Update ``content``, ``important_keywords``, ``available``, ``questions``,
        ``tag_kwd`` or ``positions``.
        """
        self._bound()._update_chunk(self, as_update(update_message))

    def delete(self) -> bool:
        """Delete this chunk; ``True`` on success."""
        self._bound()._delete_chunks(self.dataset_id, self.document_id, [self.id])
        return True


class AsyncChunk(ChunkFields, AsyncModel):
    """A chunk from :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    async def save(self) -> bool:
        """Send the fields changed since the server last sent this chunk; ``True`` on success."""
        changes = self._changes(_UPDATABLE)
        if changes:
            await self._bound()._update_chunk(self, changes)
        return True

    @checked
    async def update(self, update_message: dict[str, Any]) -> None:
        """Update the chunk (see :meth:`Chunk.update`)."""
        await self._bound()._update_chunk(self, as_update(update_message))

    async def delete(self) -> bool:
        """Delete this chunk; ``True`` on success."""
        await self._bound()._delete_chunks(self.dataset_id, self.document_id, [self.id])
        return True
