"""What each operation sends, per server version, driven with scripted answers (no IO)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ragflow_integrations import (
    DeleteAllRequiredError,
    Dialect,
    InvalidArgumentError,
    LLMSetting,
    ParserConfig,
    RAGFlowError,
    UnsupportedFeatureError,
)
from ragflow_integrations._http import Request, Response, encode_multipart
from ragflow_integrations._operations import (
    chats,
    chunks,
    completions,
    datasets,
    documents,
    retrieval,
    sessions,
)
from ragflow_integrations._operations._core import Op

ALL = [
    "v0.13",
    "v0.16",
    "v0.19",
    "v0.20",
    "v0.22",
    "v0.23",
    "v0.24",
    "v0.25.0",
    "v0.25.3",
    "v0.25.6",
    "v0.26",
    "v0.27",
]


def ok(data: Any = None) -> Response:
    return Response(
        200, {"Content-Type": "application/json"}, json.dumps({"code": 0, "data": data}).encode()
    )


def drive(
    op: Op[Any], answer: Callable[[Request], Response] = lambda r: ok()
) -> tuple[Any, list[Request]]:
    sent: list[Request] = []
    try:
        req = next(op)
        while True:
            sent.append(req)
            req = op.send(answer(req))
    except StopIteration as stop:
        return stop.value, sent


def d(version: str) -> Dialect:
    return Dialect.of(version)


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(
    ("resource", "call"),
    [
        ("datasets", lambda dl, ids, **kw: datasets.delete(dl, ids, **kw)),
        ("documents", lambda dl, ids, **kw: documents.delete(dl, "ds", ids, **kw)),
        ("chunks", lambda dl, ids, **kw: chunks.delete(dl, "ds", "doc", ids, **kw)),
        ("chats", lambda dl, ids, **kw: chats.delete(dl, ids, **kw)),
        ("sessions", lambda dl, ids, **kw: sessions.delete(dl, "chat", ids, **kw)),
    ],
)
def test_bulk_deletes_are_explicit(version: str, resource: str, call: Any) -> None:
    dialect = d(version)
    with pytest.raises(DeleteAllRequiredError, match="delete_all=True"):
        drive(call(dialect, None))
    assert drive(call(dialect, []))[1] == [], "an empty list sends nothing"
    _, sent = drive(call(dialect, ["a1"]))
    key = "chunk_ids" if resource == "chunks" else "ids"
    assert [r.json for r in sent] == [{key: ["a1"]}]
    _, sent = drive(call(dialect, None, delete_all=True))
    body = sent[0].json
    if dialect.version >= (0, 25, 0):
        assert body == {"delete_all": True}
    elif resource == "datasets" and dialect.version >= (0, 19, 0):
        assert body == {"ids": None}
    else:
        assert body == {}
    with pytest.raises(InvalidArgumentError):
        drive(call(dialect, ["a1"], delete_all=True))


@pytest.mark.parametrize("version", ALL)
def test_dataset_create_refuses_what_the_version_does_not_take(version: str) -> None:
    fields = {"name": "kb", "parse_method": "qa", "permission": "me", "avatar": None}
    _, sent = drive(datasets.create(d(version), fields), lambda r: ok({"id": "x"}))
    body = sent[0].json
    assert body == {"name": "kb", "chunk_method": "qa", "permission": "me"}
    # A field the version does not take is refused before anything is sent, never dropped.
    takes_language = d(version).version < (0, 19, 0)
    with_language = {**fields, "language": "English"}
    if takes_language:
        _, sent = drive(datasets.create(d(version), with_language), lambda r: ok({"id": "x"}))
        assert sent[0].json["language"] == "English"
    else:
        with pytest.raises(InvalidArgumentError, match="'language': Extra inputs"):
            drive(datasets.create(d(version), with_language))
    for read_only in ("document_count", "chunk_count", "id"):
        with pytest.raises(InvalidArgumentError, match=f"'{read_only}'"):
            drive(datasets.create(d(version), {**fields, read_only: 3}))
        with pytest.raises(InvalidArgumentError, match="unexpected keyword argument"):
            drive(datasets.create(d(version), fields, {read_only: 3}))


@pytest.mark.parametrize("version", ALL)
def test_document_update_method_and_pages(version: str) -> None:
    dialect = d(version)
    _, sent = drive(documents.update(dialect, "ds", "doc", {"parser_method": "manual"}))
    assert sent[0].method == ("PATCH" if dialect.version >= (0, 25, 0) else "PUT")
    assert sent[0].json == {"chunk_method": "manual"}
    _, sent = drive(
        documents.list_page(dialect, "ds", 2, 10, desc=False),
        lambda r: ok({"docs": [], "total": 0}),
    )
    params = dict(sent[0].params)
    if dialect.version < (0, 14, 0):
        assert params["offset"] == "2" and params["limit"] == "10" and "page" not in params
    else:
        assert params["page"] == "2" and params["page_size"] == "10"
    assert params["desc"] == "False"


def test_page_size_cap_is_met_with_several_requests() -> None:
    pages = {1: list(range(100)), 2: list(range(100, 150))}

    def answer(req: Request) -> Response:
        params = dict(req.params)
        assert int(params["page_size"]) <= 100
        return ok([{"id": str(i)} for i in pages.get(int(params["page"]), [])])

    result, sent = drive(datasets.list_window(d("v0.27"), 1, 1024), answer)
    assert len(result) == 150 and len(sent) == 2
    _, sent = drive(datasets.list_window(d("v0.24"), 1, 1024), lambda r: ok([]))
    assert dict(sent[0].params)["page_size"] == "1024"


@pytest.mark.parametrize("version", ["v0.13", "v0.16", "v0.20", "v0.23", "v0.24", "v0.27"])
def test_retrieval_body(version: str) -> None:
    dialect = d(version)
    op = retrieval.retrieve(
        dialect,
        "q",
        ["ds"],
        None,
        page=2,
        page_size=5,
        similarity_threshold=0.1,
        highlight=True,
        use_kg=False,
    )
    _, sent = drive(op, lambda r: ok({"chunks": [], "total": 0}))
    body = sent[0].json
    assert body["question"] == "q" and body["dataset_ids"] == ["ds"]
    assert body["similarity_threshold"] == 0.1
    if dialect.version < (0, 14, 0):
        assert (body["offset"], body["limit"]) == (2, 5)
    else:
        assert (body["page"], body["page_size"]) == (2, 5)
    assert body["highlight"] == ("true" if dialect.version < (0, 24, 0) else True)
    if dialect.version < (0, 16, 0):
        assert "use_kg" not in body  # False is what old servers do anyway
    else:
        assert body["use_kg"] is False
    asked = retrieval.retrieve(dialect, "q", ["ds"], use_kg=True)
    if dialect.version < (0, 16, 0):
        with pytest.raises(UnsupportedFeatureError, match="use_kg"):
            drive(asked)
    else:
        assert drive(asked, lambda r: ok({}))[1][0].json["use_kg"] is True


@pytest.mark.parametrize("version", ["v0.13", "v0.20", "v0.23", "v0.24", "v0.27"])
def test_retrieval_turns_highlighting_off_by_default(version: str) -> None:
    """Up to v0.23 the server highlights unless sent the string "false"; from v0.24 it does not."""
    dialect = d(version)
    _, sent = drive(retrieval.retrieve(dialect, "q", ["ds"]), lambda r: ok({"chunks": []}))
    if dialect.version < (0, 24, 0):
        assert sent[0].json["highlight"] == "false"
    else:
        assert "highlight" not in sent[0].json
    _, sent = drive(
        retrieval.retrieve(dialect, "q", ["ds"], highlight=False), lambda r: ok({"chunks": []})
    )
    assert sent[0].json["highlight"] == ("false" if dialect.version < (0, 24, 0) else False)


def test_retrieval_options_the_version_lacks() -> None:
    with pytest.raises(UnsupportedFeatureError, match=r"toc_enhance.*v0\.23\.0.*v0\.22"):
        drive(retrieval.retrieve(d("v0.22"), "q", ["ds"], toc_enhance=True))
    with pytest.raises(UnsupportedFeatureError, match="cross_languages"):
        drive(retrieval.retrieve(d("v0.19"), "q", ["ds"], cross_languages=["German"]))
    with pytest.raises(InvalidArgumentError, match="dataset"):
        drive(retrieval.retrieve(d("v0.27"), "q", []))


def test_retrieval_filter_routes() -> None:
    # v0.27 evaluates a flat filter exactly: one request with a metadata_condition.
    _, sent = drive(
        retrieval.retrieve(d("v0.27"), "q", ["ds"], filter={"author": "alice"}),
        lambda r: ok({"chunks": []}),
    )
    assert sent[0].json["metadata_condition"] == {
        "logic": "and",
        "conditions": [{"name": "author", "comparison_operator": "is", "value": "alice"}],
    }
    # v0.20: the documents' metadata is read and the retrieval restricted to the matches.
    docs = {
        "docs": [
            {"id": "a", "meta_fields": {"author": "alice"}},
            {"id": "b", "meta_fields": {"author": "bob"}},
        ],
        "total": 2,
    }

    def answer(req: Request) -> Response:
        return ok(docs) if req.path.endswith("/documents") else ok({"chunks": []})

    _, sent = drive(retrieval.retrieve(d("v0.20"), "q", ["ds"], filter={"author": "alice"}), answer)
    assert sent[-1].path == "/retrieval" and sent[-1].json["document_ids"] == ["a"]
    assert "metadata_condition" not in sent[-1].json
    result, sent = drive(
        retrieval.retrieve(d("v0.20"), "q", ["ds"], filter={"author": "zed"}), answer
    )
    assert result == [] and all(r.path != "/retrieval" for r in sent)


def test_chat_schema_translation() -> None:
    fields = {
        "name": "Miss R",
        "avatar": "aW1n",
        "dataset_ids": ["k"],
        "llm": {"model_name": "qwen@Tongyi", "temperature": 0.2, "max_token": 256},
        "prompt": {
            "prompt": "Be brief. {knowledge}",
            "opener": "Hi",
            "show_quote": True,
            "similarity_threshold": 0.3,
            "top_n": 4,
            "rerank_model": "rr",
            "keywords_similarity_weight": 0.6,
            "empty_response": "None.",
        },
    }
    _, old = drive(chats.create(d("v0.24"), fields), lambda r: ok({"id": "c"}))
    assert old[0].json["llm"]["max_tokens"] == 256 and old[0].json["prompt"]["opener"] == "Hi"
    _, new = drive(chats.create(d("v0.25.0"), fields), lambda r: ok({"id": "c"}))
    body = new[0].json
    assert body["icon"] == "aW1n" and "avatar" not in body and "llm" not in body
    assert body["llm_id"] == "qwen@Tongyi"
    assert body["llm_setting"] == {"temperature": 0.2, "max_tokens": 256}
    assert body["prompt_config"] == {
        "system": "Be brief. {knowledge}",
        "prologue": "Hi",
        "quote": True,
        "empty_response": "None.",
    }
    assert (body["similarity_threshold"], body["top_n"], body["rerank_id"]) == (0.3, 4, "rr")
    assert body["vector_similarity_weight"] == 0.6


def test_chat_update_keeps_datasets_and_settings() -> None:
    current = {
        "dataset_ids": ["k1"],
        "llm_setting": {"temperature": 0.1, "top_p": 0.3},
        "prompt_config": {"prologue": "Hi", "system": "S"},
    }
    _, sent = drive(chats.update(d("v0.23"), "c", current, {"llm": {"temperature": 0.8}}))
    assert sent[0].json == {"llm": {"temperature": 0.8}, "dataset_ids": ["k1"]}
    _, sent = drive(
        chats.update(
            d("v0.27"), "c", current, {"llm": {"temperature": 0.8}, "prompt": {"opener": "Yo"}}
        )
    )
    assert sent[0].json["llm_setting"] == {"temperature": 0.8, "top_p": 0.3}
    assert sent[0].json["prompt_config"] == {"prologue": "Yo", "system": "S"}


@pytest.mark.parametrize("version", ALL)
def test_completion_request(version: str) -> None:
    dialect = d(version)
    history = [
        {"role": "assistant", "content": "Hi!"},
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
    ]
    req = completions.ask_request(
        dialect, "c", "s", "q", stream=True, extra={"quote": True}, history=history
    )
    body = req.json
    assert body["session_id"] == "s" and body["stream"] is True and body["quote"] is True
    if (0, 25, 1) <= dialect.version < (0, 25, 6):
        assert "question" not in body
        assert body["messages"] == [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "q"},
        ]
    else:
        assert body["question"] == "q" and "messages" not in body
    if dialect.version >= (0, 25, 1):
        assert req.path == "/chat/completions" and body["chat_id"] == "c"
    else:
        assert req.path == "/chats/c/completions"
    assert not req.idempotent


def test_messages_dialect_resends_the_session_history() -> None:
    sess = [
        {
            "id": "s",
            "messages": [
                {"role": "assistant", "content": "Hi"},
                {"role": "user", "content": "first"},
                {"role": "assistant", "content": "one"},
            ],
        }
    ]

    def answer(req: Request) -> Response:
        if req.method == "GET":
            return ok(sess)
        return ok({"answer": "two", "reference": {"chunks": []}, "session_id": "s"})

    message, sent = drive(completions.ask(d("v0.25.3"), "c", "s", "second", {}), answer)
    assert message.content == "two"
    assert [m["content"] for m in sent[-1].json["messages"]] == ["first", "one", "second"]
    _, sent = drive(completions.ask(d("v0.25.6"), "c", "s", "second", {}), answer)
    assert len(sent) == 1 and sent[0].json["question"] == "second"


def test_openai_request_by_version() -> None:
    msgs = [{"role": "user", "content": "q"}]
    with pytest.raises(UnsupportedFeatureError, match=r"v0\.17"):
        completions.openai_request(
            d("v0.16"), "c", msgs, stream=False, reference=True, generation={}
        )
    req = completions.openai_request(
        d("v0.19"), "c", msgs, stream=False, reference=True, generation={}
    )
    # v0.19 ignores extra_body; it is sent anyway, so a v0.20 server detected as v0.19
    # still sends its references.
    assert req.path == "/chats_openai/c/chat/completions"
    assert req.json["extra_body"] == {"reference": True}
    req = completions.openai_request(
        d("v0.27"), "c", msgs, stream=True, reference=True, generation={"temperature": 0.1}
    )
    assert req.path == "/openai/c/chat/completions"
    assert req.json == {
        "model": "model",
        "messages": msgs,
        "stream": True,
        "extra_body": {"reference": True},
        "temperature": 0.1,
    }
    with pytest.raises(UnsupportedFeatureError, match="temperature"):
        completions.openai_request(
            d("v0.25.3"), "c", msgs, stream=False, reference=True, generation={"temperature": 0.1}
        )


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ([], "non-empty list of messages"),
        ("hello", "non-empty list of messages"),
        (
            [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
            "from the user",
        ),
    ],
)
def test_openai_request_checks_the_messages(messages: Any, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        completions.openai_request(
            d("v0.27"), "c", messages, stream=False, reference=True, generation={}
        )


def test_openai_model_override_needs_v0_25_1() -> None:
    msgs = [{"role": "user", "content": "q"}]
    with pytest.raises(UnsupportedFeatureError, match=r"model override.*v0\.25\.1"):
        completions.openai_request(
            d("v0.25.0"), "c", msgs, stream=False, reference=True, model="gpt-x", generation={}
        )
    req = completions.openai_request(
        d("v0.25.1"), "c", msgs, stream=False, reference=True, model="gpt-x", generation={}
    )
    assert req.json["model"] == "gpt-x"
    # the placeholder "model" means "the chat's own LLM" and works everywhere
    old = completions.openai_request(
        d("v0.17"), "c", msgs, stream=False, reference=True, model="model", generation={}
    )
    assert old.json["model"] == "model"


def test_retrieval_above_the_page_size_cap_reads_several_server_pages() -> None:
    """v0.26+ refuse page_size > 100: a caller's page of 250 becomes pages of 100."""
    seen: list[tuple[int, int]] = []

    def answer(req: Request) -> Response:
        page, size = req.json["page"], req.json["page_size"]
        seen.append((page, size))
        first = (page - 1) * size
        return ok({"chunks": [{"id": str(i)} for i in range(first, min(first + size, 260))]})

    chunks, _ = drive(retrieval.retrieve(d("v0.26"), "q", ["ds"], page=1, page_size=250), answer)
    assert seen == [(1, 100), (2, 100), (3, 100)]
    assert [c["id"] for c in chunks] == [str(i) for i in range(250)]
    seen.clear()
    chunks, _ = drive(retrieval.retrieve(d("v0.26"), "q", ["ds"], page=2, page_size=150), answer)
    assert seen == [(2, 100), (3, 100)]  # records 150..259: the tail is short
    assert [c["id"] for c in chunks] == [str(i) for i in range(150, 260)]
    seen.clear()
    drive(retrieval.retrieve(d("v0.25.6"), "q", ["ds"], page=1, page_size=250), answer)
    assert seen == [(1, 250)]  # no cap before v0.26


