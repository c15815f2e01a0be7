"""Give a fresh RAGFlow a user, an API key and the fake models; print the key.

Run by ``up`` with RAGFlow's own interpreter from its source folder: the web API takes the
password RSA-encrypted, and RAGFlow's ``api.utils.crypt`` does that with the server's key.
Idempotent: registering again is refused and ignored, a key that still works is kept, the
model set-up is repeated harmlessly.

The web API (not the ``/api/v1`` SDK API) moved between the two supported tags:

=====================  ===============================  ==================================
step                   v0.24.0                          v0.27.0
=====================  ===============================  ==================================
register               POST /v1/user/register           POST /api/v1/users
login                  POST /v1/user/login              POST /api/v1/auth/login
API key                POST /v1/system/new_token        POST /api/v1/system/tokens
models                 POST /v1/llm/add_llm (each)      PUT /api/v1/providers, POST
                                                        .../providers/{name}/instances
default models         POST /v1/user/set_tenant_info    PATCH /api/v1/models/default
=====================  ===============================  ==================================

Usage: ``provision.py BASE_URL FAKE_MODELS_URL TAG KEY_FILE``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import requests
from api.utils.crypt import crypt  # RAGFlow's own helper (PYTHONPATH is its source)

EMAIL = "kit@ragflow-integrations.test"
PASSWORD = "ragflow-integrations-kit"
FACTORY = "OpenAI-API-Compatible"
CHAT, EMBEDDING = "fake-chat", "fake-embed"


class WebAPI:
    """The web endpoints one tag serves, used with a logged-in session."""

    def __init__(self, base: str, tag: str) -> None:
        self.base, self.tag = base.rstrip("/"), tag
        self.http = requests.Session()
        self.http.trust_env = False  # the server is on loopback: never through a proxy

    def call(self, method: str, path: str, done: str = "", **kwargs: Any) -> Any:
        """``(response, data)``; an error whose message holds ``done`` (the step was done
        before) is ignored."""
        response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        body = response.json()
        if response.status_code == 200 and body.get("code") == 0:
            return response, body.get("data")
        if done and done in str(body.get("message")):
            return response, None
        raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {body}")

    def login(self) -> None:
        old = self.tag < "v0.27"
        user = {"nickname": "kit", "email": EMAIL, "password": crypt(PASSWORD)}
        path = "/v1/user/register" if old else "/api/v1/users"
        self.call("POST", path, done="registered", json=user)
        credentials = {"email": EMAIL, "password": crypt(PASSWORD)}
        response, _ = self.call(
            "POST", "/v1/user/login" if old else "/api/v1/auth/login", json=credentials
        )
        self.http.headers["Authorization"] = response.headers["Authorization"]

    def new_api_key(self) -> str:
        path = "/v1/system/new_token" if self.tag < "v0.27" else "/api/v1/system/tokens"
        return str(self.call("POST", path)[1]["token"])

    def set_up_models(self, fake_url: str) -> None:
        if self.tag < "v0.27":
            for kind, name in (("chat", CHAT), ("embedding", EMBEDDING)):
                self.call(
                    "POST",
                    "/v1/llm/add_llm",
                    json={
                        "llm_factory": FACTORY,
                        "llm_name": name,
                        "model_type": kind,
                        "api_base": fake_url,
                        "api_key": "unused",
                        "max_tokens": 8192,
                    },
                )
            _, tenant = self.call("GET", "/v1/user/tenant_info")
            self.call(
                "POST",
                "/v1/user/set_tenant_info",
                json={
                    "tenant_id": tenant["tenant_id"],
                    "asr_id": "",
                    "img2txt_id": "",
                    "llm_id": f"{CHAT}___OpenAI-API@{FACTORY}",
                    "embd_id": f"{EMBEDDING}___OpenAI-API@{FACTORY}",
                },
            )
            return
        self.call("PUT", "/api/v1/providers", done="exist", json={"provider_name": FACTORY})
        models = [
            {"model_type": ["chat"], "model_name": CHAT, "max_tokens": 8192},
            {"model_type": ["embedding"], "model_name": EMBEDDING, "max_tokens": 8192},
        ]
        self.call(
            "POST",
            f"/api/v1/providers/{FACTORY}/instances",
            done="exist",
            json={
                "instance_name": "fake",
                "api_key": "unused",
                "base_url": fake_url,
                "region": "",
                "model_info": models,
            },
        )
        for kind, name in (("chat", CHAT), ("embedding", EMBEDDING)):
            self.call(
                "PATCH",
                "/api/v1/models/default",
                json={
                    "model_provider": FACTORY,
                    "model_instance": "fake",
                    "model_type": kind,
                    "model_name": name,
                },
            )


def key_works(base: str, key: str) -> bool:
    response = requests.get(
        f"{base}/api/v1/datasets",
        params={"page_size": 1},
        timeout=30,
        headers={"Authorization": f"Bearer {key}"},
    )
    return response.status_code == 200 and response.json().get("code") == 0


def main(base: str, fake_url: str, tag: str, key_file: Path) -> None:
    web = WebAPI(base, tag)
    web.login()
    web.set_up_models(fake_url)
    key = key_file.read_text().strip() if key_file.exists() else ""
    if not key or not key_works(base, key):
        key = web.new_api_key()
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
    print(key)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit("usage: provision.py BASE_URL FAKE_MODELS_URL TAG KEY_FILE")
    main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]))
