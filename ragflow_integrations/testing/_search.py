"""Deterministic scoring: a BM25-like term score, a hashed-embedding vector score, and the
metadata filter of RAGFlow's ``meta_filter``.

No model is involved: the "embedding" is a signed feature-hashing of words and character
trigrams (md5-based, so it is stable across processes and Python versions).
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ScoredText",
    "convert_conditions",
    "embed",
    "highlight",
    "meta_filter",
    "score_texts",
    "title_terms",
    "tokenize",
]

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_DIM = 512
_K1 = 1.2
_B = 0.75

_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "has"),
        *("have", "how", "i", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this"),
        *("to", "was", "were", "what", "when", "where", "which", "who", "why", "will", "with"),
        *("you", "your"),
    }
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (unicode ``\\w+`` runs)."""
    return [t.lower() for t in _WORD_RE.findall(text or "")]


def title_terms(name: str) -> list[str]:
    """The words of a document name (``_`` and ``.`` separate them, as in ``title_tks``)."""
    return [t.lower() for t in re.findall(r"[^\W_]+", name)]


def _query_terms(text: str) -> list[str]:
    terms = tokenize(text)
    kept = [t for t in terms if t not in _STOPWORDS]
    return kept or terms


def _bucket(feature: str) -> tuple[int, float]:
    digest = hashlib.md5(feature.encode("utf-8")).digest()
    index = int.from_bytes(digest[:4], "big") % _DIM
    sign = 1.0 if digest[4] & 1 else -1.0
    return index, sign


def embed(text: str) -> list[float]:
    """A deterministic unit vector: hashed words (weight 1) and char trigrams (weight 0.5)."""
    vec = [0.0] * _DIM
    for word in _query_terms(text):
        i, s = _bucket("w:" + word)
        vec[i] += s
        padded = f"#{word}#"
        for j in range(max(1, len(padded) - 2)):
            i, s = _bucket("c:" + padded[j : j + 3])
            vec[i] += 0.5 * s
    norm = math.sqrt(sum(x * x for x in vec))
    if norm == 0:
        return vec
    return [x / norm for x in vec]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@dataclass
class ScoredText:
    index: int
    similarity: float
    term_similarity: float
    vector_similarity: float