def test_session_less_answer_as_raw_sse_text_v0_17_to_v0_19() -> None:
    """0.17-0.19 answer some non-stream calls with the stream's SSE text as ``data``."""
    events = [
        {"code": 0, "data": {"answer": "Hello", "reference": {}, "session_id": "s1"}},
        {"code": 0, "data": {"answer": "Hello ##0$$", "reference": {"chunks": [{"id": "c"}]}}},
        {"code": 0, "data": True},
    ]
    raw = "".join("data:" + json.dumps(e) + "\n\n" for e in events)
    message, sent = drive(completions.ask(d("v0.18"), "chat", "s1", "q", {}), lambda r: ok(raw))
    assert len(sent) == 1 and sent[0].path == "/chats/chat/completions"
    assert message.final and message.content == "Hello [ID:0]"
    assert [c.id for c in message.reference] == ["c"] and message.session_id == "s1"


def test_multipart_is_deterministic() -> None:
    one = encode_multipart([("a.txt", b"x"), ("b.md", b"y")])
    assert one == encode_multipart([("a.txt", b"x"), ("b.md", b"y")])
    body, ctype = one
    assert ctype.startswith("multipart/form-data; boundary=")
    assert body.count(b'name="file"') == 2 and b'filename="b.md"' in body


def test_bad_arguments_are_named() -> None:
    with pytest.raises(InvalidArgumentError, match="can't change `size`"):
        drive(documents.update(d("v0.27"), "ds", "doc", {"size": 3}))
    with pytest.raises(UnsupportedFeatureError, match="meta_fields"):
        drive(documents.update(d("v0.16"), "ds", "doc", {"meta_fields": {"a": 1}}))
    with pytest.raises(InvalidArgumentError, match="bytes"):
        drive(documents.upload(d("v0.27"), "ds", [("a.txt", "text")]))  # type: ignore[list-item]


