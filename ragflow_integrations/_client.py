"""The synchronous client, :class:`RAGFlow`."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, TypeVar, overload

import requests

from ._base_client import (
    BaseClient,
    ModelList,
    chat_fields,
    dataset_fields,
    ids_of,
    join_progress,
    join_timed_out,
    page_number,
    upload_files,
    window,
)
from ._checks import checked
from ._client_agents import AgentMethods
from ._dialect import MAX_VERSION, Dialect, format_version
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    InvalidArgumentError,
    NotFoundError,
    ParseTimeoutError,
)
from ._fanout import drive_sync
from ._http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_STREAM_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    Request,
    Response,
)
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
from ._raw import RawResponse, VerbTransport, raw_request, replaced_verbs
from ._streaming import Accumulator, OpenAIAccumulator, StreamReader
from ._transport import SyncTransport
from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    Message,
)
from .types._base import fit
from .types.chat import Chat
from .types.configs import LLM, LLMSetting, ParserConfig, Prompt, PromptConfig
from .types.dataset import DataSet, ParseStatus
from .types.document import Document
from .types.ingest import IngestProgress, IngestResult, IngestSource, as_items
from .types.session import Session

__all__ = ["RAGFlow"]

T = TypeVar("T")


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
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        stream_idle_timeout: float = DEFAULT_STREAM_IDLE_TIMEOUT,
        max_retries: int = 2,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        http_session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            version,
            server_version=server_version,
            timeout=timeout,
            connect_timeout=connect_timeout,
            stream_idle_timeout=stream_idle_timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
            max_event_size=max_event_size,
        )
        self._transport = SyncTransport(
            self.base_url,
            self._api_key,
            timeout=self.timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
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

    def _drive(self, op: Op[T], transport: Any = None) -> T:
        """Run an operation as one call: all its requests share the call's deadline.

        Requests go through ``transport``, or through this client's raw calls where SDK
        code replaced them (the object's replacement wins), or the client's transport.
        """
        if transport is None:
            transport = self._transport
            if replaced_verbs(self) and not isinstance(transport, VerbTransport):
                transport = VerbTransport(self, transport)
        deadline = self._transport.deadline()
        try:
            req = next(op)
            while True:
                req = op.send(transport.send(req, deadline))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _dialect(self) -> Dialect:
        return Dialect(
            self._version or self._adopt(self._drive(system.detect_version(), self._transport))
        )

    def _via(self, owner: Any) -> RAGFlow:
        """This client sending through ``owner``'s replaced raw calls (SDK code that faked
        them). Requests are then built for the newest dialect unless the version is known,
        since the server behind the replacement cannot be asked.
        """
        view = copy.copy(self)
        view._transport = VerbTransport(owner, self._transport)  # type: ignore[assignment]
        view._version = self._version or MAX_VERSION
        return view

    # -- the official SDK's raw calls ---------------------------------------------------
    def _raw(self, req: Request) -> RawResponse:
        if not req.stream:
            resp = self._transport.send(req)
            return RawResponse(resp.status, resp.headers, resp.body)
        stream = self._transport.stream(req)

        def body() -> Iterator[bytes]:
            try:
                yield from stream.iter_bytes()
            finally:
                stream.close()

        return RawResponse(stream.status, stream.headers, body())

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> RawResponse:
        """``GET {base_url}/api/v1{path}``: the answer as it came (see :class:`RawResponse`),
        with this client's timeouts and retries; no error is raised for a refusal.
        """
        return self._raw(raw_request("GET", path, params=params, json=json))

    def post(
        self, path: str, json: Any = None, stream: bool = False, files: Any = None
    ) -> RawResponse:
        """``POST {base_url}/api/v1{path}`` with a JSON body, or ``files`` as ``requests``
        takes them; ``stream=True`` reads the body as it arrives (``iter_lines()``).
        """
        return self._raw(raw_request("POST", path, json=json, files=files, stream=stream))

    def put(self, path: str, json: Any = None) -> RawResponse:
        """``PUT {base_url}/api/v1{path}``; the answer as it came."""
        return self._raw(raw_request("PUT", path, json=json))

    def patch(self, path: str, json: Any = None) -> RawResponse:
        """``PATCH {base_url}/api/v1{path}``; the answer as it came."""
        return self._raw(raw_request("PATCH", path, json=json))

    def delete(self, path: str, json: Any = None) -> RawResponse:
        """``DELETE {base_url}/api/v1{path}``; the answer as it came."""
        return self._raw(raw_request("DELETE", path, json=json))

    def _run(self, make: Callable[[Dialect], Op[T]]) -> T:
        return self._drive(make(self._dialect()))

    def _stream(self, req: Request, acc: Accumulator) -> Iterator[Any]:
        stream = self._transport.stream(req)
        reader = StreamReader(req, acc, max_event_size=self.max_event_size, on_event=stream.touch)
        try:
            if reader.is_whole(stream.status, stream.headers):
                yield from reader.whole(Response(stream.status, stream.headers, stream.read()))
                return
            chunks = stream.iter_bytes()
            while not reader.done:
                try:
                    raw = next(chunks, None)
                except (APIConnectionError, APIResponseValidationError) as exc:
                    raise reader.broken(exc) from exc
                if raw is None:
                    yield from reader.end()
                    return
                yield from reader.feed(raw)
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
    @checked
    def create_dataset(
        self,
        name: str,
        avatar: str | None = None,
        description: str | None = None,
        language: str | None = None,
        permission: str = "me",
        *,
        chunk_method: str = "naive",
        parse_method: str | None = None,
        parser_config: ParserConfig | Mapping[str, Any] | None = None,
        embedding_model: str | None = None,
        auto_metadata_config: dict[str, Any] | None = None,
        **fields: Any,
    ) -> DataSet:
        """Create a dataset. Arguments after ``permission`` are keywords; other fields the
        server's version takes (``parse_type``, ``pipeline_id``, ``ext`` ...) are passed as
        keywords too, and any other keyword raises. ``None`` leaves a field to the server.
        """
        named = dataset_fields(
            name,
            avatar,
            description,
            language,
            permission,
            chunk_method,
            parse_method,
            parser_config,
            embedding_model,
            auto_metadata_config,
        )
        return self._wrap(DataSet, self._run(lambda d: datasets.create(d, named, fields)))

    @checked
    def list_datasets(
        self,
        page: int = 1,
        page_size: int = 1024,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        ids: list[str] | None = None,
        name: str | None = None,
    ) -> ModelList[DataSet]:
        """One page of datasets (a filter that matches nothing is an error on the server);
        ``ids`` lists several at once (v0.27+).
        """

        def op(d: Dialect) -> Op[list[dict[str, Any]]]:
            if ids:
                d.require("dataset_list_ids", "list_datasets(ids=...)")
            return (
                yield from datasets.list_window(
                    d, page, page_size, orderby=orderby, desc=desc, id=id, name=name, ids=ids
                )
            )

        return self._wrap_all(DataSet, self._run(op))

    def iter_datasets(self, page_size: int = 100) -> Iterator[DataSet]:
        """Every dataset, a page at a time."""
        page = 1
        while True:
            batch = self.list_datasets(page=page, page_size=page_size)
            yield from batch
            if len(batch) < page_size:
                return
            page += 1

    @checked
    def get_dataset(self, name: str | None = None, *, id: str | None = None) -> DataSet:
        """One dataset by name (or ``id=``); raises :class:`NotFoundError` when none has it."""
        if id:
            return self._wrap(DataSet, self._run(lambda d: datasets.get(d, id=id)))
        if not name:
            raise InvalidArgumentError("get_dataset needs a name or an id")
        found = self.list_datasets(name=name, page_size=1)
        if not found:
            raise NotFoundError(f"Dataset {name} not found")
        return found[0]

    @checked
    def delete_datasets(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
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
        docs = self._run(lambda d: documents.list_paged(d, dataset_id, page, page_size, **kw))
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

    def _wait_parsed(
        self, ds: DataSet, ids: list[str], interval: float, timeout: float
    ) -> list[ParseStatus]:
        deadline = time.monotonic() + timeout
        pending, ended = list(ids), []
        while True:
            for doc_id in list(pending):
                found = ds.list_documents(id=doc_id)
                status = parse_status(doc_id, found)
                if status is not None:
                    ended.append(status)
                    pending.remove(doc_id)
            if not pending:
                return ended
            if time.monotonic() + interval > deadline:
                raise ParseTimeoutError(
                    f"parsing of {pending} did not end within {timeout} s", document_id=pending[0]
                )
            time.sleep(interval)

    def _auto_metadata(self, dataset_id: str, config: dict[str, Any] | None) -> dict[str, Any]:
        return self._run(lambda d: datasets.auto_metadata(d, dataset_id, config))

    def _cancel_parse(self, dataset_id: str, ids: list[str]) -> None:
        id_list = ids_of(ids, "document_ids") or []
        self._run(lambda d: documents.cancel_running(d, dataset_id, id_list))

    def async_parse_documents(self, ids: list[str]) -> None:
        """Start parsing documents by id, in whichever datasets hold them."""
        id_list = ids_of(ids, "ids") or []
        self._run(lambda d: lookup.parse_anywhere(d, id_list))

    def async_cancel_parse_documents(self, ids: list[str]) -> None:
        """Stop parsing documents by id; documents not being parsed are left alone."""
        id_list = ids_of(ids, "ids") or []
        self._run(lambda d: lookup.cancel_anywhere(d, id_list))

    def _join(self, doc: Document, interval: float, timeout: float) -> Iterator[tuple[float, str]]:
        deadline = time.monotonic() + timeout
        while True:
            fresh = self._run(lambda d: documents.list_window(d, doc.dataset_id, 0, 1, id=doc.id))
            yield join_progress(doc, fresh)
            if doc.run == "DONE":
                return
            if time.monotonic() + interval > deadline:
                raise join_timed_out(doc, timeout)
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
        self,
        doc: Document,
        content: str,
        keywords: list[str] | None,
        questions: list[str] | None,
        image_base64: str | None = None,
        tag_kwd: list[str] | None = None,
    ) -> Chunk:
        data = self._run(
            lambda d: chunks.add(
                d, doc.dataset_id, doc.id, content, keywords, questions, image_base64, tag_kwd
            )
        )
        return self._wrap(Chunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    def _list_chunks(self, doc: Document, **kw: Any) -> ModelList[Chunk]:
        page = page_number(kw.pop("page"), 1, "page")
        page_size = page_number(kw.pop("page_size"), 30, "page_size")
        data = self._run(
            lambda d: chunks.list_paged(d, doc.dataset_id, doc.id, page, page_size, **kw)
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

    @checked
    def retrieve(
        self,
        dataset_ids: list[str] | None,
        document_ids: list[str] | None = None,
        question: str = "",
        page: int | str = 1,
        page_size: int | str = 30,
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
        """Retrieve chunks (the released SDK's signature): one page of results.
        ``dataset_ids`` may be ``None`` when ``document_ids`` name the documents.
        """
        page, page_size = page_number(page, 1, "page"), page_number(page_size, 30, "page_size")
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
    @checked
    def create_chat(
        self,
        name: str,
        avatar: str | None = "",
        knowledgebases: list[DataSet] | list[str] | None = None,
        llm: LLM | Mapping[str, Any] | str | None = None,
        prompt: Prompt | Mapping[str, Any] | None = None,
        *,
        icon: str | None = None,
        dataset_ids: list[str] | None = None,
        llm_id: str | None = None,
        llm_setting: LLMSetting | Mapping[str, Any] | None = None,
        prompt_config: PromptConfig | Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> Chat:
        """Create a chat assistant over datasets (``dataset_ids=[...]`` or
        ``knowledgebases=[DataSet...]``). Settings in either schema, translated for the
        server's version: the released SDK's ``llm_id``/``llm_setting``/``prompt_config``
        (and ``icon``), or the draft's ``llm``/``prompt`` (dicts or :class:`LLM`/
        :class:`Prompt`). Other keywords (``top_n``, ``rerank_id`` ...) are sent as given.
        """
        dialog = {
            "icon": icon,
            "dataset_ids": dataset_ids,
            "llm_id": llm_id,
            "llm_setting": llm_setting,
            "prompt_config": prompt_config,
        }
        fields = chat_fields(name, avatar, knowledgebases, llm, prompt, dialog, extra)
        return self._wrap(Chat, self._run(lambda d: chats.create(d, fields)))

    @checked
    def list_chats(
        self,
        page: int = 1,
        page_size: int = 1024,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
        keywords: str | None = None,
        owner_ids: str | list[str] | None = None,
    ) -> ModelList[Chat]:
        """One page of chat assistants; ``keywords`` (in the name) and ``owner_ids`` filter
        them on v0.25+; ``page_size=0`` is sent as given (all of them, on v0.27).
        """
        data = self._run(
            lambda d: chats.list_window(
                d,
                page,
                page_size,
                orderby=orderby,
                desc=desc,
                id=id,
                name=name,
                keywords=keywords,
                owner_ids=owner_ids,
            )
        )
        return self._wrap_all(Chat, data)

    @checked
    def get_chat(self, id: str | None = None, name: str | None = None) -> Chat:
        """One chat assistant by id or name."""
        return self._wrap(Chat, self._run(lambda d: chats.get(d, id=id, name=name)))

    @checked
    def delete_chats(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
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
        yield from self._stream(req, completions.stream_accumulator(extra))

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
        return self._drive(completions.openai_answer(req))


def _id(obj: Any) -> str:
    value = obj if isinstance(obj, str) else getattr(obj, "id", None)
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(f"expected an object with an id or an id string, got {obj!r}")
    return value


def _apply(model: Any, changes: dict[str, Any], data: Any, cls: type[Any]) -> None:
    """After an update: take the server's copy if it sent one, else the changes we sent
    (validated as the server's copy would be).
    """
    if isinstance(data, dict) and data.get("id"):
        model._refresh(fit(cls, data))
        return
    current = model.model_dump()
    for key, value in changes.items():
        key = {
            "parse_method": "chunk_method",
            "parser_method": "chunk_method",
            "knowledgebases": "dataset_ids",
        }.get(key, key)
        if key in type(model).model_fields:
            current[key] = value
    model._refresh(fit(cls, current))


def parse_status(doc_id: str, found: list[Any]) -> ParseStatus | None:
    """``(id, run, chunk_count, token_count)`` once a listed document's parsing ended."""
    if not found:
        raise NotFoundError(f"Document {doc_id} not found while waiting for parsing to end")
    doc = found[0]
    run = str(doc.run).upper()
    if run not in ("DONE", "FAIL", "CANCEL") and float(doc.progress or 0) < 1.0:
        return None
    if run not in ("FAIL", "CANCEL"):
        run = "DONE"
    return doc_id, run, int(doc.chunk_count or 0), int(doc.token_count or 0)


def _page_of(start: int, count: int) -> tuple[int, int]:
    """A server page holding records ``[start, start + count)``, and how many to skip in it."""
    if count < 1:
        raise InvalidArgumentError(f"limit must be >= 1, got {count}")
    if start % count == 0:
        return start // count + 1, 0
    # Fetch one larger page from the first record; the cap is handled by the operation.
    return 1, start
