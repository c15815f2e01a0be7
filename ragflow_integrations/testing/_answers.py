"""Extractive, deterministic chat answers built from the best retrieved chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._retrieval import Hit

__all__ = ["NOT_FOUND", "Answer", "build_answer", "citation", "solo_answer", "split_words"]

#: The sentence RAGFlow's default prompt asks the model to say when nothing is relevant.
NOT_FOUND = "The answer you are looking for is not found in the knowledge base!"

_SENTENCE_RE = re.compile(r"(.+?[.!?。！？])(?=\s|$)", re.S)
_MAX_WORDS = 40


@dataclass
class Answer:
    """``plain`` is what a model would stream; ``decorated`` has the inserted citations."""

    plain: str
    decorated: str
    hits: list[Hit] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    think: str = ""
    empty_response: bool = False


def citation(style: str, index: int) -> str:
    return f" ##{index}$$" if style == "dollar" else f" [ID:{index}]"


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    match = _SENTENCE_RE.match(flat)
    sentence = match.group(1) if match else flat
    words = sentence.split()
    if len(words) > _MAX_WORDS:
        sentence = " ".join(words[:_MAX_WORDS]) + "…"
    return sentence


def _with_marker(sentence: str, marker: str) -> str:
    """Put the marker before the sentence's final punctuation, as RAGFlow does."""
    if sentence and sentence[-1] in ".!?。！？…":
        return sentence[:-1] + marker + sentence[-1]
    return sentence + marker


def build_answer(
    question: str,
    hits: list[Hit],
    citation_style: str,
    quote: bool = True,
    empty_response: str | None = None,
    reasoning: bool = False,
    max_sources: int = 3,
) -> Answer:
    """First sentence of each of the best chunks, with citations when ``quote`` is on."""
    think = ""
    if reasoning:
        think = (
            f"The question is: {question.strip()} "
            f"The knowledge base returned {len(hits)} relevant chunk(s); "
            "I will answer from the best of them."
        )
    if not hits:
        if empty_response:
            return Answer(empty_response, empty_response, [], [], think, True)
        return Answer(NOT_FOUND, NOT_FOUND, [], [], think, False)
    plain_parts: list[str] = []
    decorated_parts: list[str] = []
    cited: list[int] = []
    seen: set[str] = set()
    for index, hit in enumerate(hits):
        if len(plain_parts) >= max_sources:
            break
        sentence = _first_sentence(hit.chunk.content)
        if not sentence or sentence in seen:
            continue
        seen.add(sentence)
        plain_parts.append(sentence)
        if quote:
            decorated_parts.append(_with_marker(sentence, citation(citation_style, index)))
            cited.append(index)
        else:
            decorated_parts.append(sentence)
    plain = " ".join(plain_parts)
    decorated = " ".join(decorated_parts)
    return Answer(plain, decorated, hits, cited, think, False)


def solo_answer(question: str) -> Answer:
    """The answer of a chat without datasets (RAGFlow's ``chat_solo``): no retrieval."""
    text = (
        "LocalRAGFlow has no language model; without a knowledge base it can only repeat "
        f"the question: {question.strip()}"
    )
    return Answer(text, text)


def split_words(text: str, per_event: int = 3) -> list[str]:
    """Cut ``text`` into pieces of a few words each; joining them gives back ``text``."""
    tokens = re.findall(r"\S+\s*|\s+", text)
    if not tokens:
        return []
    pieces: list[str] = []
    for i in range(0, len(tokens), per_event):
        pieces.append("".join(tokens[i : i + per_event]))
    return pieces