def test_updates_send_what_they_are_given_for_the_server_to_judge() -> None:
    # read-only counters: every version's server refuses a change in its own words
    for version in ("v0.13", "v0.27"):
        _, sent = drive(documents.update(d(version), "ds", "doc", {"progress": 1.5}))
        assert [r.json for r in sent] == [{"progress": 1.5}]
    # an empty chunk update is still a request: the server checks the chunk is there
    _, sent = drive(chunks.update(d("v0.27"), "ds", "doc", "c1", {}))
    assert [(r.method, r.path, r.json) for r in sent] == [
        ("PATCH", "/datasets/ds/documents/doc/chunks/c1", {})
    ]


def test_sdk_chat_keys_are_translated_for_the_llm_prompt_schema() -> None:
    fields = {
        "name": "sdk",
        "icon": "aW1n",
        "dataset_ids": ["k"],
        "llm_id": "glm-4",
        "llm_setting": LLMSetting(temperature=0.4, max_token=128),
        "prompt_config": {"system": "S", "prologue": "Hey", "quote": False, "tts": True},
        "rerank_id": "rr",
        "vector_similarity_weight": 0.3,
        "top_n": 5,
    }
    _, old = drive(chats.create(d("v0.24"), fields), lambda r: ok({"id": "c"}))
    assert old[0].json == {
        "name": "sdk",
        "avatar": "aW1n",
        "dataset_ids": ["k"],
        "llm": {"model_name": "glm-4", "temperature": 0.4, "max_tokens": 128},
        "prompt": {
            "prompt": "S",
            "opener": "Hey",
            "show_quote": False,
            "rerank_model": "rr",
            "keywords_similarity_weight": 0.3,
            "top_n": 5,
        },
    }
    _, new = drive(chats.create(d("v0.27"), fields), lambda r: ok({"id": "c"}))
    assert new[0].json["llm_setting"] == {"temperature": 0.4, "max_token": 128}
    assert new[0].json["prompt_config"]["tts"] is True and new[0].json["icon"] == "aW1n"