def score_texts(
    question: str,
    texts: Sequence[str],
    boosts: Sequence[Iterable[str]] | None = None,
    vector_similarity_weight: float = 0.3,
) -> list[ScoredText]:
    """Score every text against ``question``; ``boosts`` are extra keyword lists per text."""
    q_terms = list(dict.fromkeys(_query_terms(question)))
    docs: list[Counter[str]] = []
    for i, text in enumerate(texts):
        counts = Counter(tokenize(text))
        if boosts is not None:
            for kw in boosts[i]:
                for tok in tokenize(kw):
                    counts[tok] += 3
        docs.append(counts)
    n = len(docs)
    avgdl = (sum(sum(d.values()) for d in docs) / n) if n else 1.0
    avgdl = avgdl or 1.0
    df = {t: sum(1 for d in docs if t in d) for t in q_terms}
    idf = {t: math.log(1.0 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in q_terms}
    best = sum(idf[t] * (_K1 + 1.0) for t in q_terms) or 1.0
    q_vec = embed(question)
    w = min(max(float(vector_similarity_weight), 0.0), 1.0)
    out: list[ScoredText] = []
    for i, (text, counts) in enumerate(zip(texts, docs, strict=True)):
        dl = sum(counts.values()) or 1
        raw = 0.0
        for t in q_terms:
            tf = counts.get(t, 0)
            if tf:
                raw += idf[t] * tf * (_K1 + 1.0) / (tf + _K1 * (1.0 - _B + _B * dl / avgdl))
        term = min(1.0, raw / best) if q_terms else 0.0
        vector = max(0.0, cosine(q_vec, embed(text)))
        sim = (1.0 - w) * term + w * vector
        out.append(ScoredText(i, round(sim, 6), round(term, 6), round(vector, 6)))
    return out


def highlight(text: str, question: str) -> str:
    """Wrap query words found in ``text`` in ``<em>``, as RAGFlow's highlight does."""
    terms = {t for t in _query_terms(question) if t}
    if not terms:
        return text

    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        return f"<em>{word}</em>" if word.lower() in terms else word

    return _WORD_RE.sub(repl, text)


# -- metadata filter -------------------------------------------------------------------

_OP_MAP = {
    "is": "=",
    "not is": "≠",
    ">=": "≥",
    "<=": "≤",
    "!=": "≠",
    "==": "=",
    "=>": "≥",
    "=<": "≤",
}


def convert_conditions(metadata_condition: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``metadata_condition`` (name/comparison_operator/value) -> filters (key/op/value)."""
    conds = (metadata_condition or {}).get("conditions") or []
    out = []
    for cond in conds:
        if not isinstance(cond, dict):
            continue
        op = str(cond.get("comparison_operator", ""))
        out.append({"op": _OP_MAP.get(op, op), "key": cond.get("name"), "value": cond.get("value")})
    return out


def flatten_metas(doc_metas: dict[str, dict[str, Any]]) -> dict[str, dict[Any, list[str]]]:
    """``{doc_id: meta_fields}`` -> ``{key: {value: [doc_ids]}}``, list values expanded."""
    metas: dict[str, dict[Any, list[str]]] = {}
    for doc_id, fields in doc_metas.items():
        for key, value in (fields or {}).items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, (list, dict)):
                    continue
                metas.setdefault(key, {}).setdefault(item, []).append(doc_id)
    return metas


def _is_date(text: str) -> bool:
    return (
        len(text) == 10
        and text[4] == "-"
        and text[7] == "-"
        and text[:4].isdigit()
        and text[5:7].isdigit()
        and text[8:10].isdigit()
    )


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "contains":
        return str(left).find(str(right)) >= 0
    if operator == "not contains":
        return str(left).find(str(right)) == -1
    if operator == "in":
        return bool(left in right)
    if operator == "not in":
        return bool(left not in right)
    if operator == "start with":
        return str(left).lower().startswith(str(right).lower())
    if operator == "end with":
        return str(left).lower().endswith(str(right).lower())
    if operator == "empty":
        return not left
    if operator == "not empty":
        return bool(left)
    if operator == "=":
        return bool(left == right)
    if operator == "≠":
        return bool(left != right)
    if operator == ">":
        return bool(left > right)
    if operator == "<":
        return bool(left < right)
    if operator == "≥":
        return bool(left >= right)
    if operator == "≤":
        return bool(left <= right)
    return False


def _literal(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def _lower(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [v.lower() if isinstance(v, str) else v for v in value]
    return value


def _match_literal(operator: str, stored: Any, wanted: Any) -> bool:
    """The comparison of ``common/metadata_utils.meta_filter`` (0.23+)."""
    left, right = stored, wanted
    if operator in ("=", "≠", ">", "<", "≥", "≤"):
        left_s, right_s = str(left).strip(), str(right).strip()
        if _is_date(right_s):
            if not _is_date(left_s):
                return False
            left, right = left_s, right_s
        else:
            left, right = _literal(left), _literal(right)
            if isinstance(left, str):
                left = left.lower()
            if isinstance(right, str):
                right = right.lower()
    else:
        left, right = _lower(left), _lower(right)
    try:
        return _compare(operator, left, right)
    except TypeError:
        return False


def _match_float(operator: str, stored: Any, wanted: Any) -> bool:
    """The comparison of the first ``dialog_service.meta_filter`` (0.20.5-0.22)."""
    left: Any
    right: Any
    try:
        left, right = float(stored), float(wanted)
    except (TypeError, ValueError):
        left, right = str(stored), str(wanted)
    if operator in ("contains", "not contains"):
        left, right = str(left).lower(), str(right).lower()
    try:
        return _compare(operator, left, right)
    except TypeError:
        return False


def meta_filter(
    metas: dict[str, dict[Any, list[str]]],
    filters: list[dict[str, Any]],
    logic: str = "and",
    style: str = "literal",
) -> list[str]:
    """Document ids whose metadata satisfy ``filters``.

    ``style="literal"`` follows ``common/metadata_utils.meta_filter`` (ast.literal_eval on
    both sides, lower-cased strings, YYYY-MM-DD dates, ``in``/``not in``, a key missing from
    every document matches nothing, ``logic`` and/or). ``style="float"`` follows the first
    implementation: float() else str() comparison, always AND, filters on unknown keys skipped.
    """
    matcher = _match_literal if style == "literal" else _match_float
    doc_ids: set[str] | None = None
    for flt in filters:
        key, op, value = flt.get("key"), str(flt.get("op", "")), flt.get("value")
        if key not in metas:
            if style == "float":
                continue
            ids: list[str] = []
        else:
            ids = []
            for stored, owners in metas[str(key)].items():
                if matcher(op, stored, value):
                    ids.extend(owners)
        if doc_ids is None:
            doc_ids = set(ids)
        elif style == "float" or logic != "or":
            doc_ids &= set(ids)
            if not doc_ids:
                return []
        else:
            doc_ids |= set(ids)
    return sorted(doc_ids or [])
