"""The asynchronous client, :class:`AsyncRAGFlow` (native async on httpx)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar, overload

import httpx

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
from ._client import _apply, _id, _page_of, parse_status
from ._client_agents import AsyncAgentMethods
from ._dialect import Dialect, format_version
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    InvalidArgumentError,
    NotFoundError,
    ParseTimeoutError,
)
from ._fanout import drive_async
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
from ._raw import AsyncRawResponse, raw_request
from ._streaming import Accumulator, OpenAIAccumulator, StreamReader
from ._transport import AsyncTransport
from .types import AsyncChunk, ChatCompletion, ChatCompletionChunk, Message
from .types._base import fit
from .types.chat import AsyncChat
from .types.configs import LLM, LLMSetting, ParserConfig, Prompt, PromptConfig
from .types.dataset import AsyncDataSet, ParseStatus
from .types.document import AsyncDocument
from .types.ingest import IngestProgress, IngestResult, IngestSource, as_items
from .types.session import AsyncSession

__all__ = ["AsyncRAGFlow"]

T = TypeVar("T")


class AsyncRAGFlow(AsyncAgentMethods, BaseClient):
    """The async twin of :class:`RAGFlow`: the same operations as coroutines, on one
    ``httpx.AsyncClient`` pool. Use ``async with AsyncRAGFlow(...) as rag:`` or
    ``await rag.aclose()``.
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
        http_client: httpx.AsyncClient | None = None,
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
        self._transport = AsyncTransport(
            self.base_url,
            self._api_key,
            timeout=self.timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
            client=http_client,
        )

    async def __aenter__(self) -> AsyncRAGFlow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool of the running event loop.

        Pools used on event loops that have ended (each ``asyncio.run()`` runs one) were
        closed when their loop shut down.
        """
        await self._transport.aclose()

    async def _drive(self, op: Op[T]) -> T:
        """Run an operation as one call: all its requests share the call's deadline."""
        deadline = self._transport.deadline()
        try:
            req = next(op)
            while True:
                req = op.send(await self._transport.send(req, deadline))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _dialect(self) -> Dialect:
        return Dialect(self._version or self._adopt(await self._drive(system.detect_version())))

    async def _run(self, make: Callable[[Dialect], Op[T]]) -> T:
        return await self._drive(make(await self._dialect()))

    async def _stream(self, req: Request, acc: Accumulator) -> AsyncIterator[Any]:
        stream = await self._transport.stream(req)
        reader = StreamReader(req, acc, max_event_size=self.max_event_size, on_event=stream.touch)
        try:
            if reader.is_whole(stream.status, stream.headers):
                answer = Response(stream.status, stream.headers, await stream.aread())
                for item in reader.whole(answer):
                    yield item
                return
            chunks = stream.aiter_bytes()
            while not reader.done:
                try:
                    raw = await anext(chunks, None)
                except (APIConnectionError, APIResponseValidationError) as exc:
                    raise reader.broken(exc) from exc
                if raw is None:
                    for item in reader.end():
                        yield item
                    return
                for item in reader.feed(raw):
                    yield item
        finally:
            await stream.aclose()

    # -- the official SDK's raw calls, as coroutines ---------------------------------------
    async def _raw(self, req: Request) -> AsyncRawResponse:
        if not req.stream:
            resp = await self._transport.send(req)
            return AsyncRawResponse(resp.status, resp.headers, resp.body)
        stream = await self._transport.stream(req)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in stream.aiter_bytes():
                    yield chunk
            finally:
                await stream.aclose()

        return AsyncRawResponse(stream.status, stream.headers, body())

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> AsyncRawResponse:
        """``GET {base_url}/api/v1{path}``: the answer as it came (see :meth:`RAGFlow.get`)."""
        return await self._raw(raw_request("GET", path, params=params, json=json))

    async def post(
        self, path: str, json: Any = None, stream: bool = False, files: Any = None
    ) -> AsyncRawResponse:
        """``POST {base_url}/api/v1{path}``; with ``stream=True`` read the body with
        ``aiter_lines()``.
        """
        return await self._raw(raw_request("POST", path, json=json, files=files, stream=stream))

    async def put(self, path: str, json: Any = None) -> AsyncRawResponse:
        """``PUT {base_url}/api/v1{path}``; the answer as it came."""
        return await self._raw(raw_request("PUT", path, json=json))

    async def patch(self, path: str, json: Any = None) -> AsyncRawResponse:
        """``PATCH {base_url}/api/v1{path}``; the answer as it came."""
        return await self._raw(raw_request("PATCH", path, json=json))

    async def delete(self, path: str, json: Any = None) -> AsyncRawResponse:
        """``DELETE {base_url}/api/v1{path}``; the answer as it came."""
        return await self._raw(raw_request("DELETE", path, json=json))

    # -- server ---------------------------------------------------------------------------
    async def server_version(self) -> str:
        """The server's version (pinned, or detected on first use)."""
        return format_version((await self._dialect()).version)

    async def health(self) -> dict[str, Any]:
        """The server's health report; raises when it is down or unhealthy."""
        return await self._drive(system.health())

    # -- datasets -------------------------------------------------------------------------
    @checked
    async def create_dataset(
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
    ) -> AsyncDataSet:
        """Create a dataset (see :meth:`RAGFlow.create_dataset`)."""
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
        data = await self._run(lambda d: datasets.create(d, named, fields))
        return self._wrap(AsyncDataSet, data)

    @checked
    async def list_datasets(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        ids: list[str] | None = None,
        name: str | None = None,
    ) -> ModelList[AsyncDataSet]:
        """One page of datasets (see :meth:`RAGFlow.list_datasets`)."""

        def op(d: Dialect) -> Op[list[dict[str, Any]]]:
            if ids:
                d.require("dataset_list_ids", "list_datasets(ids=...)")
            return (
                yield from datasets.list_window(
                    d, page, page_size, orderby=orderby, desc=desc, id=id, name=name, ids=ids
                )
            )

        return self._wrap_all(AsyncDataSet, await self._run(op))

    async def iter_datasets(self, page_size: int = 100) -> AsyncIterator[AsyncDataSet]:
        """Every dataset, a page at a time."""
        page = 1
        while True:
            batch = await self.list_datasets(page=page, page_size=page_size)
            for item in batch:
                yield item
            if len(batch) < page_size:
                return
            page += 1

    @checked
    async def get_dataset(self, name: str | None = None, *, id: str | None = None) -> AsyncDataSet:
        """One dataset by name (or ``id=``); raises :class:`NotFoundError` when none has it."""
        if id:
            return self._wrap(AsyncDataSet, await self._run(lambda d: datasets.get(d, id=id)))
        if not name:
            raise InvalidArgumentError("get_dataset needs a name or an id")
        found = await self.list_datasets(name=name, page_size=1)
        if not found:
            raise NotFoundError(f"Dataset {name} not found")
        return found[0]

    @checked
    async def delete_datasets(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named datasets (see :meth:`RAGFlow.delete_datasets`)."""
        id_list = ids_of(ids, "ids")
        await self._run(lambda d: datasets.delete(d, id_list, delete_all=delete_all))

    async def _update_dataset(self, ds: AsyncDataSet, changes: dict[str, Any]) -> None:
        data = await self._run(lambda d: datasets.update(d, ds.id, changes))
        _apply(ds, changes, data, AsyncDataSet)

    # -- documents ------------------------------------------------------------------------
    async def _upload_documents(
        self, dataset_id: str, document_list: list[Any]
    ) -> ModelList[AsyncDocument]:
        files = upload_files(document_list)
        data = await self._run(lambda d: documents.upload(d, dataset_id, files))
        return self._wrap_all(AsyncDocument, data, dataset_id=dataset_id)

    async def upload_document(
        self, ds: AsyncDataSet | str, name: str, blob: bytes
    ) -> AsyncDocument:
        """Upload one file into a dataset; returns the new document."""
        return (await self._upload_documents(_id(ds), [{"display_name": name, "blob": blob}]))[0]

    async def create_document(
        self, ds: AsyncDataSet | str, name: str, blob: bytes
    ) -> AsyncDocument:
        """The draft API's other name for :meth:`upload_document`."""
        return await self.upload_document(ds, name, blob)

    async def get_document(self, id: str | None = None, name: str | None = None) -> AsyncDocument:
        """A document by id (or name), in whichever dataset holds it."""
        data = await self._run(lambda d: lookup.find_document(d, id=id, name=name))
        return self._wrap(AsyncDocument, data)

    async def _list_documents(self, dataset_id: str, **kw: Any) -> ModelList[AsyncDocument]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        docs = await self._run(lambda d: documents.list_paged(d, dataset_id, page, page_size, **kw))
        return self._wrap_all(AsyncDocument, docs, dataset_id=dataset_id)

    async def _list_docs_window(
        self, dataset_id: str, keywords: str | None, offset: int, limit: int
    ) -> ModelList[AsyncDocument]:
        start, count = window(offset, limit)
        docs = await self._run(
            lambda d: documents.list_window(d, dataset_id, start, count, keywords=keywords)
        )
        return self._wrap_all(AsyncDocument, docs, dataset_id=dataset_id)

    async def _iter_documents(
        self, dataset_id: str, page_size: int, **filters: Any
    ) -> AsyncIterator[AsyncDocument]:
        page = 1
        while True:
            batch = await self._list_documents(
                dataset_id, page=page, page_size=page_size, **filters
            )
            for item in batch:
                yield item
            if len(batch) < page_size:
                return
            page += 1

    async def _update_document(self, doc: AsyncDocument, changes: dict[str, Any]) -> None:
        data = await self._run(lambda d: documents.update(d, doc.dataset_id, doc.id, changes))
        _apply(doc, changes, data, AsyncDocument)

    async def _download_document(self, dataset_id: str, document_id: str) -> bytes:
        return await self._run(lambda d: documents.download(d, dataset_id, document_id))

    async def _delete_documents(
        self, dataset_id: str, ids: list[str] | None, *, delete_all: bool = False
    ) -> None:
        id_list = ids_of(ids, "ids")
        await self._run(lambda d: documents.delete(d, dataset_id, id_list, delete_all=delete_all))

    async def _parse_documents(self, dataset_id: str, ids: list[str]) -> None:
        id_list = ids_of(ids, "document_ids") or []
        await self._run(lambda d: documents.parse(d, dataset_id, id_list))

    async def _cancel_parse(self, dataset_id: str, ids: list[str]) -> None:
        id_list = ids_of(ids, "document_ids") or []
        await self._run(lambda d: documents.cancel_running(d, dataset_id, id_list))

    async def _wait_parsed(
        self, ds: AsyncDataSet, ids: list[str], interval: float, timeout: float
    ) -> list[ParseStatus]:
        deadline = time.monotonic() + timeout
        pending, ended = list(ids), []
        while True:
            for doc_id in list(pending):
                status = parse_status(doc_id, await ds.list_documents(id=doc_id))
                if status is not None:
                    ended.append(status)
                    pending.remove(doc_id)
            if not pending:
                return ended
            if time.monotonic() + interval > deadline:
                raise ParseTimeoutError(
                    f"parsing of {pending} did not end within {timeout} s", document_id=pending[0]
                )
            await asyncio.sleep(interval)

    async def _auto_metadata(
        self, dataset_id: str, config: dict[str, Any] | None
    ) -> dict[str, Any]:
        return await self._run(lambda d: datasets.auto_metadata(d, dataset_id, config))

    async def async_parse_documents(self, ids: list[str]) -> None:
        """Start parsing documents by id, in whichever datasets hold them."""
        id_list = ids_of(ids, "ids") or []
        await self._run(lambda d: lookup.parse_anywhere(d, id_list))

    async def async_cancel_parse_documents(self, ids: list[str]) -> None:
        """Stop parsing documents by id; documents not being parsed are left alone."""
        id_list = ids_of(ids, "ids") or []
        await self._run(lambda d: lookup.cancel_anywhere(d, id_list))

    async def _join(
        self, doc: AsyncDocument, interval: float, timeout: float
    ) -> AsyncIterator[tuple[float, str]]:
        deadline = time.monotonic() + timeout
        while True:
            fresh = await self._run(
                lambda d: documents.list_window(d, doc.dataset_id, 0, 1, id=doc.id)
            )
            yield join_progress(doc, fresh)
            if doc.run == "DONE":
                return
            if time.monotonic() + interval > deadline:
                raise join_timed_out(doc, timeout)
            await asyncio.sleep(interval)

    # -- bulk ingestion -------------------------------------------------------------------
    _sleep = staticmethod(asyncio.sleep)
    _clock = staticmethod(time.monotonic)

    async def ingest(
        self,
        dataset: AsyncDataSet | str,
        items: Iterable[IngestSource],
        *,
        wait: bool = True,
        timeout: float = 3600.0,
        reparse_failed: bool = True,
        show_progress: bool = False,
        on_progress: Callable[[IngestProgress], None] | None = None,
        max_concurrency: int = 8,
    ) -> IngestResult:
        """Put many documents into a dataset and parse them (see :meth:`RAGFlow.ingest`);
        requests that may go together are sent at most ``max_concurrency`` at a time.
        """
        batch = as_items(items)
        dataset_id = _id(dataset)
        policy = ingest.Policy(wait=wait, timeout=timeout, reparse_failed=reparse_failed)
        return await self._bulk(
            lambda d, report: ingest.ingest(d, dataset_id, batch, policy, self._clock, report),
            len(batch),
            "ingest",
            show_progress,
            on_progress,
            max_concurrency,
        )

    async def reparse(
        self,
        dataset: AsyncDataSet | str,
        document_ids: list[str],
        *,
        wait: bool = True,
        timeout: float = 3600.0,
        show_progress: bool = False,
        on_progress: Callable[[IngestProgress], None] | None = None,
        max_concurrency: int = 8,
    ) -> IngestResult:
        """Parse these documents again and wait for them (see :meth:`RAGFlow.reparse`)."""
        ids = ids_of(document_ids, "document_ids") or []
        dataset_id = _id(dataset)
        policy = ingest.Policy(wait=wait, timeout=timeout)
        return await self._bulk(
            lambda d, report: ingest.reparse(d, dataset_id, ids, policy, self._clock, report),
            len(ids),
            "reparse",
            show_progress,
            on_progress,
            max_concurrency,
        )

    async def _bulk(
        self,
        make: MakeBulk,
        total: int,
        description: str,
        show_progress: bool,
        on_progress: Callable[[IngestProgress], None] | None,
        limit: int,
    ) -> IngestResult:
        """Drive a bulk operation, reporting its progress; counts its requests."""
        d = await self._dialect()
        with progress_reporter(total, show_progress, on_progress, description) as report:
            result, counts = await drive_async(self._transport, make(d, report), self._sleep, limit)
        result.requests = counts
        return result

    async def find_ingested(
        self, dataset: AsyncDataSet | str, source_ids: list[str]
    ) -> dict[str, list[AsyncDocument]]:
        """The documents stored under each source id (see :meth:`RAGFlow.find_ingested`)."""
        dataset_id = _id(dataset)
        found = await self._run(lambda d: ingest.find(d, dataset_id, list(source_ids)))
        return {
            key: self._wrap_all(AsyncDocument, docs, dataset_id=dataset_id)
            for key, docs in found.items()
        }

    async def delete_ingested(
        self, dataset: AsyncDataSet | str, source_ids: list[str]
    ) -> list[str]:
        """Delete the documents stored under these source ids, and only them."""
        dataset_id = _id(dataset)
        return await self._run(lambda d: ingest.delete_sources(d, dataset_id, list(source_ids)))

    # -- chunks ---------------------------------------------------------------------------
    async def _add_chunk(
        self,
        doc: AsyncDocument,
        content: str,
        keywords: list[str] | None,
        questions: list[str] | None,
        image_base64: str | None = None,
        tag_kwd: list[str] | None = None,
    ) -> AsyncChunk:
        data = await self._run(
            lambda d: chunks.add(
                d, doc.dataset_id, doc.id, content, keywords, questions, image_base64, tag_kwd
            )
        )
        return self._wrap(AsyncChunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    async def _list_chunks(self, doc: AsyncDocument, **kw: Any) -> ModelList[AsyncChunk]:
        page = page_number(kw.pop("page"), 1, "page")
        page_size = page_number(kw.pop("page_size"), 30, "page_size")
        data = await self._run(
            lambda d: chunks.list_paged(d, doc.dataset_id, doc.id, page, page_size, **kw)
        )
        return self._wrap_all(AsyncChunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    async def _list_chunks_window(
        self, doc: AsyncDocument, keywords: str | None, offset: int, limit: int, id: str | None
    ) -> ModelList[AsyncChunk]:
        start, count = window(offset, limit)
        data = await self._run(
            lambda d: chunks.list_window(d, doc.dataset_id, doc.id, start, count, keywords, id)
        )
        return self._wrap_all(AsyncChunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    async def _iter_chunks(
        self, doc: AsyncDocument, page_size: int, keywords: str | None
    ) -> AsyncIterator[AsyncChunk]:
        page = 1
        while True:
            batch = await self._list_chunks(doc, page=page, page_size=page_size, keywords=keywords)
            for item in batch:
                yield item
            if len(batch) < page_size:
                return
            page += 1

    async def _update_chunk(self, chunk: AsyncChunk, changes: dict[str, Any]) -> None:
        await self._run(
            lambda d: chunks.update(d, chunk.dataset_id, chunk.document_id, chunk.id, changes)
        )
        _apply(chunk, changes, None, AsyncChunk)

    async def _delete_chunks(
        self,
        dataset_id: str,
        document_id: str,
        ids: list[str] | None,
        *,
        delete_all: bool = False,
    ) -> None:
        id_list = ids_of(ids, "ids")
        await self._run(
            lambda d: chunks.delete(d, dataset_id, document_id, id_list, delete_all=delete_all)
        )

    # -- retrieval ------------------------------------------------------------------------
    async def retrieval(
        self,
        question: str,
        datasets: list[AsyncDataSet] | list[str] | None = None,
        documents: list[AsyncDocument] | list[str] | None = None,
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
    ) -> ModelList[AsyncChunk]:
        """Retrieve chunks (see :meth:`RAGFlow.retrieval`)."""
        return await self._retrieve(
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
    async def retrieve(
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
    ) -> ModelList[AsyncChunk]:
        """Retrieve chunks (see :meth:`RAGFlow.retrieve`)."""
        page, page_size = page_number(page, 1, "page"), page_number(page_size, 30, "page_size")
        return await self.retrieval(
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

    async def _retrieve(
        self,
        question: str,
        dataset_ids: list[str],
        document_ids: list[str] | None,
        start: int,
        count: int,
        filter: Any,
        options: dict[str, Any],
    ) -> ModelList[AsyncChunk]:
        page, skip = _page_of(start, count)
        found = await self._run(
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
        return self._wrap_all(AsyncChunk, found[skip:])

    # -- chats and sessions ---------------------------------------------------------------
    @checked
    async def create_chat(
        self,
        name: str,
        avatar: str | None = "",
        knowledgebases: list[AsyncDataSet] | list[str] | None = None,
        llm: LLM | Mapping[str, Any] | str | None = None,
        prompt: Prompt | Mapping[str, Any] | None = None,
        *,
        icon: str | None = None,
        dataset_ids: list[str] | None = None,
        llm_id: str | None = None,
        llm_setting: LLMSetting | Mapping[str, Any] | None = None,
        prompt_config: PromptConfig | Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> AsyncChat:
        """Create a chat assistant (see :meth:`RAGFlow.create_chat`)."""
        dialog = {
            "icon": icon,
            "dataset_ids": dataset_ids,
            "llm_id": llm_id,
            "llm_setting": llm_setting,
            "prompt_config": prompt_config,
        }
        fields = chat_fields(name, avatar, knowledgebases, llm, prompt, dialog, extra)
        return self._wrap(AsyncChat, await self._run(lambda d: chats.create(d, fields)))

    @checked
    async def list_chats(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
        keywords: str | None = None,
        owner_ids: str | list[str] | None = None,
    ) -> ModelList[AsyncChat]:
        """One page of chat assistants (see :meth:`RAGFlow.list_chats`)."""
        data = await self._run(
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
        return self._wrap_all(AsyncChat, data)

    @checked
    async def get_chat(self, id: str | None = None, name: str | None = None) -> AsyncChat:
        """One chat assistant by id or name."""
        return self._wrap(AsyncChat, await self._run(lambda d: chats.get(d, id=id, name=name)))

    @checked
    async def delete_chats(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named chat assistants (see :meth:`RAGFlow.delete_chats`)."""
        id_list = ids_of(ids, "ids")
        await self._run(lambda d: chats.delete(d, id_list, delete_all=delete_all))

    async def _update_chat(self, chat: AsyncChat, changes: dict[str, Any]) -> None:
        current = chat.model_dump()
        data = await self._run(lambda d: chats.update(d, chat.id, current, changes))
        if data is None:
            data = await self._run(lambda d: chats.get(d, id=chat.id))
        chat._refresh(fit(AsyncChat, data))

    async def _create_session(self, chat_id: str, name: str, user_id: str | None) -> AsyncSession:
        data = await self._run(lambda d: sessions.create(d, chat_id, name, user_id))
        return self._wrap(AsyncSession, data, chat_id=chat_id)

    async def _list_sessions(self, chat_id: str, **kw: Any) -> ModelList[AsyncSession]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        data = await self._run(lambda d: sessions.list_page(d, chat_id, page, page_size, **kw))
        return self._wrap_all(AsyncSession, data, chat_id=chat_id)

    async def _get_session(self, chat_id: str, session_id: str) -> AsyncSession:
        data = await self._run(lambda d: sessions.get(d, chat_id, session_id))
        return self._wrap(AsyncSession, data, chat_id=chat_id)

    def session(self, chat_id: str, session_id: str) -> AsyncSession:
        """A handle on an existing session, made without a request (``ask`` continues it)."""
        return self._wrap(AsyncSession, {"id": session_id, "chat_id": chat_id})

    async def _update_session(self, sess: AsyncSession, changes: dict[str, Any]) -> None:
        await self._run(lambda d: sessions.update(d, sess.chat_id, sess.id, changes))
        _apply(sess, changes, None, AsyncSession)

    async def _delete_sessions(
        self, chat_id: str, ids: list[str] | None, *, delete_all: bool = False
    ) -> None:
        id_list = ids_of(ids, "ids")
        await self._run(lambda d: sessions.delete(d, chat_id, id_list, delete_all=delete_all))

    async def _ask(self, sess: AsyncSession, question: str, extra: dict[str, Any]) -> Message:
        return await self._run(lambda d: completions.ask(d, sess.chat_id, sess.id, question, extra))

    async def _ask_stream(
        self, sess: AsyncSession, question: str, extra: dict[str, Any]
    ) -> AsyncIterator[Message]:
        d = await self._dialect()
        history = await self._drive(completions.history_for(d, sess.chat_id, sess.id))
        req = completions.ask_request(
            d, sess.chat_id, sess.id, question, stream=True, extra=extra, history=history
        )
        async for message in self._stream(req, completions.stream_accumulator(extra)):
            yield message

    # -- OpenAI-compatible ----------------------------------------------------------------
    @overload
    async def openai_chat_completion(
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
    async def openai_chat_completion(
        self,
        chat_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[True],
        reference: bool = True,
        *,
        model: str | None = None,
        **generation: Any,
    ) -> AsyncIterator[ChatCompletionChunk]: ...

    async def openai_chat_completion(
        self,
        chat_id: str,
        messages: list[dict[str, Any]],
        stream: bool = False,
        reference: bool = True,
        *,
        model: str | None = None,
        **generation: Any,
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        """Ask through the OpenAI-compatible endpoint (see :meth:`RAGFlow.openai_chat_completion`);
        with ``stream=True`` the awaited result is an async iterator of deltas.
        """
        d = await self._dialect()
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
        return await self._drive(completions.openai_answer(req))