def test_chat_updates_are_partial_patches_from_v0_25() -> None:
    _, sent = drive(chats.update(d("v0.25.0"), "c", {"dataset_ids": ["k"]}, {"name": "n"}))
    assert (sent[0].method, sent[0].json) == ("PATCH", {"name": "n"})
    _, sent = drive(chats.update(d("v0.24"), "c", {"dataset_ids": ["k"]}, {"name": "n"}))
    assert (sent[0].method, sent[0].json) == ("PUT", {"name": "n", "dataset_ids": ["k"]})


def test_list_chats_keywords_need_v0_25() -> None:
    _, sent = drive(
        chats.list_window(d("v0.27"), 1, 30, keywords="ab", owner_ids=["u1", "u2"]),
        lambda r: ok({"chats": [], "total": 0}),
    )
    assert ("keywords", "ab") in sent[0].params and sent[0].params.count(("owner_ids", "u2")) == 1
    with pytest.raises(UnsupportedFeatureError, match=r"v0\.25\.0"):
        drive(chats.list_window(d("v0.24"), 1, 30, keywords="ab"))


@pytest.mark.parametrize(("page", "page_size"), [(1, 0), (0, 2), (-1, 5)])
def test_pages_out_of_range_are_sent_as_given(page: int, page_size: int) -> None:
    _, sent = drive(
        chunks.list_paged(d("v0.27"), "ds", "doc", page, page_size),
        lambda r: ok({"chunks": [], "total": 0}),
    )
    assert len(sent) == 1
    assert dict(sent[0].params)["page"] == str(page)
    assert dict(sent[0].params)["page_size"] == str(page_size)


