"""The one tenant LocalRAGFlow serves: its default models and the model providers it has added.

RAGFlow checks every model id a request names (a dataset's ``embedding_model``, a chat's
``llm_id`` or ``rerank_id``) against the tenant's providers. LocalRAGFlow's tenant is set up the
way RAGFlow's own test suites set up theirs (``test/testcases/conftest.py``): the ZHIPU-AI and
SILICONFLOW providers with an instance named ``CI``, and the built-in embedding model. No model
is ever called; the ids only decide what is accepted and what the defaults are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ._dialects import Dialect

__all__ = [
    "CHAT",
    "EMBEDDING",
    "RERANK",
    "ModelError",
    "default_model",
    "default_model_id",
    "resolve_model",
]

CHAT, EMBEDDING, RERANK = "chat", "embedding", "rerank"
INSTANCE = "CI"
BUILTIN_EMBEDDING = "BAAI/bge-small-en-v1.5"  # the TEI model of the suites' deployments


@dataclass(frozen=True)
class _Model:
    name: str
    factory: str
    kind: str

    @property
    def id(self) -> str:
        """The ``tenant_model`` row id (v0.27 accepts it wherever a model name goes)."""
        return hashlib.md5(f"{self.name}@{INSTANCE}@{self.factory}".encode()).hexdigest()


#: The models of the providers the tenant has added.
TENANT_MODELS: tuple[_Model, ...] = (
    _Model("glm-4-flash", "ZHIPU-AI", CHAT),
    _Model("glm-4", "ZHIPU-AI", CHAT),
    _Model("glm-4-plus", "ZHIPU-AI", CHAT),
    _Model("embedding-2", "ZHIPU-AI", EMBEDDING),
    _Model("embedding-3", "ZHIPU-AI", EMBEDDING),
    _Model("BAAI/bge-reranker-v2-m3", "SILICONFLOW", RERANK),
    _Model("BAAI/bge-large-zh-v1.5", "BAAI", EMBEDDING),
)
#: Models RAGFlow's catalogue (``conf/llm_factories.json``) lists for providers the tenant has
#: not added: naming one is "unauthorized" rather than "unsupported" up to v0.25.
_CATALOGUE_ONLY: tuple[_Model, ...] = (
    _Model("text-embedding-3-small", "OpenAI", EMBEDDING),
    _Model("text-embedding-3-large", "OpenAI", EMBEDDING),
    _Model("text-embedding-ada-002", "OpenAI", EMBEDDING),
    _Model("text-embedding-v2", "Tongyi-Qianwen", EMBEDDING),
    _Model("text-embedding-v3", "Tongyi-Qianwen", EMBEDDING),
    _Model("gpt-4o", "OpenAI", CHAT),
    _Model("qwen-plus", "Tongyi-Qianwen", CHAT),
)


class ModelError(Exception):
    """A model id the tenant cannot use; ``code`` is the envelope code the version answers."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _has_instances(d: Dialect) -> bool:
    """v0.26 keys tenant models by ``name@instance@provider``."""
    return d.ge(0, 26)


def default_model(d: Dialect, kind: str) -> str:
    """The tenant's default model of ``kind`` as the version spells it."""
    if kind == EMBEDDING:
        if _has_instances(d):
            return f"{BUILTIN_EMBEDDING}@Local@Builtin"
        if d.ge(0, 22):
            return f"{BUILTIN_EMBEDDING}@Builtin"
        return "BAAI/bge-large-zh-v1.5@BAAI"
    name, factory = (
        ("glm-4-flash", "ZHIPU-AI")
        if kind == CHAT
        else (
            "BAAI/bge-reranker-v2-m3",
            "SILICONFLOW",
        )
    )
    if _has_instances(d):
        return f"{name}@{INSTANCE}@{factory}"
    return f"{name}@{factory}"


def default_model_id(kind: str) -> str:
    """The ``tenant_<kind>_id`` of the tenant's default model (v0.27)."""
    name = "glm-4-flash" if kind == CHAT else "BAAI/bge-reranker-v2-m3"
    return next(m.id for m in TENANT_MODELS if m.name == name)


def _split(d: Dialect, model_id: str) -> tuple[str, str, str]:
    """``split_model_name``: (name, instance, provider); v0.27 splits from the right."""
    parts = model_id.rsplit("@", 2) if d.ge(0, 27) else model_id.split("@")
    if len(parts) == 1:
        return parts[0], "", ""
    if len(parts) == 2:
        return parts[0], "default", parts[1]
    return parts[0], parts[1], parts[2]


def resolve_model(d: Dialect, kind: str, model_id: str) -> None:
    """Raise :class:`ModelError` when the tenant cannot use ``model_id`` as a ``kind`` model.

    Up to v0.25 (``verify_embedding_availability``): code 101 "Unsupported model: <id>" for a
    model RAGFlow does not know, "Unauthorized model: <id>" for one of a provider the tenant has
    not added; any ``@Builtin`` model passes. From v0.26 (``get_model_config_from_provider_
    instance``): code 102 with the ``LookupError`` text.
    """
    if d.ge(0, 27) and any((m.id, m.kind) == (model_id, kind) for m in TENANT_MODELS):
        return  # a tenant_model id
    if not _has_instances(d):
        name, _, factory = model_id.partition("@")
        if kind != EMBEDDING:  # chats look the model up among the tenant's own
            if not any((m.name, m.factory, m.kind) == (name, factory, kind) for m in TENANT_MODELS):
                raise ModelError(f"Model {model_id} not found", 102)
            return
        if factory == "Builtin":
            return
        catalogue = (*TENANT_MODELS, *_CATALOGUE_ONLY)
        if not any((m.name, m.factory) == (name, factory) for m in catalogue):
            raise ModelError(f"Unsupported model: <{model_id}>", 101)
        if not any((m.name, m.factory) == (name, factory) for m in TENANT_MODELS):
            raise ModelError(f"Unauthorized model: <{model_id}>", 101)
        return
    name, instance, provider = _split(d, model_id)
    if kind == EMBEDDING and name == BUILTIN_EMBEDDING and provider in ("Builtin", ""):
        return
    if provider not in {m.factory for m in TENANT_MODELS if m.factory != "BAAI"}:
        raise ModelError(f"Provider {provider} not found for model {model_id}.", 102)
    if instance != INSTANCE and not (instance == "default" and d.ge(0, 27)):
        raise ModelError(f"Instance {instance} not found for model {model_id}.", 102)
    if not any((m.name, m.factory, m.kind) == (name, provider, kind) for m in TENANT_MODELS):
        raise ModelError(f"Model {model_id} not found for model {kind}", 102)
