# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real Ollama test bench (tests/ollama/) behaves as Ollama's API does (the facts the emulator and modules rely on).

Real server: Ollama 0.5.4-ipexllm on CPU, random-weight GGUF models. Loopback only.
"""
import pytest

UNLOAD_DEADLINE = 15.0  # seconds to wait for /api/ps to drop an unloaded model


@pytest.fixture
def srv(ollama_server):
    """The session server with nothing loaded, before and after the test."""
    ollama_server.unload_all(UNLOAD_DEADLINE)
    yield ollama_server
    ollama_server.unload_all(UNLOAD_DEADLINE)


def _digest(srv, name):
    for model in srv.tags():
        if model["name"] == name + ":latest":
            return model["digest"]
    raise AssertionError("%s not in /api/tags" % name)


def test_server_identity(srv):
    status, body = srv.get("/api/version")
    assert status == 200
    assert body["version"].startswith("0.5.4")
    assert set(srv.models) == {"tiny-a", "tiny-b", "tiny-alias", "embed"}
    assert srv.ps() == []


def test_generate_loads_model_into_ps(srv):
    reply = srv.load("tiny-a")
    assert reply["done"] is True
    models = srv.ps()
    assert [m["name"] for m in models] == ["tiny-a:latest"]
    entry = models[0]
    for key in ("name", "model", "size", "size_vram", "digest", "details", "expires_at"):
        assert key in entry
    assert entry["size"] > 0
    assert "context_length" not in entry  # 0.5.4 predates it (/api/ps has it from v0.9.7 on)


def test_keep_alive_zero_unloads(srv):
    srv.load("tiny-a")
    srv.load("tiny-b")
    assert sorted(srv.ps_names()) == ["tiny-a:latest", "tiny-b:latest"]
    status, body = srv.unload("tiny-a")
    assert status == 200
    assert body["done"] is True
    assert body["done_reason"] == "unload"
    assert body["response"] == ""
    srv.wait_ps(lambda ms: [m["name"] for m in ms] == ["tiny-b:latest"],
                "tiny-a gone, tiny-b still loaded", UNLOAD_DEADLINE)
    srv.unload("tiny-b")
    assert srv.wait_ps_empty(UNLOAD_DEADLINE) == []


def test_unload_of_model_not_loaded_is_200(srv):
    status, body = srv.unload("tiny-b")
    assert status == 200
    assert body["done_reason"] == "unload"
    assert srv.ps() == []


def test_unknown_model_is_404(srv):
    status, body = srv.unload("no-such-model")
    assert status == 404
    assert body == {"error": "model 'no-such-model' not found"}
    status, body = srv.post("/api/generate", {"model": "no-such-model", "prompt": "hi"})
    assert status == 404


def test_alias_shares_digest_and_evicts_original(srv):
    assert _digest(srv, "tiny-alias") == _digest(srv, "tiny-a")
    assert _digest(srv, "tiny-b") != _digest(srv, "tiny-a")
    srv.load("tiny-alias")
    assert srv.ps_names() == ["tiny-alias:latest"]
    # unloading by the other name evicts the model loaded under the alias
    status, body = srv.unload("tiny-a")
    assert (status, body["done_reason"]) == (200, "unload")
    srv.wait_ps_empty(UNLOAD_DEADLINE)
    # and the other way round
    srv.load("tiny-a")
    srv.unload("tiny-alias")
    srv.wait_ps_empty(UNLOAD_DEADLINE)


def test_embedding_model_rejects_generate_but_is_evicted_by_it(srv):
    status, body = srv.post("/api/generate", {"model": "embed", "prompt": "hi",
                                              "stream": False})
    assert status == 400
    assert "does not support generate" in body["error"]
    assert srv.ps() == []
    srv.load("embed")  # through /api/embed
    assert srv.ps_names() == ["embed:latest"]
    status, body = srv.unload("embed")
    assert (status, body["done_reason"]) == (200, "unload")
    srv.wait_ps_empty(UNLOAD_DEADLINE)


def test_embed_with_keep_alive_zero_loads_first(srv):
    status, body = srv.post("/api/embed", {"model": "embed", "input": "x", "keep_alive": 0})
    assert status == 200
    assert len(body["embeddings"]) == 1
    srv.wait_ps_empty(UNLOAD_DEADLINE)  # loaded for the request, then dropped


def test_request_keep_alive_overrides_server_default(ollama_server_factory):
    srv = ollama_server_factory(env={"OLLAMA_KEEP_ALIVE": "0"})
    srv.load("tiny-a", keep_alive=None)  # server default 0: dropped after the request
    srv.wait_ps_empty(UNLOAD_DEADLINE)
    srv.load("tiny-a", keep_alive=-1)  # the request pins it despite OLLAMA_KEEP_ALIVE=0
    (entry,) = srv.ps()
    assert int(entry["expires_at"][:4]) > 2200  # negative: forever (now + Go's max duration)
    srv.unload("tiny-a")
    srv.wait_ps_empty(UNLOAD_DEADLINE)


def test_fresh_server_is_separate(ollama_server_fresh, ollama_server):
    assert ollama_server_fresh.url != ollama_server.url
    assert set(ollama_server_fresh.models) == set(ollama_server.models)
    ollama_server_fresh.load("tiny-b")
    assert ollama_server_fresh.ps_names() == ["tiny-b:latest"]
    assert "tiny-b:latest" not in ollama_server.ps_names()