def test_updates_send_what_is_given_and_refuse_what_the_version_lacks() -> None:
    _, sent = drive(datasets.update(d("v0.27"), "ds", {"avatar": None, "parse_method": "qa"}))
    assert sent[0].json == {"avatar": None, "chunk_method": "qa"}
    _, sent = drive(datasets.update(d("v0.27"), "ds", {}))
    assert sent[0].json == {}  # the server says "no properties were modified"
    config = ParserConfig(chunk_token_num="many", raptor={"use_raptor": True})
    _, sent = drive(datasets.update(d("v0.27"), "ds", {"parser_config": config}))
    assert sent[0].json == {
        "parser_config": {"chunk_token_num": "many", "raptor": {"use_raptor": True}}
    }
    with pytest.raises(InvalidArgumentError, match="'language': Extra inputs are not permitted"):
        drive(datasets.update(d("v0.20"), "ds", {"language": "English"}))
    with pytest.raises(InvalidArgumentError, match="'chunk_count'"):
        drive(datasets.update(d("v0.27"), "ds", {"chunk_count": 1}))


def test_download_tells_a_file_from_an_error() -> None:
    def answer(body: bytes, headers: dict[str, str]) -> Callable[[Request], Response]:
        return lambda r: Response(200, headers, body)

    envelope_like = json.dumps({"code": 102, "message": "x"}).encode()
    as_file = {"Content-Type": "application/json", "Content-Disposition": "attachment; a.json"}
    got, _ = drive(documents.download(d("v0.27"), "ds", "doc"), answer(envelope_like, as_file))
    assert got == envelope_like
    plain_json = json.dumps({"rows": [1]}).encode()
    ctype = {"Content-Type": "application/json"}
    got, _ = drive(documents.download(d("v0.20"), "ds", "doc"), answer(plain_json, ctype))
    assert got == plain_json
    with pytest.raises(RAGFlowError, match=r"^The dataset not own the document doc\."):
        error = json.dumps({"code": 102, "message": "The dataset not own the document doc."})
        drive(documents.download(d("v0.27"), "ds", "doc"), answer(error.encode(), ctype))


