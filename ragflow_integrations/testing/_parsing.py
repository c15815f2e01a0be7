"""Turning uploaded files into chunks: text extraction for text-like files and a naive merge.

This mirrors the shape of RAGFlow's ``naive`` chunker (split on the delimiter characters, merge
pieces until ``chunk_token_num`` is reached) with whitespace tokens instead of a tokenizer.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any

__all__ = [
    "KNOWN_SUFFIXES",
    "TEXT_SUFFIXES",
    "UnsupportedFile",
    "count_tokens",
    "extract_text",
    "file_type",
    "split_chunks",
]

#: Suffixes LocalRAGFlow can really parse.
TEXT_SUFFIXES: frozenset[str] = frozenset(
    {"txt", "md", "markdown", "mdx", "html", "htm", "csv", "json", "jsonl", "log", "text"}
)
_DOC = {"pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "wps", "rtf", "odt", "epub", "eml"}
_VISUAL = {"jpg", "jpeg", "png", "tif", "tiff", "gif", "bmp", "webp", "svg", "ico", "icon"}
_AURAL = {"mp3", "wav", "wma", "aac", "ogg", "flac", "m4a", "ape"}
_CODE = {"py", "js", "java", "c", "cpp", "h", "php", "go", "ts", "sh", "cs", "kt", "sql", "xml"}
#: Suffixes the real server accepts on upload (others get "not supported yet").
KNOWN_SUFFIXES: frozenset[str] = frozenset(TEXT_SUFFIXES | _DOC | _VISUAL | _AURAL | _CODE)


class UnsupportedFile(Exception):
    """The file's type can be stored but not parsed by this stand-in."""


def suffix_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def file_type(name: str) -> str:
    """RAGFlow's ``FileType`` value for a file name: pdf, doc, visual, aural, other."""
    suffix = suffix_of(name)
    if suffix == "pdf":
        return "pdf"
    if suffix in _VISUAL:
        return "visual"
    if suffix in _AURAL:
        return "aural"
    if suffix in KNOWN_SUFFIXES:
        return "doc"
    return "other"


_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)
_BLOCK_RE = re.compile(r"</?(p|div|br|li|h[1-6]|tr|section|article|ul|ol|table)\b[^>]*>", re.I)


def _html_to_text(raw: str) -> str:
    raw = _BLOCK_RE.sub("\n", raw)
    text = html.unescape(_TAG_RE.sub(" ", raw))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _json_to_text(raw: str) -> str:
    try:
        value: Any = json.loads(raw)
    except ValueError:
        lines = []
        for line in raw.splitlines():
            try:
                lines.append(json.dumps(json.loads(line), ensure_ascii=False))
            except ValueError:
                lines.append(line)
        return "\n".join(lines)
    if isinstance(value, list):
        return "\n".join(json.dumps(item, ensure_ascii=False) for item in value)
    return json.dumps(value, ensure_ascii=False, indent=1)


def _csv_to_text(raw: str) -> str:
    rows = list(csv.reader(io.StringIO(raw)))
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    if not body:
        return "; ".join(header)
    out = []
    for row in body:
        cells = [f"{h}: {v}" for h, v in zip(header, row, strict=False) if v.strip()]
        out.append("; ".join(cells))
    return "\n".join(out)


def extract_text(name: str, blob: bytes) -> str:
    """Plain text of a text-like file; raises :class:`UnsupportedFile` otherwise."""
    suffix = suffix_of(name)
    if suffix not in TEXT_SUFFIXES:
        raise UnsupportedFile(suffix or name)
    raw = blob.decode("utf-8", errors="replace")
    if suffix in {"html", "htm"}:
        return _html_to_text(raw)
    if suffix in {"json", "jsonl"}:
        return _json_to_text(raw)
    if suffix == "csv":
        return _csv_to_text(raw)
    return raw


def count_tokens(text: str) -> int:
    return len(text.split())


def _delimiter_pattern(delimiter: str) -> re.Pattern[str]:
    """RAGFlow delimiters: each character splits, and `backticked` strings split as a whole."""
    delimiter = delimiter.replace("\\n", "\n").replace("\\t", "\t")
    multi = re.findall(r"`([^`]+)`", delimiter)
    singles = re.sub(r"`[^`]+`", "", delimiter)
    parts = [re.escape(m) for m in sorted(multi, key=len, reverse=True)]
    parts.extend(re.escape(ch) for ch in dict.fromkeys(singles))
    if not parts:
        parts = [re.escape("\n")]
    return re.compile("(" + "|".join(parts) + ")")


def split_chunks(
    text: str, chunk_token_num: int = 128, delimiter: str = "\n!?;。；！？"
) -> list[str]:
    """Split ``text`` on ``delimiter`` and merge pieces up to ``chunk_token_num`` tokens."""
    chunk_token_num = max(1, int(chunk_token_num or 128))
    pattern = _delimiter_pattern(delimiter or "\n")
    pieces: list[str] = []
    buf = ""
    for part in pattern.split(text):
        if not part:
            continue
        if pattern.fullmatch(part):
            buf += part if part.strip() else ""
            if buf.strip():
                pieces.append(buf.strip())
            buf = ""
        else:
            buf += part
    if buf.strip():
        pieces.append(buf.strip())

    chunks: list[str] = []
    current: list[str] = []
    tokens = 0
    for piece in pieces:
        n = count_tokens(piece)
        if current and tokens + n > chunk_token_num:
            chunks.append(" ".join(current))
            current, tokens = [], 0
        current.append(piece)
        tokens += n
    if current:
        chunks.append(" ".join(current))
    return chunks
