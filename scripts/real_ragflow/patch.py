"""Apply the kit's local patches to a copy of RAGFlow's source (never to the user's checkout).

Each patch replaces one exact snippet in one file, for the tags that need it. Applying is
idempotent (a patch whose replacement is already there is skipped) and strict (a snippet that
is neither there once nor already replaced stops the kit: the source is not what the patch was
written for). ``patch.py SRC TAG`` prints one line per patch. The README lists them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Patch:
    why: str
    path: str
    old: str
    new: str
    tags: tuple[str, ...]


BOTH = ("v0.24.0", "v0.27.0")
GET_DOC_IDS = (
    "    def get_doc_ids(self, res) -> list[str]:\n"
    '        return [row["id"] for row in res.chunks]\n'
)


PATCHES = [
    Patch(
        "the SeekDB build in pylibseekdb has no utf8mb4_unicode_ci collation",
        "common/doc_store/ob_conn_base.py",
        '"mysql_collate": "utf8mb4_unicode_ci"',
        '"mysql_collate": "utf8mb4_general_ci"',
        BOTH,
    ),
    Patch(
        "GET_LOCK(name, -1) waits forever on MySQL but returns NULL at once on MariaDB,"
        " so parse progress was never written",
        "api/db/db_models.py",
        "        self.lock_name = lock_name\n        self.timeout = int(timeout)\n",
        "        self.lock_name = lock_name\n"
        "        self.timeout = int(timeout) if int(timeout) >= 0 else 31536000\n",
        BOTH,
    ),
    Patch(
        "rag/nlp/search.py reads and sorts on chunk_order_int, which the SeekDB chunk table"
        " lacks (the kit patches before the first start, so every chunk table gets it)",
        "rag/utils/ob_conn.py",
        "column_group_id = Column(",
        'column_chunk_order_int = Column("chunk_order_int", Integer, nullable=True)\n'
        "column_group_id = Column(",
        ("v0.27.0",),
    ),
    Patch(
        "(same) chunk_order_int in the table definition",
        "rag/utils/ob_conn.py",
        "    column_order_id,\n    column_group_id,\n"
        "    column_mom_id,\n    column_deleted_doc_id,\n",
        "    column_order_id,\n    column_chunk_order_int,\n    column_group_id,\n"
        "    column_mom_id,\n    column_deleted_doc_id,\n",
        ("v0.27.0",),
    ),
    Patch(
        "rag/nlp/search.py selects row_id(), an Infinity pseudo-column SeekDB cannot evaluate",
        "rag/utils/ob_conn.py",
        '            output_fields.remove("_score")\n',
        '            output_fields.remove("_score")\n'
        '        output_fields = [f for f in output_fields if f != "row_id()"]\n',
        ("v0.27.0",),
    ),
    Patch(
        "the vector re-score calls get_scores(), which the SeekDB connector lacks"
        " (the GaussDB connector's body)",
        "rag/utils/ob_conn.py",
        GET_DOC_IDS,
        GET_DOC_IDS + "\n    def get_scores(self, res) -> dict[str, float]:\n"
        '        return {row["id"]: float(row.get("_score") or 0.0)'
        ' for row in res.chunks if row.get("id") is not None}\n',
        ("v0.27.0",),
    ),
    Patch(
        "rag/app/picture.py builds OCR() at import, which downloads deepdoc's model weights"
        " from a hub (the API server cannot start offline): built on first use, as v0.27 does",
        "rag/app/picture.py",
        "\nocr = OCR()\n",
        "\n_ocr = None\n\n\ndef ocr(image):\n    global _ocr\n    if _ocr is None:\n"
        "        _ocr = OCR()\n    return _ocr(image)\n",
        ("v0.24.0",),
    ),
]


def apply(src: Path, tag: str) -> list[str]:
    """Apply every patch for ``tag`` under ``src``; one line of report per patch."""
    report = []
    for patch in PATCHES:
        if tag not in patch.tags:
            continue
        file = src / patch.path
        text = file.read_text()
        if patch.new in text:
            state = "already applied"
        elif text.count(patch.old) == 1:
            file.write_text(text.replace(patch.old, patch.new))
            state = "applied"
        else:
            raise SystemExit(f"patch does not fit {patch.path} at {tag}: {patch.why}")
        report.append(f"  {state}: {patch.path}: {patch.why}")
    return report


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: patch.py SRC TAG")
    print("\n".join(apply(Path(sys.argv[1]), sys.argv[2])))