def test_auto_metadata_settings() -> None:
    got, sent = drive(datasets.auto_metadata(d("v0.27"), "ds", None), lambda r: ok({"a": 1}))
    assert got == {"a": 1} and (sent[0].method, sent[0].path) == (
        "GET",
        "/datasets/ds/metadata/config",
    )
    _, sent = drive(datasets.auto_metadata(d("v0.27"), "ds", {"enabled": True}), lambda r: ok({}))
    assert (sent[0].method, sent[0].json) == ("PUT", {"enabled": True})
    with pytest.raises(UnsupportedFeatureError, match=r"v0\.25\.1"):
        drive(datasets.auto_metadata(d("v0.25.0"), "ds", None))


def test_chunk_tags_and_images_need_v0_25() -> None:
    _, sent = drive(
        chunks.add(d("v0.27"), "ds", "doc", "c", None, None, "aW1n", ["t"]),
        lambda r: ok({"chunk": {"id": "k"}}),
    )
    assert sent[0].json == {
        "content": "c",
        "important_keywords": [],
        "tag_kwd": ["t"],
        "image_base64": "aW1n",
    }
    with pytest.raises(UnsupportedFeatureError, match="tag_kwd"):
        drive(chunks.add(d("v0.24"), "ds", "doc", "c", tag_kwd=["t"]))


DEEP = b"[" * 200_000 + b"]" * 200_000


def test_deeply_nested_answers_are_typed_errors_on_every_json_path() -> None:
    from ragflow_integrations import APIResponseValidationError
    from ragflow_integrations._operations import agents

    deep = Response(200, {"Content-Type": "application/json"}, DEEP)
    req = Request("POST", "/agents_openai/a/chat/completions", "OpenAI-compatible agent")
    for op in (agents.openai_answer(req), completions.openai_answer(req)):
        with pytest.raises(APIResponseValidationError):
            drive(op, lambda r: deep)
    # a downloaded file nested that deep is a file, not an error envelope
    body, _ = drive(documents.download(d("v0.27"), "ds", "doc"), lambda r: deep)
    assert body == DEEP
