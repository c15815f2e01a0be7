"""The synchronous client, :class:`RAGFlow`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, TypeVar, overload

import requests

from ._agent_stream import AgentAccumulator, AgentOpenAIAccumulator
from ._base_client import (
    BaseClient,
    ModelList,
    chat_fields,
    dataset_fields,
    ids_of,
    upload_files,
    window,
)
from ._client_agents import AgentMethods
from ._dialect import Dialect, format_version
from ._envelope import unwrap
from ._exceptions import APIConnectionError, ParseError, ParseTimeoutError, StreamError
from ._fanout import drive_sync
from ._http import Request, Response
from ._operations import (
    chats,
    chunks,
    completions,
    datasets,
    documents,
    ingest,
    lookup,
    retrieval,
    sessions,
    system,
)
from ._operations._core import Op
from ._operations.ingest import MakeBulk
from ._progress import progress_reporter
from ._streaming import AnswerAccumulator, OpenAIAccumulator, SSEDecoder
from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    Message,
)
from .types._base import fit
from .types.chat import Chat
from .types.dataset import DataSet
from .types.document import Document
from .types.ingest import IngestProgress, IngestResult, IngestSource, as_items
from .types.session import Session

__all__ = ["RAGFlow"]

T = TypeVar("T")
_Acc = AnswerAccumulator | OpenAIAccumulator | AgentAccumulator | AgentOpenAIAccumulator


class RAGFlow(AgentMethods, BaseClient):
    """A RAGFlow server, v0.13 to v0.27.

    ``RAGFlow(api_key, base_url)`` (or ``RAGFLOW_API_KEY`` / ``RAGFLOW_BASE_URL``); the
    base URL is the server root, e.g. ``http://localhost:9380``. The server's version is
    detected on first use unless pinned with ``server_version="v0.20"``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        version: str = "v1",
        *,
        server_version: str | None = None,
        timeout: float = 600.0,
        connect_timeout: float = 5.0,
        max_retries: int = 2,
        http_session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            version,
            server_version=server_version,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
        )
        from ._transport import SyncTransport

        self._transport = SyncTransport(
            self.base_url,
            self._api_key,
            timeout=self.timeout,
            max_retries=max_retries,
            session=http_session,
        )

    # -- plumbing -------------------------------------------------------------------------
    def __enter__(self) -> RAGFlow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def _drive(self, op: Op[T]) -> T:
        try:
            req = next(op)
            while True:
                req = op.send(self._transport.send(req))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _dialect(self) -> Dialect:
        if self._version is None:
            self._version = self._drive(system.detect_version())
        return Dialect(self._version)

    def _run(self, make: Callable[[Dialect], Op[T]]) -> T:
        return self._drive(make(self._dialect()))

    def _stream(self, req: Request, acc: _Acc) -> Iterator[Any]:
        stream = self._transport.stream(req)
        try:
            if (
                stream.status >= 400
                or "json" in Response(stream.status, stream.headers, b"").content_type
            ):
                data = unwrap(Response(stream.status, stream.headers, stream.read()), req)
                yield from acc.feed(_as_event(data))
                if isinstance(acc, AnswerAccumulator | AgentAccumulator) and not acc.done:
                    yield acc.finish()
                return
            decoder = SSEDecoder()
            try:
                for raw in stream.iter_bytes():
                    for payload in decoder.feed(raw):
                        yield from acc.feed(payload)
                        if acc.done:
                            return
            except APIConnectionError as exc:
                raise StreamError(
                    f"{req.describe()}: the stream broke after part of the answer ({exc.message})",
                    partial=acc.last,
                ) from exc
            for payload in decoder.flush():
                yield from acc.feed(payload)
            if not acc.done:
                raise StreamError(
                    f"{req.describe()}: the stream ended before the server's end marker",
                    partial=acc.last,
                )
        finally:
            stream.close()

    # -- server ---------------------------------------------------------------------------
    def server_version(self) -> str:
        """The server's version (pinned, or detected on first use), e.g. ``"v0.25.3"``."""
        return format_version(self._dialect().version)

    def health(self) -> dict[str, Any]:
        """The server's health report; raises when it is down or unhealthy."""
        return self._drive(system.health())

    # -- datasets -------------------------------------------------------------------------
    def create_dataset(
        self,
        name: str,
        avatar: str = "",
        description: str = "",
        language: str | None = "English",
        permission: str = "me",
        document_count: int = 0,
        chunk_count: int = 0,
        parse_method: str | None = None,
        parser_config: Any = None,
        *,
        chunk_method: str | None = None,
        embedding_model: str | None = None,
        **extra: Any,
    ) -> DataSet:
        """Create a dataset. Arguments the server's version refuses (``language`` after
        v0.18, the read-only counts) are not sent.
        """
        fields = dataset_fields(
            name,
            avatar,
            description,
            language,
            permission,
            parse_method,
            parser_config,
            chunk_method,
            embedding_model,
            extra,
        )
        return self._wrap(DataSet, self._run(lambda d: datasets.create(d, fields)))

    def list_datasets(
        self,
        page: int = 1,
        page_size: int = 1024,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
    ) -> ModelList[DataSet]:
        """One page of datasets (a filter that matches nothing is an error on the server)."""
        data = self._run(
            lambda d: datasets.list_window(
                d, page, page_size, orderby=orderby, desc=desc, id=id, name=name
            )
        )
        return self._wrap_all(DataSet, data)

    def iter_datasets(self, page_size: int = 100) -> Iterator[DataSet]:
        """Every dataset, a page at a time."""
        page = 1
        while True:
            batch = self.list_datasets(page=page, page_size=page_size)
            yield from batch
            if len(batch) < page_size:
                return
            page += 1

    def get_dataset(self, name: str | None = None, *, id: str | None = None) -> DataSet:
        """One dataset by name (or ``id=``)."""
        return self._wrap(DataSet, self._run(lambda d: datasets.get(d, id=id, name=name)))

    def delete_datasets(self, ids: list[str] | None = None, *, delete_all: bool = False) -> None:
        """Delete the named datasets. ``[]`` deletes nothing; without ``ids`` this raises
        unless ``delete_all=True``.
        """
        id_list = ids_of(ids, "ids")
        self._run(lambda d: datasets.delete(d, id_list, delete_all=delete_all))

    def _update_dataset(self, ds: DataSet, changes: dict[str, Any]) -> None:
        data = self._run(lambda d: datasets.update(d, ds.id, changes))
        _apply(ds, changes, data, DataSet)

    # -- documents ------------------------------------------------------------------------
    def upload_document(self, ds: DataSet | str, name: str, blob: bytes) -> Document:
        """Upload one file into a dataset; returns the new document."""
        return self._upload_documents(_id(ds), [{"display_name": name, "blob": blob}])[0]

    def create_document(self, ds: DataSet | str, name: str, blob: bytes) -> Document:
        """The draft API's other name for :meth:`upload_document`."""
        return self.upload_document(ds, name, blob)

    def _upload_documents(self, dataset_id: str, document_list: list[Any]) -> ModelList[Document]:
        files = upload_files(document_list)
        data = self._run(lambda d: documents.upload(d, dataset_id, files))
        return self._wrap_all(Document, data, dataset_id=dataset_id)

    def get_document(self, id: str | None = None, name: str | None = None) -> Document:
        """A document by id (or name), in whichever dataset holds it."""
        return self._wrap(Document, self._run(lambda d: lookup.find_document(d, id=id, name=name)))

    def _list_documents(self, dataset_id: str, **kw: Any) -> ModelList[Document]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        docs = self._run(
            lambda d: documents.list_window(d, dataset_id, (page - 1) * page_size, page_size, **kw)
        )
        return self._wrap_all(Document, docs, dataset_id=dataset_id)

    def _list_docs_window(
        self, dataset_id: str, keywords: str | None, offset: int, limit: int
    ) -> ModelList[Document]:
        start, count = window(offset, limit)
        docs = self._run(
            lambda d: documents.list_window(d, dataset_id, start, count, keywords=keywords)
        )
        return self._wrap_all(Document, docs, dataset_id=dataset_id)

    def _iter_documents(
        self, dataset_id: str, page_size: int, **filters: Any
    ) -> Iterator[Document]:
        page = 1
        while True:
            batch = self._list_documents(dataset_id, page=page, page_size=page_size, **filters)
            yield from batch
            if len(batch) < page_size:
                return
            page += 1

    def _update_document(self, doc: Document, changes: dict[str, Any]) -> None:
        data = self._run(lambda d: documents.update(d, doc.dataset_id, doc.id, changes))
        _apply(doc, changes, data, Document)

    def _download_document(self, dataset_id: str, document_id: str) -> bytes:
        return self._run(lambda d: documents.download(d, dataset_id, document_id))

    def _delete_documents(
        self, dataset_id: str, ids: list[str] | None, *, delete_all: bool = False
    ) -> None:
        id_list = ids_of(ids, "ids")
        self._run(lambda d: documents.delete(d, dataset_id, id_list, delete_all=delete_all))

    def _parse_documents(self, dataset_id: str, ids: list[str]) -> None:
        id_list = ids_of(ids, "document_ids") or []
        self._run(lambda d: documents.parse(d, dataset_id, id_list))

    def _cancel_parse(self, dataset_id: str, ids: list[str]) -> None:
        id_list = ids_of(ids, "document_ids") or []

        def op(d: Dialect) -> Op[None]:
            running = []
            for doc in (yield from documents.list_window(d, dataset_id, 0, None)):
                if doc.get("id") in id_list and fit(Document, doc).run == "RUNNING":
                    running.append(doc["id"])
            yield from documents.cancel_parse(d, dataset_id, running)

        self._run(op)

    def async_parse_documents(self, ids: list[str]) -> None:
        """Start parsing documents by id, in whichever datasets hold them."""
        id_list = ids_of(ids, "ids") or []

        def op(d: Dialect) -> Op[None]:
            for dataset_id, docs in (yield from lookup.locate_documents(d, id_list)).items():
                yield from documents.parse(d, dataset_id, [doc["id"] for doc in docs])

        self._run(op)

    def async_cancel_parse_documents(self, ids: list[str]) -> None:
        """Stop parsing documents by id; documents not being parsed are left alone."""
        id_list = ids_of(ids, "ids") or []

        def op(d: Dialect) -> Op[None]:
            for dataset_id, docs in (yield from lookup.locate_documents(d, id_list)).items():
                running = [doc["id"] for doc in docs if fit(Document, doc).run == "RUNNING"]
                yield from documents.cancel_parse(d, dataset_id, running)

        self._run(op)

    def _join(self, doc: Document, interval: float, timeout: float) -> Iterator[tuple[float, str]]:
        deadline = time.monotonic() + timeout
        while True:
            fresh = self._run(lambda d: documents.list_window(d, doc.dataset_id, 0, 1, id=doc.id))
            if fresh:
                doc._refresh(fit(Document, {"dataset_id": doc.dataset_id, **fresh[0]}))
            if doc.run == "FAIL" or doc.progress < 0:
                raise ParseError(
                    f"parsing {doc.name!r} failed: {doc.progress_msg.strip() or 'no message'}",
                    document_id=doc.id,
                )
            if doc.run == "CANCEL":
                raise ParseError(f"parsing {doc.name!r} was cancelled", document_id=doc.id)
            yield doc.progress, doc.progress_msg
            if doc.run == "DONE":
                return
            if time.monotonic() + interval > deadline:
                raise ParseTimeoutError(
                    f"parsing {doc.name!r} did not finish within {timeout} s "
                    f"(progress {doc.progress:.0%})",
                    document_id=doc.id,
                )
            time.sleep(interval)

    # -- bulk ingestion -------------------------------------------------------------------
    _sleep = staticmethod(time.sleep)
    _clock = staticmethod(time.monotonic)

    def ingest(
        self,
        dataset: DataSet | str,
        items: Iterable[IngestSource],
        *,
        wait: bool = True,
        timeout: float = 3600.0,
        reparse_failed: bool = True,
        show_progress: bool = False,
        on_progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestResult:
        """Put many documents into a dataset, parse them and (``wait``) wait for them.

        ``items`` are :class:`IngestItem` objects (bytes or text, metadata, your
        ``source_id``), ``(name, bytes)`` pairs or file paths. Several files go in one
        upload request, parsing starts in one request and each poll costs a listing per
        100 documents. Idempotent: the content hash and source id are kept in each
        document's ``meta_fields``, so unchanged items upload nothing, changed ones replace
        their document once the new one is parsed, and a run cut short resumes. Parsing
        that failed before is tried again (``reparse_failed``). Waiting ends ``timeout``
        seconds after parsing started. Progress goes to ``on_progress`` and, with
        ``show_progress``, a tqdm bar; the ``ragflow_integrations`` logger logs it.

        One document failing does not stop the others: the :class:`IngestResult` names
        each document's id, state, chunk and token counts and error
        (``result.raise_for_failures()`` turns failures into an :class:`IngestError`).
        Needs RAGFlow v0.17+ (``meta_fields``).
        """
        batch = as_items(items)
        dataset_id = _id(dataset)
        policy = ingest.Policy(wait=wait, timeout=timeout, reparse_failed=reparse_failed)
        return self._bulk(
            lambda d, report: ingest.ingest(d, dataset_id, batch, policy, self._clock, report),
            len(batch),
            "ingest",
            show_progress,
            on_progress,
        )

    def reparse(
        self,
        dataset: DataSet | str,
        document_ids: list[str],
        *,
        wait: bool = True,
        timeout: float = 3600.0,
        show_progress: bool = False,
        on_progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestResult:
        """Parse these documents again (``[d.document_id for d in result.failed]``) and wait
        for them as :meth:`ingest` does.
        """
        ids = ids_of(document_ids, "document_ids") or []
        dataset_id = _id(dataset)
        policy = ingest.Policy(wait=wait, timeout=timeout)
        return self._bulk(
            lambda d, report: ingest.reparse(d, dataset_id, ids, policy, self._clock, report),
            len(ids),
            "reparse",
            show_progress,
            on_progress,
        )

    def _bulk(
        self,
        make: MakeBulk,
        total: int,
        description: str,
        show_progress: bool,
        on_progress: Callable[[IngestProgress], None] | None,
    ) -> IngestResult:
        """Drive a bulk operation, reporting its progress; counts its requests."""
        d = self._dialect()
        with progress_reporter(total, show_progress, on_progress, description) as report:
            result, counts = drive_sync(self._transport, make(d, report), self._sleep)
        result.requests = counts
        return result

    def find_ingested(
        self, dataset: DataSet | str, source_ids: list[str]
    ) -> dict[str, list[Document]]:
        """The documents stored under each source id, newest first (a document ingested
        without one answers to its own id); unknown ids are left out.
        """
        dataset_id = _id(dataset)
        found = self._run(lambda d: ingest.find(d, dataset_id, list(source_ids)))
        return {
            key: self._wrap_all(Document, docs, dataset_id=dataset_id)
            for key, docs in found.items()
        }

    def delete_ingested(self, dataset: DataSet | str, source_ids: list[str]) -> list[str]:
        """Delete the documents stored under these source ids, and only them; returns the
        deleted documents' ids.
        """
        dataset_id = _id(dataset)
        return self._run(lambda d: ingest.delete_sources(d, dataset_id, list(source_ids)))

    # -- chunks ---------------------------------------------------------------------------
    def _add_chunk(
        self, doc: Document, content: str, keywords: list[str] | None, questions: list[str] | None
    ) -> Chunk:
        data = self._run(
            lambda d: chunks.add(d, doc.dataset_id, doc.id, content, keywords, questions)
        )
        return self._wrap(Chunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    def _list_chunks(self, doc: Document, **kw: Any) -> ModelList[Chunk]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        data = self._run(
            lambda d: chunks.list_window(
                d, doc.dataset_id, doc.id, (page - 1) * page_size, page_size, **kw
            )
        )
        return self._wrap_all(Chunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    def _list_chunks_window(
        self, doc: Document, keywords: str | None, offset: int, limit: int, id: str | None
    ) -> ModelList[Chunk]:
        start, count = window(offset, limit)
        data = self._run(
            lambda d: chunks.list_window(d, doc.dataset_id, doc.id, start, count, keywords, id)
        )
        return self._wrap_all(Chunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    def _iter_chunks(self, doc: Document, page_size: int, keywords: str | None) -> Iterator[Chunk]:
        page = 1
        while True:
            batch = self._list_chunks(doc, page=page, page_size=page_size, keywords=keywords)
            yield from batch
            if len(batch) < page_size:
                return
            page += 1

    def _update_chunk(self, chunk: Chunk, changes: dict[str, Any]) -> None:
        self._run(
            lambda d: chunks.update(d, chunk.dataset_id, chunk.document_id, chunk.id, changes)
        )
        _apply(chunk, changes, None, Chunk)

    def _delete_chunks(
        self,
        dataset_id: str,
        document_id: str,
        ids: list[str] | None,
        *,
        delete_all: bool = False,
    ) -> None:
        id_list = ids_of(ids, "ids")
        self._run(
            lambda d: chunks.delete(d, dataset_id, document_id, id_list, delete_all=delete_all)
        )

    # -- retrieval ------------------------------------------------------------------------
    def retrieval(
        self,
        question: str,
        datasets: list[DataSet] | list[str] | None = None,
        documents: list[Document] | list[str] | None = None,
        offset: int = 0,
        limit: int = 6,
        similarity_threshold: float = 0.2,
        vector_similarity_weight: float = 0.3,
        top_k: int = 1024,
        *,
        rerank_id: str | None = None,
        keyword: bool | None = None,
        highlight: bool | None = None,
        metadata_condition: dict[str, Any] | None = None,
        cross_languages: list[str] | None = None,
        use_kg: bool | None = None,
        toc_enhance: bool | None = None,
        filter: Any = None,
        **extra: Any,
    ) -> ModelList[Chunk]:
        """Retrieve chunks (the draft API): records ``offset`` to ``offset + limit``.

        ``datasets``/``documents`` are objects or ids. Newer options are sent where the
        server's version has them and raise :class:`UnsupportedFeatureError` where not.
        ``filter`` filters on document metadata exactly on every version.
        """
        return self._retrieve(
            question,
            ids_of(datasets, "datasets") or [],
            ids_of(documents, "documents"),
            offset,
            limit,
            filter,
            dict(
                similarity_threshold=similarity_threshold,
                vector_similarity_weight=vector_similarity_weight,
                top_k=top_k,
                rerank_id=rerank_id,
                keyword=keyword,
                highlight=highlight,
                metadata_condition=metadata_condition,
                cross_languages=cross_languages,
                use_kg=use_kg,
                toc_enhance=toc_enhance,
                **extra,
            ),
        )

    def retrieve(
        self,
        dataset_ids: list[str] | None = None,
        document_ids: list[str] | None = None,
        question: str = "",
        page: int = 1,
        page_size: int = 30,
        similarity_threshold: float = 0.2,
        vector_similarity_weight: float = 0.3,
        top_k: int = 1024,
        rerank_id: str | None = None,
        keyword: bool = False,
        cross_languages: list[str] | None = None,
        metadata_condition: dict[str, Any] | None = None,
        use_kg: bool = False,
        toc_enhance: bool = False,
        *,
        highlight: bool | None = None,
        filter: Any = None,
        **extra: Any,
    ) -> ModelList[Chunk]:
        """Retrieve chunks (the released SDK's signature): one page of results."""
        return self.retrieval(
            question,
            dataset_ids,
            document_ids,
            offset=(page - 1) * page_size,
            limit=page_size,
            similarity_threshold=similarity_threshold,
            vector_similarity_weight=vector_similarity_weight,
            top_k=top_k,
            rerank_id=rerank_id,
            keyword=keyword,
            highlight=highlight,
            metadata_condition=metadata_condition,
            cross_languages=cross_languages,
            use_kg=use_kg,
            toc_enhance=toc_enhance,
            filter=filter,
            **extra,
        )

    def _retrieve(
        self,
        question: str,
        dataset_ids: list[str],
        document_ids: list[str] | None,
        start: int,
        count: int,
        filter: Any,
        options: dict[str, Any],
    ) -> ModelList[Chunk]:
        page, skip = _page_of(start, count)
        found = self._run(
            lambda d: retrieval.retrieve(
                d,
                question,
                dataset_ids,
                document_ids,
                page=page,
                page_size=count + skip,
                filter=filter,
                **options,
            )
        )
        return self._wrap_all(Chunk, found[skip:])

    # -- chats ----------------------------------------------------------------------------
    def create_chat(
        self,
        name: str,
        avatar: str = "",
        knowledgebases: list[DataSet] | list[str] | None = None,
        llm: Any = None,
        prompt: Any = None,
        *,
        dataset_ids: list[str] | None = None,
        **extra: Any,
    ) -> Chat:
        """Create a chat assistant over datasets (``knowledgebases=[DataSet...]`` or
        ``dataset_ids=[...]``); ``llm`` and ``prompt`` take the draft's keys as dicts or
        :class:`LLM`/:class:`Prompt` objects, translated for v0.25+ servers.
        """
        fields = chat_fields(name, avatar, knowledgebases, dataset_ids, llm, prompt, extra)
        return self._wrap(Chat, self._run(lambda d: chats.create(d, fields)))

    def list_chats(
        self,
        page: int = 1,
        page_size: int = 1024,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
    ) -> ModelList[Chat]:
        """One page of chat assistants."""

        def op(d: Dialect) -> Op[list[dict[str, Any]]]:
            cap = d.max_page_size or page_size

            def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
                return (
                    yield from chats.list_page(
                        d, p, size, orderby=orderby, desc=desc, id=id, name=name
                    )
                )

            from ._operations._core import fetch_window

            return (
                yield from fetch_window(one, (page - 1) * page_size, page_size, min(page_size, cap))
            )

        return self._wrap_all(Chat, self._run(op))

    def get_chat(self, id: str | None = None, name: str | None = None) -> Chat:
        """One chat assistant by id or name."""
        return self._wrap(Chat, self._run(lambda d: chats.get(d, id=id, name=name)))

    def delete_chats(self, ids: list[str] | None = None, *, delete_all: bool = False) -> None:
        """Delete the named chat assistants. ``[]`` deletes nothing; without ``ids`` this
        raises unless ``delete_all=True``.
        """
        id_list = ids_of(ids, "ids")
        self._run(lambda d: chats.delete(d, id_list, delete_all=delete_all))

    def _update_chat(self, chat: Chat, changes: dict[str, Any]) -> None:
        current = chat.model_dump()
        data = self._run(lambda d: chats.update(d, chat.id, current, changes))
        if data is None:
            data = self._run(lambda d: chats.get(d, id=chat.id))
        chat._refresh(fit(Chat, data))

    # -- sessions -------------------------------------------------------------------------
    def _create_session(self, chat_id: str, name: str, user_id: str | None) -> Session:
        data = self._run(lambda d: sessions.create(d, chat_id, name, user_id))
        return self._wrap(Session, data, chat_id=chat_id)

    def _list_sessions(self, chat_id: str, **kw: Any) -> ModelList[Session]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        data = self._run(lambda d: sessions.list_page(d, chat_id, page, page_size, **kw))
        return self._wrap_all(Session, data, chat_id=chat_id)

    def _get_session(self, chat_id: str, session_id: str) -> Session:
        data = self._run(lambda d: sessions.get(d, chat_id, session_id))
        return self._wrap(Session, data, chat_id=chat_id)

    def session(self, chat_id: str, session_id: str) -> Session:
        """A handle on an existing session, made without a request (``ask`` continues it)."""
        return self._wrap(Session, {"id": session_id, "chat_id": chat_id})

    def _update_session(self, sess: Session, changes: dict[str, Any]) -> None:
        self._run(lambda d: sessions.update(d, sess.chat_id, sess.id, changes))
        _apply(sess, changes, None, Session)

    def _delete_sessions(
        self, chat_id: str, ids: list[str] | None, *, delete_all: bool = False
    ) -> None:
        id_list = ids_of(ids, "ids")
        self._run(lambda d: sessions.delete(d, chat_id, id_list, delete_all=delete_all))

    def _ask(self, sess: Session, question: str, extra: dict[str, Any]) -> Message:
        return self._run(lambda d: completions.ask(d, sess.chat_id, sess.id, question, extra))

    def _ask_stream(self, sess: Session, question: str, extra: dict[str, Any]) -> Iterator[Message]:
        d = self._dialect()
        history = self._drive(completions.history_for(d, sess.chat_id, sess.id))
        req = completions.ask_request(
            d, sess.chat_id, sess.id, question, stream=True, extra=extra, history=history
        )
        yield from self._stream(req, completions.stream_accumulator(d, extra))

    # -- OpenAI-compatible ----------------------------------------------------------------
    @overload
    def openai_chat_completion(
        self,
        chat_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[False] = False,
        reference: bool = True,
        *,
        model: str | None = None,
        **generation: Any,
    ) -> ChatCompletion: ...

    @overload
    def openai_chat_completion(
        self,
        chat_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[True],
        reference: bool = True,
        *,
        model: str | None = None,
        **generation: Any,
    ) -> Iterator[ChatCompletionChunk]: ...

    def openai_chat_completion(
        self,
        chat_id: str,
        messages: list[dict[str, Any]],
        stream: bool = False,
        reference: bool = True,
        *,
        model: str | None = None,
        **generation: Any,
    ) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        """Ask through the OpenAI-compatible endpoint (v0.17+): the answer, its references
        and usage; with ``stream=True`` an iterator of deltas whose last item carries them.
        """
        d = self._dialect()
        req = completions.openai_request(
            d,
            chat_id,
            messages,
            stream=stream,
            reference=reference,
            model=model,
            generation=dict(generation),
        )
        if stream:
            return self._stream(req, OpenAIAccumulator())

        def op(_: Dialect) -> Op[ChatCompletion]:
            resp = yield req
            if resp.status < 400 and resp.body.lstrip().startswith(b"{"):
                import json

                raw = json.loads(resp.body)
                if isinstance(raw, dict) and "choices" in raw:
                    return completions.parse_openai(raw, req)
            unwrap(resp, req)
            return completions.parse_openai({}, req)

        return self._run(op)


def _id(obj: Any) -> str:
    value = obj if isinstance(obj, str) else getattr(obj, "id", None)
    if not isinstance(value, str) or not value:
        from ._exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"expected an object with an id or an id string, got {obj!r}")
    return value


def _apply(model: Any, changes: dict[str, Any], data: Any, cls: type[Any]) -> None:
    """After an update: take the server's copy if it sent one, else the changes we sent."""
    if isinstance(data, dict) and data.get("id"):
        model._refresh(fit(cls, data))
        return
    for key, value in changes.items():
        key = {
            "parse_method": "chunk_method",
            "parser_method": "chunk_method",
            "knowledgebases": "dataset_ids",
        }.get(key, key)
        if key in type(model).model_fields:
            setattr(model, key, value)
    model._saved = model.model_dump()


def _page_of(start: int, count: int) -> tuple[int, int]:
    """A server page holding records ``[start, start + count)``, and how many to skip in it."""
    if count < 1:
        from ._exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"limit must be >= 1, got {count}")
    if start % count == 0:
        return start // count + 1, 0
    # Fetch one larger page from the first record; the cap is handled by the operation.
    return 1, start


def _as_event(data: Any) -> str:
    """A JSON (non-SSE) answer to a stream request, as one event payload."""
    import json

    return json.dumps({"code": 0, "data": data})
