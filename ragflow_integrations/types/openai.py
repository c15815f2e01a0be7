"""Answers of the OpenAI-compatible endpoint (``/chats_openai/{id}/chat/completions``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .chunk import Chunk

__all__ = ["ChatCompletion", "ChatCompletionChunk", "Usage"]


class Usage(BaseModel):
    """Token counts (character counts on servers up to v0.23)."""

    model_config = ConfigDict(extra="allow")

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @field_validator("prompt_tokens", "completion_tokens", "total_tokens", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return 0 if value is None else value


class ChatCompletion(BaseModel):
    """A whole answer: text, reasoning, references and usage."""

    model_config = ConfigDict(extra="allow")

    id: str = ""
    model: str = ""
    content: str = ""
    reasoning: str = ""
    reference: list[Chunk] = Field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None


class ChatCompletionChunk(BaseModel):
    """A streamed piece: ``delta`` text; the last has usage, references and ``final_content``."""

    model_config = ConfigDict(extra="allow")

    id: str = ""
    model: str = ""
    delta: str = ""
    reasoning_delta: str = ""
    reference: list[Chunk] = Field(default_factory=list)
    final_content: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
