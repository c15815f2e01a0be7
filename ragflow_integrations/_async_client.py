"""The asynchronous client, :class:`AsyncRAGFlow` (native async on httpx)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Literal, TypeVar, overload

import httpx

from ._agent_stream import AgentAccumulator, AgentOpenAIAccumulator
from ._base_client import (
    BaseClient,
    ModelList,
    chat_fields,
    dataset_fields,
    ids_of,
    upload_files,
)
from ._client import _apply, _as_event, _id, _page_of
from ._client_agents import AsyncAgentMethods
from ._dialect import Dialect, format_version
from ._envelope import unwrap
from ._exceptions import APIConnectionError, StreamError
from ._fanout import drive_async
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
from ._operations._core import Op, fetch_window
from ._operations.ingest import MakeBulk
from ._progress import progress_reporter
from ._streaming import AnswerAccumulator, OpenAIAccumulator, SSEDecoder
from ._transport import AsyncTransport
from .types import ChatCompletion, ChatCompletionChunk, Chunk, Message
from .types.chat import AsyncChat
from .types.dataset import AsyncDataSet
from .types.document import AsyncDocument
from .types.ingest import IngestProgress, IngestResult, IngestSource, as_items
from .types.session import AsyncSession

__all__ = ["AsyncRAGFlow"]

T = TypeVar("T")
_Acc = AnswerAccumulator | OpenAIAccumulator | AgentAccumulator | AgentOpenAIAccumulator


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
        timeout: float = 600.0,
        connect_timeout: float = 5.0,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
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
        self._transport = AsyncTransport(
            self.base_url,
            self._api_key,
            timeout=self.timeout,
            max_retries=max_retries,
            client=http_client,
        )

    async def __aenter__(self) -> AsyncRAGFlow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._transport.aclose()

    async def _drive(self, op: Op[T]) -> T:
        try:
            req = next(op)
            while True:
                req = op.send(await self._transport.send(req))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _dialect(self) -> Dialect:
        if self._version is None:
            self._version = await self._drive(system.detect_version())
        return Dialect(self._version)

    async def _run(self, make: Callable[[Dialect], Op[T]]) -> T:
        return await self._drive(make(await self._dialect()))

    async def _stream(self, req: Request, acc: _Acc) -> AsyncIterator[Any]:
        stream = await self._transport.stream(req)
        try:
            if (
                stream.status >= 400
                or "json" in Response(stream.status, stream.headers, b"").content_type
            ):
                data = unwrap(Response(stream.status, stream.headers, await stream.aread()), req)
                for item in acc.feed(_as_event(data)):
                    yield item
                if isinstance(acc, AnswerAccumulator | AgentAccumulator) and not acc.done:
                    yield acc.finish()
                return
            decoder = SSEDecoder()
            try:
                async for raw in stream.aiter_bytes():
                    for payload in decoder.feed(raw):
                        for item in acc.feed(payload):
                            yield item
                        if acc.done:
                            return
            except APIConnectionError as exc:
                raise StreamError(
                    f"{req.describe()}: the stream broke after part of the answer ({exc.message})",
                    partial=acc.last,
                ) from exc
            for payload in decoder.flush():
                for item in acc.feed(payload):
                    yield item
            if not acc.done:
                raise StreamError(
                    f"{req.describe()}: the stream ended before the server's end marker",
                    partial=acc.last,
                )
        finally:
            await stream.aclose()

    # -- server ---------------------------------------------------------------------------
    async def server_version(self) -> str:
        """The server's version (pinned, or detected on first use)."""
        return format_version((await self._dialect()).version)

    async def health(self) -> dict[str, Any]:
        """The server's health report; raises when it is down or unhealthy."""
        return await self._drive(system.health())

    # -- datasets -------------------------------------------------------------------------
    async def create_dataset(
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
    ) -> AsyncDataSet:
        """Create a dataset (see :meth:`RAGFlow.create_dataset`)."""
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
        return self._wrap(AsyncDataSet, await self._run(lambda d: datasets.create(d, fields)))

    async def list_datasets(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
    ) -> ModelList[AsyncDataSet]:
        """One page of datasets."""
        data = await self._run(
            lambda d: datasets.list_window(
                d, page, page_size, orderby=orderby, desc=desc, id=id, name=name
            )
        )
        return self._wrap_all(AsyncDataSet, data)

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

    async def get_dataset(self, name: str | None = None, *, id: str | None = None) -> AsyncDataSet:
        """One dataset by name (or ``id=``)."""
        return self._wrap(
            AsyncDataSet, await self._run(lambda d: datasets.get(d, id=id, name=name))
        )

    async def delete_datasets(
        self, ids: list[str] | None = None, *, delete_all: bool = False
    ) -> None:
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

    async def get_document(self, id: str | None = None, name: str | None = None) -> AsyncDocument:
        """A document by id (or name), in whichever dataset holds it."""
        data = await self._run(lambda d: lookup.find_document(d, id=id, name=name))
        return self._wrap(AsyncDocument, data)

    async def _list_documents(self, dataset_id: str, **kw: Any) -> ModelList[AsyncDocument]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        docs = await self._run(
            lambda d: documents.list_window(d, dataset_id, (page - 1) * page_size, page_size, **kw)
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

    async def async_parse_documents(self, ids: list[str]) -> None:
        """Start parsing documents by id, in whichever datasets hold them."""
        id_list = ids_of(ids, "ids") or []

        def op(d: Dialect) -> Op[None]:
            for dataset_id, docs in (yield from lookup.locate_documents(d, id_list)).items():
                yield from documents.parse(d, dataset_id, [doc["id"] for doc in docs])

        await self._run(op)

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
    async def _list_chunks(self, doc: AsyncDocument, **kw: Any) -> ModelList[Chunk]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        data = await self._run(
            lambda d: chunks.list_window(
                d, doc.dataset_id, doc.id, (page - 1) * page_size, page_size, **kw
            )
        )
        return self._wrap_all(Chunk, data, dataset_id=doc.dataset_id, document_id=doc.id)

    async def _iter_chunks(
        self, doc: AsyncDocument, page_size: int, keywords: str | None
    ) -> AsyncIterator[Chunk]:
        page = 1
        while True:
            batch = await self._list_chunks(doc, page=page, page_size=page_size, keywords=keywords)
            for item in batch:
                yield item
            if len(batch) < page_size:
                return
            page += 1

    # -- retrieval ------------------------------------------------------------------------
    async def retrieval(
        self,
        question: str,
        datasets: list[Any] | None = None,
        documents: list[Any] | None = None,
        offset: int = 0,
        limit: int = 6,
        similarity_threshold: float = 0.2,
        vector_similarity_weight: float = 0.3,
        top_k: int = 1024,
        *,
        filter: Any = None,
        **options: Any,
    ) -> ModelList[Chunk]:
        """Retrieve chunks (see :meth:`RAGFlow.retrieval`)."""
        options.update(
            similarity_threshold=similarity_threshold,
            vector_similarity_weight=vector_similarity_weight,
            top_k=top_k,
        )
        return await self._retrieve(
            question,
            ids_of(datasets, "datasets") or [],
            ids_of(documents, "documents"),
            offset,
            limit,
            filter,
            options,
        )

    async def retrieve(
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
        """Retrieve chunks (see :meth:`RAGFlow.retrieve`)."""
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
    ) -> ModelList[Chunk]:
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
        return self._wrap_all(Chunk, found[skip:])

    # -- chats and sessions ---------------------------------------------------------------
    async def create_chat(
        self,
        name: str,
        avatar: str = "",
        knowledgebases: list[Any] | None = None,
        llm: Any = None,
        prompt: Any = None,
        *,
        dataset_ids: list[str] | None = None,
        **extra: Any,
    ) -> AsyncChat:
        """Create a chat assistant (see :meth:`RAGFlow.create_chat`)."""
        fields = chat_fields(name, avatar, knowledgebases, dataset_ids, llm, prompt, extra)
        return self._wrap(AsyncChat, await self._run(lambda d: chats.create(d, fields)))

    async def list_chats(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
    ) -> ModelList[AsyncChat]:
        """One page of chat assistants."""

        def op(d: Dialect) -> Op[list[dict[str, Any]]]:
            cap = d.max_page_size or page_size

            def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
                return (
                    yield from chats.list_page(
                        d, p, size, orderby=orderby, desc=desc, id=id, name=name
                    )
                )

            return (
                yield from fetch_window(one, (page - 1) * page_size, page_size, min(page_size, cap))
            )

        return self._wrap_all(AsyncChat, await self._run(op))

    async def get_chat(self, id: str | None = None, name: str | None = None) -> AsyncChat:
        """One chat assistant by id or name."""
        return self._wrap(AsyncChat, await self._run(lambda d: chats.get(d, id=id, name=name)))

    async def delete_chats(self, ids: list[str] | None = None, *, delete_all: bool = False) -> None:
        """Delete the named chat assistants (see :meth:`RAGFlow.delete_chats`)."""
        id_list = ids_of(ids, "ids")
        await self._run(lambda d: chats.delete(d, id_list, delete_all=delete_all))

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
        async for message in self._stream(req, completions.stream_accumulator(d, extra)):
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
        resp = await self._transport.send(req)
        if resp.status < 400 and resp.body.lstrip().startswith(b"{"):
            raw = json.loads(resp.body)
            if isinstance(raw, dict) and "choices" in raw:
                return completions.parse_openai(raw, req)
        unwrap(resp, req)
        return completions.parse_openai({}, req)
