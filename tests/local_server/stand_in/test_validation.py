"""Request validation from RAGFlow's own pydantic models, each rule at the version it came in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

PNG = "data:image/png;base64,iVBORw0KGgo="


def _create(a: Any, **body: Any) -> Any:
    return a.j("POST", "/datasets", json={"name": "kb", **body})


@pytest.mark.parametrize(
    ("parser_config", "message"),
    [
        ({"auto_keywords": 33}, "Input should be less than or equal to 32"),
        ({"auto_keywords": -1}, "Input should be greater than or equal to 0"),
        ({"auto_questions": 11}, "Input should be less than or equal to 10"),
        ({"chunk_token_num": 0}, "Input should be greater than or equal to 1"),
        ({"chunk_token_num": 3.14}, "Input should be a valid integer"),
        ({"topn_tags": 11}, "Input should be less than or equal to 10"),
        ({"filename_embd_weight": 1.1}, "Input should be less than or equal to 1"),
        ({"delimiter": ""}, "String should have at least 1 character"),
        ({"pages": [1]}, "Input should be a valid list"),
        ({"graphrag": {"method": "x"}}, "Input should be 'light', 'general' or 'ner'"),
        ({"raptor": {"max_cluster": 0}}, "Input should be greater than or equal to 1"),
        ({"raptor": {"prompt": " "}}, "String should have at least 1 character"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_parser_config_limits(
    api: Callable[..., Any], parser_config: dict[str, Any], message: str
) -> None:
    a = api("v0.27")
    for res in (
        _create(a, parser_config=parser_config),
        a.j("PUT", f"/datasets/{a.dataset('x')}", json={"parser_config": parser_config}),
    ):
        assert res["code"] == 101, res
        assert f"Message: <{message}>" in res["message"]
        assert res["message"].startswith("Field: <parser_config.")


def test_parser_config_rules_follow_the_version(api: Callable[..., Any]) -> None:
    # v0.27 raised RAPTOR's max_token floor to 512 and silently lifts smaller values
    v27, v26 = api("v0.27"), api("v0.26")
    res = _create(v27, parser_config={"raptor": {"max_token": 100}})
    assert res["data"]["parser_config"]["raptor"]["max_token"] == 512
    res = _create(v26, parser_config={"raptor": {"max_token": 100}})
    assert res["data"]["parser_config"]["raptor"]["max_token"] == 100
    res = _create(v26, parser_config={"raptor": {"max_token": 4096}})
    assert "Input should be less than or equal to 2048" in res["message"]
    # GraphRAG's "ner" method and its retry settings arrived in v0.25.6
    assert _create(api("v0.25.6"), parser_config={"graphrag": {"method": "ner"}})["code"] == 0
    res = _create(api("v0.25.3"), parser_config={"graphrag": {"method": "ner"}})
    assert "Input should be 'light' or 'general'" in res["message"]
    # parent_child arrived in v0.25.0
    assert _create(api("v0.25.0"), parser_config={"parent_child": {}})["code"] == 0
    res = _create(api("v0.24"), parser_config={"parent_child": {}})
    assert "Field: <parser_config.parent_child> - Message: <Extra inputs" in res["message"]
    # strict types from v0.20: v0.19 still coerces "5" to 5
    assert _create(api("v0.19"), parser_config={"auto_keywords": "5"})["code"] == 0
    res = _create(api("v0.20"), parser_config={"auto_keywords": "5"})
    assert "Input should be a valid integer" in res["message"]


def test_default_parser_config_per_version(api: Callable[..., Any]) -> None:
    cfg = api("v0.27").dataset_record("kb")["parser_config"]
    assert cfg["raptor"]["max_token"] == 512 and cfg["raptor"]["clustering_ratio"] == 0.5
    assert cfg["graphrag"]["retry_attempts"] == 2
    assert cfg["parent_child"] == {"use_parent_child": False, "children_delimiter": "\n"}
    assert cfg["children_delimiter"] == "" and cfg["llm_id"] == "glm-4-flash@CI@ZHIPU-AI"
    assert (cfg["table_context_size"], cfg["image_context_size"]) == (0, 0)
    cfg = api("v0.24").dataset_record("kb")["parser_config"]
    assert cfg["raptor"]["threshold"] == 0.1 and "parent_child" not in cfg
    assert cfg["llm_id"] == "glm-4-flash@ZHIPU-AI" and "retry_attempts" not in cfg["graphrag"]
    cfg = api("v0.22").dataset_record("kb")["parser_config"]
    assert "llm_id" not in cfg and "table_context_size" not in cfg and cfg["topn_tags"] == 3
    assert api("v0.20").dataset_record("kb")["parser_config"] == {
        "chunk_token_num": 512,
        "delimiter": "\\n",
        "html4excel": False,
        "layout_recognize": "DeepDOC",
        "raptor": {"use_raptor": False},
        "graphrag": {"use_graphrag": False},
    }
    cfg = api("v0.27").dataset_record("q", chunk_method="qa")["parser_config"]
    assert cfg == {
        "table_context_size": 0,
        "image_context_size": 0,
        "raptor": {"use_raptor": False},
        "graphrag": {"use_graphrag": False},
        "llm_id": "glm-4-flash@CI@ZHIPU-AI",
    }


def test_update_merges_parser_config(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset("x")
    res = a.j("PUT", f"/datasets/{ds}", json={"parser_config": {"auto_keywords": 3}})
    cfg = res["data"]["parser_config"]
    assert cfg["auto_keywords"] == 3 and cfg["topn_tags"] == 3  # deep-merged
    assert cfg["children_delimiter"] == "" and cfg["enable_children"] is False  # flattened
    res = a.j("PUT", f"/datasets/{ds}", json={"chunk_method": "qa", "parser_config": {}})
    assert res["data"]["parser_config"] == {
        "table_context_size": 0,
        "image_context_size": 0,
        "raptor": {"use_raptor": False},
        "graphrag": {"use_graphrag": False},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": ""}, "Field: <name> - Message: <String should have at least 1 character>"),
        ({"name": "a" * 129}, "Field: <name> - Message: <String should have at most 128"),
        ({"description": "a" * 65536}, "Field: <description> - Message: <String should have at"),
        ({"permission": None}, "Field: <permission> - Message: <Input should be 'me' or 'team'>"),
        ({"chunk_method": None}, "Message: <Input should be 'naive', 'book', 'email', 'laws',"),
        ({"chunk_method": ["naive"]}, "'presentation', 'qa', 'table', 'tag' or 'resume'>"),
        ({"avatar": "xx"}, "missing MIME prefix. Expected format: data:<mime>;base64,<data>"),
        ({"avatar": "x:image/png;base64,"}, "invalid MIME prefix format. Must start with 'data:'"),
        ({"avatar": "data:a/b;base64,"}, "Unsupported MIME type. Allowed: ['image/jpeg', "),
        ({"embedding_model": "x"}, "embedding model identifier must follow <model_name>@<pro"),
        ({"embedding_model": "@x"}, "both model_name and provider must be non-empty strings"),
        ({"pipeline_id": "a" * 32}, "parser_id omitted → required fields missing: parse_type"),
        ({"pipeline_id": "z" * 32, "parse_type": 2}, "pipeline_id must be hexadecimal"),
        ({"parser_config": []}, "Field: <parser_config> - Message: <Input should be a valid"),
    ],
)
def test_create_dataset_rules(api: Callable[..., Any], body: dict[str, Any], message: str) -> None:
    res = api("v0.27").j("POST", "/datasets", json={"name": "kb", **body})
    assert res["code"] == 101 and message in res["message"], res


def test_create_rules_differ_before_027(api: Callable[..., Any]) -> None:
    v26 = api("v0.26")
    res = _create(v26, avatar="xx")  # capitalised until v0.26
    assert "Missing MIME prefix. Expected format" in res["message"]
    res = _create(v26, embedding_model="x")
    assert "Embedding model identifier must follow" in res["message"]
    # "resume" is a chunk method from v0.25 only; v0.20-0.22 list the methods as a Literal
    assert _create(api("v0.25.0"), chunk_method="resume")["code"] == 0
    assert "'table' or 'tag'>" in _create(api("v0.24"), chunk_method="resume")["message"]
    assert "'table' or 'tag'>" in _create(api("v0.20"), chunk_method="x")["message"]
    # pagerank is accepted on create only by v0.19
    assert _create(api("v0.19"), pagerank=3)["data"]["pagerank"] == 3
    assert "Extra inputs are not permitted" in _create(api("v0.20"), pagerank=3)["message"]


def test_json_body_checks(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    res = a.j("POST", "/datasets", content=b'{"name": "x"}', headers={"Content-Type": "text/xml"})
    assert res == {
        "code": 101,
        "message": "Unsupported content type: Expected application/json, got text/xml",
    }
    json_header = {"Content-Type": "application/json"}
    res = a.j("POST", "/datasets", content=b"a", headers=json_header)
    assert res == {
        "code": 101,
        "message": "Malformed JSON syntax: Missing commas/brackets or invalid encoding",
    }
    res = a.j("POST", "/datasets", content=b'"a"', headers=json_header)
    assert res == {"code": 101, "message": "Invalid request payload: expected object, got str"}
    # other handlers still answer the framework's BadRequest
    res = a.j("POST", "/chats", content=b"a", headers=json_header)
    assert res["code"] == 100 and "BadRequest" in res["message"]


def test_embedding_model_checks_per_version(api: Callable[..., Any]) -> None:
    v27 = api("v0.27")
    assert _create(v27, embedding_model="embedding-3@ZHIPU-AI")["code"] == 0
    assert _create(v27, embedding_model="embedding-3@CI@ZHIPU-AI")["code"] == 0
    assert _create(v27, embedding_model="BAAI/bge-small-en-v1.5@Builtin")["code"] == 0
    res = _create(v27, embedding_model="embedding-3@unknown")
    assert res == {
        "code": 102,
        "message": "Provider unknown not found for model embedding-3@unknown.",
    }
    res = _create(v27, embedding_model="unknown@CI@ZHIPU-AI")
    assert res["code"] == 102 and "not found" in res["message"]
    # v0.26 has no fallback from the "default" instance to the only one there is
    res = _create(api("v0.26"), embedding_model="embedding-3@ZHIPU-AI")
    assert res["message"] == "Instance default not found for model embedding-3@ZHIPU-AI."
    v25 = api("v0.25.6")
    res = _create(v25, embedding_model="unknown@ZHIPU-AI")
    assert res == {"code": 101, "message": "Unsupported model: <unknown@ZHIPU-AI>"}
    res = _create(v25, embedding_model="text-embedding-3-small@OpenAI")
    assert res == {"code": 101, "message": "Unauthorized model: <text-embedding-3-small@OpenAI>"}
    assert _create(v25, embedding_model="anything@Builtin")["code"] == 0
