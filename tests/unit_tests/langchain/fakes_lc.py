"""A fake RAGFlow client for offline behaviour tests: records calls, answers from fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ragflow_integrations import (
    APIError,
    Chat,
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    DataSet,
    Document,
    Message,
    RAGFlow,
    Session,
    UnsupportedFeatureError,
    Usage,
)
from ragflow_integrations._base_client import ModelList


def chunk(n: int, document: int = 0) -> Chunk:
    return Chunk.model_validate(
        {
            "id": f"c{n}",
            "content": f"Passage {n}.",
            "document_id": f"d{document}",
            "document_name": f"doc{document}.md",
            "dataset_id": "ds-1",
            "similarity": round(1 - n / 10, 2),
            "vector_similarity": 0.5,
            "term_similarity": 0.25,
        }
    )


REFS = [chunk(0), chunk(1, document=1)]
ANSWER = "Alpha beta [ID:0]. Gamma [ID:1]."
USAGE = Usage(prompt_tokens=5, completion_tokens=7, total_tokens=12)


class FakeRAG(RAGFlow):
    """Overrides the client's public and binding methods; no request is ever sent."""

    def __init__(self, *, missing: str | None = None, fail: bool = False) -> None:
        super().__init__(api_key="test", base_url="http://ragflow.test", server_version="v0.27")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.missing = missing
        self.fail = fail
        self.documents = {
            "d0": ["Intro.", "Body."],
            "d1": ["Only chunk."],
            "d2": [],  # not parsed
        }

    def _record(self, what: str, /, **kwargs: Any) -> None:
        self.calls.append((what, kwargs))
        if self.fail:
            raise APIError("the server said no", code=102)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    # retrieval
    def retrieve(self, **kwargs: Any) -> ModelList[Chunk]:  # type: ignore[override]
        self._record("retrieve", **kwargs)
        return ModelList([chunk(n) for n in range(kwargs["page_size"])])

    # chats
    def openai_chat_completion(
        self,
        chat_id: str,
        messages: list[dict[str, Any]],
        stream: bool = False,
        reference: bool = True,
        *,
        model: str | None = None,
        **generation: Any,
    ) -> Any:
        self._record(
            "openai",
            chat_id=chat_id,
            messages=messages,
            stream=stream,
            reference=reference,
            model=model,
            **generation,
        )
        if self.missing:
            raise UnsupportedFeatureError(f"{self.missing} is missing", feature=self.missing)
        if stream:
            return iter(
                [
                    ChatCompletionChunk(reasoning_delta="Thinking."),
                    ChatCompletionChunk(delta="Alpha beta. "),
                    ChatCompletionChunk(delta="Gamma."),
                    ChatCompletionChunk(
                        final_content=ANSWER,
                        reference=REFS,
                        usage=USAGE,
                        finish_reason="stop",
                        model="model",
                    ),
                ]
            )
        return ChatCompletion(
            content=ANSWER,
            reasoning="Thinking.",
            reference=REFS,
            usage=USAGE,
            model=model or "model",
            finish_reason="stop",
        )

    def get_chat(self, id: str | None = None, name: str | None = None) -> Chat:
        self._record("get_chat", id=id, name=name)
        return self._wrap(Chat, {"id": id or "chat-by-name", "name": name or "guide"})

    def _create_session(self, chat_id: str, name: str, user_id: str | None) -> Session:
        self._record("create_session", chat_id=chat_id, name=name)
        return self._wrap(Session, {"id": "new-session", "chat_id": chat_id, "name": name})

    def _ask(self, sess: Session, question: str, extra: dict[str, Any]) -> Message:
        self._record("ask", session_id=sess.id, question=question, stream=False)
        return Message(content=ANSWER, reference=REFS, session_id=sess.id, id="msg-1", final=True)

    def _ask_stream(self, sess: Session, question: str, extra: dict[str, Any]) -> Iterator[Message]:
        self._record("ask", session_id=sess.id, question=question, stream=True)
        yield Message(content="Alpha beta", delta="Alpha beta")
        yield Message(content="Alpha beta. Gamma.", delta=". Gamma.")
        yield Message(content=ANSWER, replaced=True)
        yield Message(content=ANSWER, reference=REFS, session_id=sess.id, final=True)

    # datasets and documents
    def get_dataset(self, name: str | None = None, *, id: str | None = None) -> DataSet:
        self._record("get_dataset", id=id)
        return self._wrap(DataSet, {"id": id, "name": f"name-{id}", "description": f"About {id}."})

    def list_datasets(self, *args: Any, **kwargs: Any) -> ModelList[DataSet]:
        self._record("list_datasets", **kwargs)
        return self._wrap_all(DataSet, [{"id": "ds-1", "name": "one", "description": "First."}])

    def _doc(self, dataset_id: str, doc_id: str) -> dict[str, Any]:
        return {
            "id": doc_id,
            "name": f"{doc_id}.md",
            "dataset_id": dataset_id,
            "run": "DONE" if self.documents[doc_id] else "UNSTART",
            "chunk_count": len(self.documents[doc_id]),
            "meta_fields": {"author": "alice"} if doc_id == "d0" else {},
        }

    def _list_documents(self, dataset_id: str, **kw: Any) -> ModelList[Document]:
        self._record("list_documents", **kw)
        ids = [kw["id"]] if kw.get("id") else list(self.documents)
        return self._wrap_all(Document, [self._doc(dataset_id, i) for i in ids])

    def _iter_documents(
        self, dataset_id: str, page_size: int, **filters: Any
    ) -> Iterator[Document]:
        for doc_id in self.documents:
            self._record("document_page", id=doc_id, page_size=page_size)
            yield self._wrap(Document, self._doc(dataset_id, doc_id))

    def _iter_chunks(self, doc: Document, page_size: int, keywords: str | None) -> Iterator[Chunk]:
        self._record("chunks", document_id=doc.id, page_size=page_size)
        for i, text in enumerate(self.documents[doc.id]):
            yield self._wrap(
                Chunk,
                {"id": f"{doc.id}-{i}", "content": text, "document_id": doc.id, "dataset_id": "ds"},
            )

    def _upload_documents(self, dataset_id: str, document_list: list[Any]) -> ModelList[Document]:
        self._record("upload", dataset_id=dataset_id, name=document_list[0]["display_name"])
        return self._wrap_all(
            Document, [{"id": "new-doc", "name": document_list[0]["display_name"]}]
        )

    def _parse_documents(self, dataset_id: str, ids: list[str]) -> None:
        self._record("parse", dataset_id=dataset_id, ids=ids)
