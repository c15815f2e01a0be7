"""What code written for the official ragflow-sdk reads from our models, with no server:
nested settings objects, SDK-style construction, argument checks and ``ask()`` iteration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ragflow_integrations import (
    LLM,
    AsyncChat,
    AsyncDataSet,
    Chat,
    Chunk,
    DataSet,
    Document,
    InvalidArgumentError,
    LLMSetting,
    Message,
    ParserConfig,
    Prompt,
    PromptConfig,
    RAGFlow,
    RAGFlowConfigError,
    RaptorConfig,
    RawResponse,
)
from ragflow_integrations._checks import checked
from ragflow_integrations.types.configs import ConfigModel

SERVER_PARSER_CONFIG = {
    "chunk_token_num": 512,
    "delimiter": "\n",
    "raptor": {"use_raptor": False, "max_cluster": 64},
    "graphrag": {"use_graphrag": False},
    "image_context_size": 0,
    "ext": {"nested": {"deep": 1}},
}


def test_parser_config_reads_by_attribute_and_like_a_dict() -> None:
    ds = DataSet.model_validate({"id": "d", "parser_config": SERVER_PARSER_CONFIG})
    cfg = ds.parser_config
    assert isinstance(cfg, ParserConfig) and isinstance(cfg.raptor, RaptorConfig)
    assert cfg.chunk_token_num == 512 and cfg.raptor.use_raptor is False
    # keys the model does not declare are kept, nested dicts read by attribute too
    assert cfg.image_context_size == 0 and cfg.ext.nested.deep == 1
    assert cfg["delimiter"] == "\n" and cfg.get("graphrag")["use_graphrag"] is False
    assert cfg.get("missing", 7) == 7 and "raptor" in cfg and "missing" not in cfg
    assert cfg == SERVER_PARSER_CONFIG and dict(cfg.items())["chunk_token_num"] == 512
    assert len(cfg) == len(SERVER_PARSER_CONFIG)
    with pytest.raises(KeyError):
        cfg["missing"]
    with pytest.raises(AttributeError):
        _ = cfg.missing
    # it holds exactly the keys it was given: declared keys the server did not send stay out
    assert cfg.to_dict() == SERVER_PARSER_CONFIG == cfg.to_json()
    assert ds.model_dump()["parser_config"] == SERVER_PARSER_CONFIG
    assert json.loads(ds.model_dump_json())["parser_config"] == SERVER_PARSER_CONFIG


def test_settings_keep_values_that_do_not_fit_for_the_server_to_judge() -> None:
    cfg = ParserConfig({"chunk_token_num": "many", "pages": None, "raptor": "off"})
    assert cfg.chunk_token_num == "many" and cfg.raptor == "off"
    assert cfg.to_dict() == {"chunk_token_num": "many", "pages": None, "raptor": "off"}
    assert ParserConfig(chunk_token_num="512").chunk_token_num == 512  # a fit is converted


def test_settings_are_built_as_the_sdk_builds_them_and_print_like_it() -> None:
    rag = object()
    built = DataSet.ParserConfig(rag, {"raptor": {"use_raptor": True}, "auto_keywords": 3})
    assert isinstance(built, ParserConfig) and Document.ParserConfig is ParserConfig
    assert built.raptor.use_raptor is True
    # the SDK prints a settings object as a dict with sorted keys, nested ones too
    assert str(built) == str({"auto_keywords": 3, "raptor": {"use_raptor": True}})
    same = ParserConfig({"auto_keywords": 3, "raptor": {"use_raptor": True}})
    assert str(same) == str(built) and same == built
    with pytest.raises(InvalidArgumentError, match="mapping"):
        ParserConfig(rag, "chunk_token_num=1")
    with pytest.raises(TypeError):
        ParserConfig(rag, {}, {})


def test_settings_are_updated_like_a_dict_and_sent_as_changed() -> None:
    ds = DataSet.model_validate({"id": "d", "parser_config": {"chunk_token_num": 128}})
    ds._saved = ds.model_dump()
    ds.parser_config["chunk_token_num"] = 256
    ds.parser_config["delimiter"] = "#"
    assert ds._changes(("parser_config", "name")) == {
        "parser_config": {"chunk_token_num": 256, "delimiter": "#"}
    }


@pytest.mark.parametrize("cls", [Chat, AsyncChat])
def test_chat_offers_both_schemas_from_a_dialog_row(cls: type[Chat]) -> None:
    chat = cls.model_validate(
        {
            "id": "c",
            "icon": "img",
            "llm_id": "qwen@Tongyi",
            "llm_setting": {"temperature": 0.2, "max_token": 512},
            "prompt_config": {"system": "Be brief.", "prologue": "Hi!", "quote": True},
            "similarity_threshold": 0.3,
            "vector_similarity_weight": 0.25,
            "top_n": 4,
        }
    )
    assert isinstance(chat.llm_setting, LLMSetting) and isinstance(chat.prompt_config, PromptConfig)
    assert chat.llm_setting.temperature == 0.2 and chat.llm_setting.max_token == 512
    assert chat.prompt_config.system == "Be brief." and chat.prompt_config["quote"] is True
    assert chat.llm_id == "qwen@Tongyi" and chat.icon == chat.avatar == "img"
    assert isinstance(chat.llm, LLM) and isinstance(chat.prompt, Prompt)
    assert chat.llm.model_name == "qwen@Tongyi" and chat.llm.temperature == 0.2
    assert chat.prompt.prompt == "Be brief." and chat.prompt.opener == "Hi!"
    assert chat.prompt.keywords_similarity_weight == 0.75 and chat.get_prologue() == "Hi!"


def test_chat_offers_both_schemas_from_a_draft_row() -> None:
    chat = Chat.model_validate(
        {
            "id": "c",
            "avatar": "img",
            "llm": {"model_name": "glm-4", "temperature": 0.1, "top_p": None},
            "prompt": {
                "prompt": "Answer.",
                "opener": "Hello",
                "show_quote": False,
                "top_n": 6,
                "keywords_similarity_weight": 0.7,
            },
        }
    )
    assert chat.llm_id == "glm-4" and chat.icon == "img"
    assert chat.llm_setting == {"temperature": 0.1}
    assert chat.prompt_config == {"system": "Answer.", "prologue": "Hello", "quote": False}
    assert chat.model_extra is not None and chat.model_extra["top_n"] == 6
    assert chat.model_extra["vector_similarity_weight"] == pytest.approx(0.3)
    chat.icon = "other"
    assert chat.avatar == "other"


def test_models_are_built_and_bound_as_the_sdk_builds_them() -> None:
    rag = RAGFlow("key", "http://rf.test", server_version="v0.27")
    chat = Chat(rag, {"id": "chat-1", "name": "helper", "llm_setting": {"top_p": 0.3}})
    assert chat.rag is rag and chat.id == "chat-1" and chat.llm_setting.top_p == 0.3
    assert chat.to_json()["llm_setting"] == {"top_p": 0.3}
    doc = Document(rag, {"id": "doc-1", "dataset_id": "ds-1", "run": "3"})
    assert doc.run == "DONE" and doc.rag is rag
    assert DataSet(rag, {"id": "d"}).rag is rag and AsyncDataSet(rag, {"id": "d"}).rag is rag
    assert Chunk(id="k").id == "k"  # keywords still build an unbound model
    with pytest.raises(RAGFlowConfigError, match="not attached"):
        _ = Chunk(id="k").rag
    with pytest.raises(InvalidArgumentError, match="Chat"):
        Chat(rag, {"dataset_ids": "not a list"})
    with pytest.raises(TypeError, match="client and a dict"):
        Chat(rag, "chat-1")


def test_message_iterates_to_itself_and_stays_a_pydantic_model() -> None:
    msg = Message(content="The answer.", final=True)
    assert list(msg) == [msg]
    for item in msg:
        assert item is msg
    as_dict = dict(msg)
    assert as_dict["content"] == "The answer." and as_dict["final"] is True
    assert as_dict == msg.model_dump() and msg["content"] == "The answer."
    assert Message.model_validate(msg.model_dump()) == msg
    assert msg.model_copy(update={"content": "x"}).content == "x"
    with pytest.raises(KeyError):
        msg["nope"]


class _Target:
    @checked
    def call(
        self, name: str, page: int = 1, ids: list[str] | None = None, weight: float = 0.5
    ) -> str:
        return f"{name}:{page}:{ids}:{weight}"

    @checked
    async def acall(self, desc: bool = True) -> bool:
        return desc


async def test_arguments_are_checked_with_the_sdks_wording() -> None:
    target = _Target()
    assert target.call("a", 2, ["x"], 1) == "a:2:['x']:1"  # an int where a float is asked
    with pytest.raises(InvalidArgumentError, match=r"'name'.*int 0 not instance of str"):
        target.call(0)
    with pytest.raises(InvalidArgumentError, match="not instance of int"):
        target.call("a", page="3")
    with pytest.raises(InvalidArgumentError, match=r"violates type hint list\[str\] \| None"):
        target.call("a", ids="x")
    with pytest.raises(TypeError, match="unexpected keyword argument 'other'"):
        target.call("a", other=1)
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        target.call()
    with pytest.raises(InvalidArgumentError, match="not instance of bool"):
        await target.acall("true")  # type: ignore[arg-type]
    assert await target.acall(False) is False


def test_public_methods_check_their_arguments() -> None:
    rag = RAGFlow("key", "http://rf.test", server_version="v0.27")
    with pytest.raises(InvalidArgumentError, match="not instance of"):
        rag.list_datasets(page="a")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="not instance of"):
        rag.create_dataset(name=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"list\[str\] \| None"):
        rag.create_chat("c", dataset_ids="ds-1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        rag.retrieve(question="q")  # type: ignore[call-arg]
    doc = Document(rag, {"id": "doc", "dataset_id": "ds"})
    with pytest.raises(InvalidArgumentError, match="not instance of"):
        doc.add_chunk(content="c", important_keywords="abc")  # type: ignore[arg-type]
    chat = Chat(rag, {"id": "c"})
    with pytest.raises(InvalidArgumentError, match="str 'bad' not instance of dict"):
        chat.update("bad")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="`update_message` must be a dict"):
        chat.update.__wrapped__(chat, "bad")  # type: ignore[attr-defined]  # the SDK's own check
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        DataSet(rag, {"id": "d"}).list_documents(a="b")  # type: ignore[call-arg]


def test_raw_response_reads_like_requests() -> None:
    body = b'data: {"a": 1}\r\n\r\ndata: [DONE]\n'
    raw = RawResponse(200, {"Content-Type": "text/event-stream"}, iter([body[:9], body[9:]]))
    assert list(raw.iter_lines(decode_unicode=True)) == ['data: {"a": 1}', "", "data: [DONE]"]
    whole = RawResponse(400, {}, b'{"code": 101, "message": "bad"}')
    assert not whole.ok and whole.json()["message"] == "bad" and whole.text.startswith("{")
    with pytest.raises(ValueError):
        RawResponse(200, {}, b"<html>").json()


def _plain(cfg: ConfigModel) -> Any:
    return cfg.to_dict()


def test_nested_unknown_settings_become_settings_objects() -> None:
    cfg = ConfigModel(parent_child={"use_parent_child": True}, tags=[{"a": 1}])
    assert cfg.parent_child.use_parent_child is True and isinstance(cfg.parent_child, ConfigModel)
    assert _plain(cfg) == {"parent_child": {"use_parent_child": True}, "tags": [{"a": 1}]}
