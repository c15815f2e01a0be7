"""A deterministic OpenAI-compatible model server for a real RAGFlow (standard library only).

RAGFlow needs a chat model and an embedding model and no model can be downloaded here, so this
answers ``/v1/chat/completions`` (stream and not) and ``/v1/embeddings`` on 127.0.0.1:

* embeddings are hashed bags of terms (words of four letters or more but stop words, crudely
  stemmed; ``DIM`` dimensions, L2-normalised): texts sharing terms are near, so retrieval ranks
  sensibly, with lower scores than a real model gives;
* a chat answer is extractive: when the prompt holds RAGFlow's knowledge block (``ID: n`` ...
  ``Content:``), from each of up to three chunks the sentence sharing most terms with the
  question (a term weighs less the more chunks have it), cited ``[ID:n]``, and at least two
  sentences when there are two chunks; otherwise the question itself (RAGFlow also asks the
  model to rewrite a follow-up question or pick keywords, where an echo keeps the meaning).

Usage: ``fake_llm.py PORT [DIM]``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORD = re.compile(r"\w+")
# RAGFlow's knowledge block: "ID: n", a title, "└── Content:", the chunk; chunks are parted by
# "------" and the block ends with the system prompt's "The above is the knowledge base."
KNOWLEDGE = re.compile(
    r"^ID: (\d+)\n.*?└── Content:\n(.*?)(?=\n+------|\n\s*The above is|\nID: \d+\n|\Z)", re.M | re.S
)
# RAGFlow asks to rewrite a follow-up question with the conversation in the prompt
# ("USER: ..." lines) and "Output: " as the user's message.
CONVERSATION_TURN = re.compile(r"^USER: (.+)$", re.M)
SUFFIX = re.compile(r"(ing|ed|s)$")
STOPWORDS = {
    "about",
    "also",
    "been",
    "does",
    "from",
    "have",
    "into",
    "just",
    "more",
    "most",
    "much",
    "only",
    "over",
    "same",
    "some",
    "such",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "very",
    "what",
    "when",
    "where",
    "which",
    "while",
    "with",
    "would",
    "your",
}
SENTENCE = re.compile(r"[^.!?]+[.!?]?")
DIM = 128


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def terms(text: str) -> list[str]:
    """Words of four letters or more, without a plural or verb ending ("chunking" -> "chunk")."""
    stems = (SUFFIX.sub("", w) for w in words(text) if len(w) > 3 and w not in STOPWORDS)
    return [s for s in stems if len(s) > 3]


def content_words(text: str) -> set[str]:
    return set(terms(text))


def embed(text: str) -> list[float]:
    vector = [0.0] * DIM
    for word in terms(text) or ["<empty>"]:
        digest = hashlib.md5(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "little") % DIM] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def text_of(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def answer(messages: list[dict[str, Any]]) -> str:
    prompt = "\n".join(text_of(m) for m in messages)
    questions = [text_of(m).strip() for m in messages if m.get("role") == "user"]
    question = questions[-1] if questions else ""
    if question.rstrip(": ").lower() in ("", "output"):
        turns = CONVERSATION_TURN.findall(prompt)
        question = turns[-1].strip() if turns else question
    asked = content_words(question)
    chunks = KNOWLEDGE.findall(prompt)
    # a term found in fewer chunks says more (as in IDF): "dataset" over "ragflow"
    spread = {t: sum(t in content_words(c) for _, c in chunks) for t in asked}
    cited = []  # (-overlap, chunk order, the chunk's best sentence, its ID)
    for order, (chunk_id, content) in enumerate(chunks):
        sentences = [" ".join(s.split()).lstrip("# ") for s in SENTENCE.findall(content)]
        scored = [(sum(1 / spread[t] for t in asked & content_words(s)), s) for s in sentences if s]
        overlap, sentence = max(scored, key=lambda pair: pair[0], default=(0.0, ""))
        if sentence:
            cited.append((-overlap, order, sentence, chunk_id))
    cited.sort()
    if cited and cited[0][0]:
        chosen = [c for c in cited[:3] if c[0]]
        chosen += cited[len(chosen) : 2]  # a second sentence, as a model would
        return " ".join(f"{sentence} [ID:{chunk_id}]" for _, _, sentence, chunk_id in chosen)
    return question.splitlines()[-1] if question else "Nothing was asked."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.command} {self.path}\n")

    def send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        models = [{"id": name, "object": "model"} for name in ("fake-chat", "fake-embed")]
        self.send_json(200, {"object": "list", "data": models})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        path = self.path.rstrip("/")
        if path.endswith("/embeddings"):
            texts = request.get("input", "")
            texts = [texts] if isinstance(texts, str) else texts
            count = sum(len(words(str(t))) for t in texts)
            self.send_json(
                200,
                {
                    "object": "list",
                    "model": request.get("model", "fake-embed"),
                    "data": [
                        {"object": "embedding", "index": i, "embedding": embed(str(t))}
                        for i, t in enumerate(texts)
                    ],
                    "usage": {"prompt_tokens": count, "total_tokens": count},
                },
            )
        elif path.endswith("/chat/completions"):
            self.complete(request)
        else:
            self.send_json(404, {"error": {"message": f"unknown path {self.path}"}})

    def complete(self, request: dict[str, Any]) -> None:
        text = answer(request.get("messages") or [])
        tokens = len(words(text))
        usage = {"prompt_tokens": 10, "completion_tokens": tokens, "total_tokens": 10 + tokens}
        head = {"id": "chatcmpl-fake", "created": 0, "model": request.get("model", "fake-chat")}
        if not request.get("stream"):
            message = {"role": "assistant", "content": text}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            self.send_json(
                200, {**head, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        pieces = [w + " " for w in text.split(" ")]
        pieces[-1] = pieces[-1].rstrip()
        for piece in pieces:
            delta = {"role": "assistant", "content": piece}
            self.send_event(
                {
                    **head,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
            )
        self.send_event(
            {
                **head,
                "object": "chat.completion.chunk",
                "usage": usage,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
        )
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def send_event(self, body: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(body).encode() + b"\n\n")
        self.wfile.flush()


if __name__ == "__main__":
    DIM = int(sys.argv[2]) if len(sys.argv) > 2 else DIM
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print(f"fake models on http://127.0.0.1:{sys.argv[1]}/v1 (embeddings: {DIM} dimensions)")
    server.serve_forever()
