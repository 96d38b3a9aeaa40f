# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vLLM stand-in, run as a process (loopback only)."""

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gx10_functional import STANDIN_BOUND, PortTaken, address_in_use, serve_on_free_port, wait_bound, wait_for

STANDIN = Path(__file__).resolve().parents[1] / "vllm_standin" / "vllm_standin.py"
GIB = 1 << 30

MESSAGE = (
    "ValueError: Free memory on device cuda:0 ({free}/{total} GiB) on startup is less than "
    "desired GPU memory utilization ({util}, {req} GiB). Decrease GPU memory utilization or "
    "reduce GPU memory used by other processes."
)


def fake_meminfo(tmp_path, total_kb, available_kb):
    path = tmp_path / "meminfo"
    path.write_text(
        "MemTotal:       %d kB\nMemFree:         1024 kB\nMemAvailable:   %d kB\n"
        "Buffers:           0 kB\n" % (total_kb, available_kb)
    )
    return path


def run(args, env=None, timeout=30):
    full_env = dict(os.environ, **(env or {}))
    if not env or "VLLM_STANDIN_MEMINFO" not in env:
        full_env.pop("VLLM_STANDIN_MEMINFO", None)
    return subprocess.run([sys.executable, str(STANDIN)] + args, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def start(args, log_path, env=None):
    """The stand-in as a process, its log (stderr) in log_path (proc.log_path)."""
    full_env = dict(os.environ, **(env or {}))
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, str(STANDIN)] + args, env=full_env,
                                stdout=subprocess.DEVNULL, stderr=log, text=True)
    proc.log_path = log_path
    return proc


def log_of(proc):
    return Path(proc.log_path).read_text(encoding="utf-8", errors="replace")


def get(port, path, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def run_on_free_port(args, env=None):
    """run(args + --port N): the stand-in binds its port before its memory check, so a port taken
    after free_port() picked it fails the run there: again on a new port (serve_on_free_port)."""
    def attempt(port):
        result = run(args + ["--port", str(port)], env=env)
        if address_in_use(result.stderr):
            raise PortTaken(address_in_use(result.stderr))
        return result
    return serve_on_free_port("the vLLM stand-in", attempt)


def wait_healthy(proc, port, deadline=20.0):
    """(first /health status, connections refused before it), once the stand-in holds the port
    (PortTaken when it could not bind it): before that, something else may answer there."""
    wait_bound("the stand-in on port %d" % port, proc, proc.log_path, STANDIN_BOUND)
    refused = 0
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert proc.poll() is None, log_of(proc)
        try:
            return get(port, "/health")[0], refused
        except urllib.error.URLError as exc:
            assert isinstance(exc.reason, ConnectionRefusedError), exc
            refused += 1
            time.sleep(0.05)
    raise AssertionError("stand-in on port %d not healthy within %ss" % (port, deadline))


@pytest.fixture
def server(tmp_path):
    """server(args, env) -> (proc, port, /health status, connections refused before it answered):
    the stand-in on a free port (`--port N` added), healthy; on a new port when the picked one was
    taken before the stand-in bound it. All terminated after the test."""
    procs = []

    def _start(args, env=None):
        def attempt(port):
            proc = start(args + ["--port", str(port)], tmp_path / ("standin-%d.log" % port), env)
            procs.append(proc)
            status, refused = wait_healthy(proc, port)
            return proc, port, status, refused
        return serve_on_free_port("the vLLM stand-in", attempt)

    yield _start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.parametrize("args,message", [
    (["--kv-cache-dtype", "fp4"], "vllm serve: error: argument --kv-cache-dtype: invalid choice: 'fp4'"),
    (["--port", "eighty"], "vllm serve: error: argument --port: invalid int value: 'eighty'"),
    (["--max-model-len", "lots"],
     "vllm serve: error: argument --max-model-len: invalid human_readable_int_or_auto value: 'lots'"),
])
def test_bad_values_rejected_like_argparse(args, message):
    result = run(args)
    assert result.returncode == 2
    assert "usage: vllm serve [model_tag] [options]" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("flag", ["--bogus-flag", "--disable-log-requests"])
def test_unknown_and_removed_flags_rejected_like_vllm(flag):
    # measured on vLLM 0.32.0: the top-level parser reports them, exit 2
    result = run(["org/m", flag])
    assert result.returncode == 2
    assert "usage: vllm [-h] [-v]" in result.stderr
    assert "vllm: error: unrecognized arguments: %s" % flag in result.stderr.splitlines()


def test_max_num_seqs_below_one_fails_the_start():
    # the parser takes it, vLLM's SchedulerConfig (ge=1) refuses it when the engine's config is
    # built: a change preflight passes and the start refuses (the Molecule rollback tests)
    result = run(["org/m", "--max-num-seqs", "0"])
    assert result.returncode == 1
    assert ("  Input should be greater than or equal to 1 [type=greater_than_equal, input_value=0, "
            "input_type=int]") in result.stderr.splitlines(), result.stderr
    assert "max_num_seqs" in result.stderr.splitlines()


@pytest.mark.parametrize("args,message", [
    (["--max-num-seqs", "many"], "vllm serve: error: argument --max-num-seqs: invalid int value: 'many'"),
    (["--max-num-batched-tokens", "lots"],
     "vllm serve: error: argument --max-num-batched-tokens: invalid human_readable_int value: 'lots'"),
    (["--tool-call-parser"], "vllm serve: error: argument --tool-call-parser: expected one argument"),
    (["--enable-prefix-caching=yes"], "vllm serve: error: argument --enable-prefix-caching/--no-enable-prefix-caching: "
                                      "ignored explicit argument 'yes'"),
    (["--swap-space", "4"], "vllm: error: unrecognized arguments: --swap-space 4"),
    (["--cpu-offload-gb", "ten"], "vllm serve: error: argument --cpu-offload-gb: invalid float value: 'ten'"),
    (["--hf-overrides", "{bad}"], "vllm serve: error: argument --hf-overrides: Value {bad} cannot be converted "
                                  "to <function loads at 0x"),
])
def test_refused_as_vllm_0_32_refuses(args, message):
    result = run(["org/m"] + args)
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.startswith(message)], result.stderr


def test_agent_flags_accepted():
    # what real vLLM 0.32.0 accepts is parsed from the table, kept, and otherwise ignored
    args = standin_module().parse_args(
        ["serve", "org/m", "--enable-auto-tool-choice", "--tool-call-parser", "hermes",
         "--reasoning-parser", "qwen3", "--enable-prefix-caching", "--max-num-batched-tokens", "8k",
         "-O3", "--compilation-config.cudagraph_mode", "PIECEWISE", "--enable-prefix"])
    assert (args.enable_auto_tool_choice, args.tool_call_parser, args.reasoning_parser) == (True, "hermes", "qwen3")
    assert (args.enable_prefix_caching, args.max_num_batched_tokens, args.optimization_level) == (True, 8000, "3")
    assert json.loads(args.compilation_config) == {"cudagraph_mode": "PIECEWISE"}


def test_parses_with_the_0_32_0_table():
    module = standin_module()
    assert module.PARSER_RELEASE == (0, 32, 0)
    assert module.SERVE_OPTIONS is dict(module.VLLM_FLAGS.RELEASES)[(0, 32, 0)]
    # every option whose kind the table module converts has that converter
    assert module.VALUE_TYPES["--max-num-seqs"] is int
    assert module.VALUE_TYPES["--max-num-batched-tokens"] is module.VLLM_FLAGS.human_readable_int
    assert "--compilation-config" not in module.VALUE_TYPES  # config: vLLM's classes check it, not the parser
    row = [r for r in module.SERVE_OPTIONS if r[0] == "--kv-cache-dtype"][0]
    assert sorted(row[3]) == sorted(module.CACHE_DTYPES)


def test_table_beside_the_stand_in_as_in_the_image(tmp_path):
    # the image: /usr/local/lib/vllm_standin/{vllm_standin.py,_vllm_flags.py}, no checkout
    table = STANDIN.parents[2] / "plugins" / "module_utils" / "_vllm_flags.py"
    (tmp_path / "vllm_standin.py").write_bytes(STANDIN.read_bytes())
    alone = subprocess.run([sys.executable, str(tmp_path / "vllm_standin.py"), "org/m", "--no-such"],
                           capture_output=True, text=True, timeout=30, check=False)
    assert alone.returncode == 1 and "_vllm_flags.py is neither beside" in alone.stderr, alone.stderr
    (tmp_path / "_vllm_flags.py").write_bytes(table.read_bytes())
    beside = subprocess.run([sys.executable, str(tmp_path / "vllm_standin.py"), "org/m", "--no-such"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert beside.returncode == 2, beside.stderr
    assert "vllm: error: unrecognized arguments: --no-such" in beside.stderr.splitlines()


def standin_module():
    sys.path.insert(0, str(STANDIN.parent))
    import vllm_standin  # pylint: disable=import-outside-toplevel
    return vllm_standin


@pytest.mark.parametrize("argv,expected", [
    (["org/m", "--max-model-len", "auto"], None),
    (["org/m", "--max-model-len", "-1"], None),
    (["org/m", "--max-model-len", "32k"], 32000),
    (["org/m", "--max-model-len", "32K"], 32768),
    (["org/m", "--max_model_len", "4096"], 4096),
    (["org/m", "--max_model_len=2048"], 2048),
])
def test_max_model_len_spellings(argv, expected):
    args = standin_module().parse_args(argv)
    assert args.max_model_len == expected
    assert args.model == "org/m"


def test_underscore_spellings_and_positional_model():
    args = standin_module().parse_args(
        ["serve", "org/m", "--served_model_name", "alias", "--gpu_memory_utilization=0.5",
         "--kv_cache_dtype", "fp8", "--enable-log-requests"])
    assert (args.model, args.served, args.gpu_memory_utilization, args.kv_cache_dtype) == \
        ("org/m", ["alias"], 0.5, "fp8")


def test_model_flag_deprecated_but_accepted(capsys):
    args = standin_module().parse_args(["--model", "org/m"])
    assert args.model == "org/m"
    assert "The `--model` option will be removed in a future version." in capsys.readouterr().err


@pytest.mark.parametrize("util", ["0", "1.5", "-0.1"])
def test_utilization_out_of_range(util):
    result = run(["--gpu-memory-utilization", util])
    assert result.returncode == 1
    assert "gpu_memory_utilization" in result.stderr


@pytest.mark.parametrize("total_kb,avail_kb,util", [
    (125_341_856, 80_000_000, 0.9),      # GB10-like, Ollama squatting
    (24_000_000, 21_000_000, 0.9),
    (24_000_000, 11_999_999, 0.5),       # one kB short
])
def test_memory_check_message_exact(tmp_path, total_kb, avail_kb, util):
    meminfo = fake_meminfo(tmp_path, total_kb, avail_kb)
    result = run_on_free_port(["--gpu-memory-utilization", str(util)],
                              env={"VLLM_STANDIN_MEMINFO": str(meminfo), "VLLM_STANDIN_CUDA_CONTEXT_BYTES": "0"})
    total, free = total_kb * 1024, avail_kb * 1024
    requested = math.ceil(total * util)
    assert free < requested
    assert result.returncode == 1
    expected = MESSAGE.format(free=round(free / GIB, 2), total=round(total / GIB, 2),
                              util=util, req=round(requested / GIB, 2))
    assert expected in result.stderr.splitlines()


def test_memory_check_boundary(tmp_path, server):
    # exactly the requested amount available: passes (free < requested fails)
    total_kb = 24_000_000
    util = 0.5
    meminfo = fake_meminfo(tmp_path, total_kb, math.ceil(total_kb * 1024 * util) // 1024)
    status = server(["--gpu-memory-utilization", str(util)],
                    env={"VLLM_STANDIN_MEMINFO": str(meminfo), "VLLM_STANDIN_CUDA_CONTEXT_BYTES": "0",
                         "VLLM_STANDIN_STARTUP_SECONDS": "0"})[2]
    assert status == 200


@pytest.mark.parametrize("context,passes", [(None, False), ("2.7G", False), ("2.6G", True),
                                            ("0", True)])
def test_cuda_context_taken_before_the_check(tmp_path, server, context, passes):
    # GB10-like: 119.54 GiB total, utilization 0.85 asks 101.61 GiB; MemAvailable is
    # 104.3 GiB, which a check without the CUDA context (2.7 GiB by default) would pass.
    total_kb = 125_341_856
    avail_kb = int(104.3 * (1 << 20))
    util = 0.85
    env = {"VLLM_STANDIN_MEMINFO": str(fake_meminfo(tmp_path, total_kb, avail_kb)),
           "VLLM_STANDIN_STARTUP_SECONDS": "0"}
    if context is not None:
        env["VLLM_STANDIN_CUDA_CONTEXT_BYTES"] = context
    if passes:
        assert server(["--gpu-memory-utilization", str(util)], env=env)[2] == 200
        return
    result = run_on_free_port(["--gpu-memory-utilization", str(util)], env=env)
    assert result.returncode == 1
    total = total_kb * 1024
    free = avail_kb * 1024 - int(2.7 * GIB)
    expected = MESSAGE.format(free=round(free / GIB, 2), total=round(total / GIB, 2), util=util,
                              req=round(math.ceil(total * util) / GIB, 2))
    assert expected in result.stderr.splitlines()
    assert "(101.6/119.54 GiB)" in expected


def test_cuda_context_knob_refuses_garbage():
    result = run_on_free_port([], env={"VLLM_STANDIN_CUDA_CONTEXT_BYTES": "lots"})
    assert result.returncode == 1
    assert "VLLM_STANDIN_CUDA_CONTEXT_BYTES" in result.stderr


def test_message_numbers_for_gb10():
    sys.path.insert(0, str(STANDIN.parent))
    import vllm_standin  # pylint: disable=import-outside-toplevel

    total = 128_350_060_544  # 119.54 GiB
    with pytest.raises(ValueError) as err:
        vllm_standin.request_memory(60 * GIB, total, 0.9)
    assert str(err.value) == (
        "Free memory on device cuda:0 (60.0/119.54 GiB) on startup is less than desired GPU "
        "memory utilization (0.9, 107.58 GiB). Decrease GPU memory utilization or reduce GPU "
        "memory used by other processes.")
    assert vllm_standin.request_memory(108 * GIB, total, 0.9) == math.ceil(total * 0.9)


def test_default_reads_real_meminfo():
    # no fake: utilization 1.0 can never fit on a live host (MemAvailable < MemTotal)
    result = run_on_free_port(["--gpu-memory-utilization", "1.0"], env=None)
    assert result.returncode == 1
    with open("/proc/meminfo", encoding="ascii") as handle:
        total_kb = int(handle.readline().split()[1])
    assert "/%s GiB) on startup" % round(total_kb * 1024 / GIB, 2) in result.stderr


def test_refused_while_loading_then_endpoints(server):
    _proc, port, status, refused = server(
        ["serve", "org/some-model", "--served-model-name", "alias", "--gpu-memory-utilization", "0.05",
         "--kv-cache-dtype", "fp8", "--max-model-len", "8192", "--host", "127.0.0.1"],
        env={"VLLM_STANDIN_STARTUP_SECONDS": "1.5"})
    assert status == 200
    assert refused > 0, "connections must be refused while the model loads"
    status, body = get(port, "/health")
    assert (status, body) == (200, "")
    status, body = get(port, "/metrics")
    assert status == 200
    assert 'vllm:kv_cache_usage_perc{engine="0",model_name="alias"} 0.0' in body.splitlines()
    status, body = get(port, "/v1/models")
    data = json.loads(body)["data"]
    assert status == 200 and data[0]["id"] == "alias" and data[0]["root"] == "org/some-model"
    assert data[0]["max_model_len"] == 8192
    status, body = get(port, "/version")
    assert status == 200 and "version" in json.loads(body)


def test_api_key(server):
    proc, port = server(["--model", "m", "--api-key", "s3cr3t", "--gpu-memory-utilization", "0.05"],
                        env={"VLLM_STANDIN_STARTUP_SECONDS": "0"})[:2]
    assert get(port, "/v1/models")[0] == 401
    assert get(port, "/v1/models", {"Authorization": "Bearer wrong"})[0] == 401
    assert get(port, "/v1/models", {"Authorization": "Bearer s3cr3t"})[0] == 200
    assert get(port, "/health")[0] == 200
    assert get(port, "/metrics")[0] == 200
    proc.terminate()
    proc.wait(timeout=10)
    assert "s3cr3t" not in log_of(proc)


def test_holds_real_memory(server):
    def available():
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no MemAvailable")

    hold = 512 << 20
    before = available()
    proc = server(["--model", "m", "--gpu-memory-utilization", "0.05"],
                  env={"VLLM_STANDIN_STARTUP_SECONDS": "0", "VLLM_STANDIN_HOLD_BYTES": "512M"})[0]
    with open("/proc/%d/status" % proc.pid, encoding="ascii") as handle:
        rss_kb = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
    assert rss_kb * 1024 >= hold
    assert before - available() > hold // 2  # other processes move the figure; RSS is exact


def test_port_in_use_fails(server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        result = run(["--host", "127.0.0.1", "--port", str(port),
                      "--gpu-memory-utilization", "0.05"])
    assert result.returncode == 1
    assert "error while attempting to bind" in result.stderr


def post(port, path, body=None, headers=None, timeout=5):
    data = json.dumps(body if body is not None else {}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                 headers=dict({"content-type": "application/json"},
                                              **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def ready(server):
    """A running stand-in serving 'tiny'; returns (proc, port)."""

    def _ready(extra=None, env=None, health=200):
        proc, port, status, _refused = server(
            ["org/tiny", "--served-model-name", "tiny", "--host", "127.0.0.1", "--gpu-memory-utilization",
             "0.05", "--max-model-len", "256"] + (extra or []),
            env=dict({"VLLM_STANDIN_STARTUP_SECONDS": "0"}, **(env or {})))
        assert status == health
        return proc, port

    return _ready


def test_completion_fields_and_max_tokens(ready):
    _proc, port = ready()
    status, body = post(port, "/v1/completions",
                        {"model": "tiny", "prompt": "one two three", "max_tokens": 5})
    assert status == 200
    reply = json.loads(body)
    assert reply["object"] == "text_completion" and reply["id"].startswith("cmpl-")
    assert reply["model"] == "tiny" and isinstance(reply["created"], int)
    choice = reply["choices"][0]
    assert set(choice) >= {"index", "text", "finish_reason", "logprobs"}
    assert choice["index"] == 0 and choice["finish_reason"] == "length"
    assert len(choice["text"].split()) == 5
    assert reply["usage"]["completion_tokens"] == 5
    assert reply["usage"]["prompt_tokens"] == 3
    assert reply["usage"]["total_tokens"] == 8
    # vLLM's default max_tokens for /v1/completions is 16
    reply = json.loads(post(port, "/v1/completions", {"prompt": "x"})[1])
    assert reply["usage"]["completion_tokens"] == 16


def test_chat_completion_fields(ready):
    _proc, port = ready()
    status, body = post(port, "/v1/chat/completions",
                        {"model": "tiny", "max_tokens": 3,
                         "messages": [{"role": "user", "content": "hello"}]})
    assert status == 200
    reply = json.loads(body)
    assert reply["object"] == "chat.completion" and reply["id"].startswith("chatcmpl-")
    choice = reply["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert len(choice["message"]["content"].split()) == 3
    assert choice["finish_reason"] == "length" and "logprobs" in choice
    reply = json.loads(post(port, "/v1/chat/completions",
                            {"messages": [{"role": "user", "content": "hi"}]})[1])
    assert reply["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize("path,body", [
    ("/v1/completions", {"model": "nope", "prompt": "x"}),
    ("/v1/chat/completions", {"model": "nope", "messages": [{"role": "user", "content": "x"}]}),
])
def test_unknown_model_404(ready, path, body):
    _proc, port = ready()
    status, text = post(port, path, body)
    assert status == 404
    assert json.loads(text) == {"error": {
        "message": "The model `nope` does not exist. Valid aliases: tiny.",
        "type": "NotFoundError", "param": "model", "code": 404}}


def test_bad_requests_400(ready):
    _proc, port = ready()
    assert post(port, "/v1/completions", {"prompt": "x", "max_tokens": 0})[0] == 400
    status, body = post(port, "/v1/completions", {"prompt": "x", "max_tokens": 1000})
    assert (status, json.loads(body)["error"]["param"]) == (400, "max_tokens")
    status, body = post(port, "/v1/completions", {"prompt": "x y", "max_tokens": 255})
    assert (status, json.loads(body)["error"]["param"]) == (400, "input_tokens")
    assert post(port, "/v1/chat/completions", {"model": "tiny"})[0] == 400


@pytest.mark.parametrize("via_env", [False, True])
def test_api_key_on_completions(ready, via_env):
    if via_env:
        _proc, port = ready(env={"VLLM_API_KEY": "k3y"})
    else:
        _proc, port = ready(["--api-key", "k3y"])
    body = {"prompt": "x", "max_tokens": 1}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        status, text = post(port, "/v1/completions", body, headers)
        assert (status, json.loads(text)) == (401, {"error": "Unauthorized"})
        assert post(port, "/v1/chat/completions", {"messages": []}, headers)[0] == 401
    assert post(port, "/v1/completions", body, {"Authorization": "Bearer k3y"})[0] == 200
    for path in ("/health", "/metrics", "/version"):
        assert get(port, path)[0] == 200


ENGINE_DEAD = {"error": {"message": "EngineCore encountered an issue. See stack trace (above) "
                                    "for the root cause.", "type": "InternalServerError",
                         "param": None, "code": 500}}


def test_kill_engine_then_server_exits(ready):
    proc, port = ready()
    assert post(port, "/standin/kill_engine")[0] == 200
    assert get(port, "/health") == (503, "")
    assert get(port, "/v1/models")[0] == 200  # the API server itself still answers
    status, body = post(port, "/v1/completions", {"prompt": "x"})
    assert (status, json.loads(body)) == (500, ENGINE_DEAD)
    # vLLM's terminate_if_errored: the server shuts down after the failed request, and
    # `vllm serve` exits 0 (measured on 0.32.0)
    assert proc.wait(timeout=10) == 0


def test_dead_engine_watchdog_shuts_down_without_requests(ready):
    proc, port = ready()
    proc.send_signal(signal.SIGUSR1)
    # vLLM's watchdog looks every 5 s
    assert proc.wait(timeout=15) == 0
    assert "EngineDeadError" in log_of(proc)


def test_kill_engine_keep_alive_and_signal(ready):
    proc, port = ready(env={"VLLM_KEEP_ALIVE_ON_ENGINE_DEATH": "1"})
    proc.send_signal(signal.SIGUSR1)
    wait_for("/health 503 after SIGUSR1 killed the engine", lambda: get(port, "/health")[0] == 503,
             timeout=5)
    status, body = post(port, "/v1/chat/completions", {"messages": []})
    assert (status, json.loads(body)) == (500, ENGINE_DEAD)
    # A bounded observation that something does NOT happen: the server does not exit within one
    # watchdog round plus a second (the watchdog would shut a dead engine's server down in it;
    # VLLM_KEEP_ALIVE_ON_ENGINE_DEATH keeps it up). No event marks a round, so it is sat out, and
    # an exit ends the wait (and fails the test) at once.
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=standin_module().WATCHDOG_SECONDS + 1)
    assert proc.poll() is None
    assert post(port, "/standin/revive_engine")[0] == 200  # dead stays dead
    assert get(port, "/health")[0] == 503
    assert proc.poll() is None


def test_engine_dead_from_start(ready):
    _proc, port = ready(env={"VLLM_STANDIN_ENGINE": "dead",
                             "VLLM_KEEP_ALIVE_ON_ENGINE_DEATH": "1"}, health=503)
    assert post(port, "/v1/completions", {"prompt": "x"})[0] == 500


def test_wedged_engine_hangs_with_health_200(ready):
    _proc, port = ready()
    assert post(port, "/standin/wedge_engine")[0] == 200
    assert get(port, "/health") == (200, "")
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        post(port, "/v1/completions", {"prompt": "x", "max_tokens": 1}, timeout=1.5)
    assert post(port, "/standin/revive_engine")[0] == 200
    assert post(port, "/v1/completions", {"prompt": "x", "max_tokens": 1})[0] == 200


def test_wedged_engine_error_mode(ready):
    proc, port = ready()
    assert post(port, "/standin/wedge_engine", {"mode": "error"})[0] == 200
    assert get(port, "/health")[0] == 200
    assert post(port, "/v1/completions", {"prompt": "x"}) == (500, "")
    assert proc.poll() is None
    assert post(port, "/standin/wedge_engine", {"mode": "bogus"})[0] == 400


def head(port, path):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method="HEAD")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers.get("allow")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("allow")


def test_head_like_fastapi(ready):
    _proc, port = ready()
    assert head(port, "/health") == (405, "GET")
    assert head(port, "/version") == (405, "GET")
    assert head(port, "/v1/models") == (405, "GET")
    assert head(port, "/metrics")[0] == 200
    assert head(port, "/nothing")[0] == 404
    assert post(port, "/health")[0] == 405


# ---- the GB10 driver during the load (VLLM_STANDIN_DRIVER_MEMFREE): allocations from MemFree
def meminfo_free(tmp_path, total_kb, free_kb, available_kb):
    path = tmp_path / "meminfo-free"
    path.write_text("MemTotal:       %d kB\nMemFree:        %d kB\nMemAvailable:   %d kB\n"
                    % (total_kb, free_kb, available_kb))
    return path


def test_driver_load_steps_arithmetic():
    sys.path.insert(0, str(STANDIN.parent))
    import vllm_standin  # pylint: disable=import-outside-toplevel

    assert vllm_standin.load_steps(10, 4) == [3, 5, 8, 10]
    assert vllm_standin.load_steps(8 * GIB, 8)[-1] == 8 * GIB
    assert vllm_standin.load_steps(5, 0) == [5]
    assert vllm_standin.driver_short(10, 10) == 0
    assert vllm_standin.driver_short(9, 10) == 1


# 24 GB total, utilization 0.5 asks 11.44 GiB: MemAvailable 20 GB passes the start-up check.
DRIVER_ENV = {"VLLM_STANDIN_CUDA_CONTEXT_BYTES": "0", "VLLM_STANDIN_STARTUP_SECONDS": "0",
              "VLLM_STANDIN_LOAD_STEPS": "4"}


def test_driver_fails_the_load_when_memfree_is_short(tmp_path):
    meminfo = meminfo_free(tmp_path, 24_000_000, 4_000_000, 20_000_000)
    result = run_on_free_port(["--gpu-memory-utilization", "0.5"],
                              env=dict(DRIVER_ENV, VLLM_STANDIN_MEMINFO=str(meminfo), VLLM_STANDIN_DRIVER_MEMFREE="1"))
    assert result.returncode == 1
    assert "Memory check passed" in result.stderr          # MemAvailable passed vLLM's own check
    assert "Out of memory [NV_ERR_NO_MEMORY]" in result.stderr
    assert "torch.OutOfMemoryError: CUDA error: out of memory" in result.stderr
    # 4 GB of MemFree covers the first step (2.86 GiB) but not the second (5.72 GiB)
    assert "load step 2/4: the driver needs 5.72 GiB of free pages, MemFree is 3.81 GiB" in result.stderr


def test_driver_loads_when_memfree_covers_it(tmp_path, server):
    meminfo = meminfo_free(tmp_path, 24_000_000, 12_000_000, 20_000_000)
    _proc, _port, status, _refused = server(
        ["--gpu-memory-utilization", "0.5"],
        env=dict(DRIVER_ENV, VLLM_STANDIN_MEMINFO=str(meminfo), VLLM_STANDIN_DRIVER_MEMFREE="1"))
    assert status == 200


def test_driver_off_by_default_memfree_does_not_matter(tmp_path, server):
    meminfo = meminfo_free(tmp_path, 24_000_000, 1_000, 20_000_000)
    assert server(["--gpu-memory-utilization", "0.5"], env=dict(DRIVER_ENV, VLLM_STANDIN_MEMINFO=str(meminfo)))[2] == 200


def test_driver_steps_knob_refuses_garbage(tmp_path):
    meminfo = meminfo_free(tmp_path, 24_000_000, 12_000_000, 20_000_000)
    result = run_on_free_port(["--gpu-memory-utilization", "0.5"],
                              env=dict(DRIVER_ENV, VLLM_STANDIN_MEMINFO=str(meminfo), VLLM_STANDIN_DRIVER_MEMFREE="1",
                                       VLLM_STANDIN_LOAD_STEPS="many"))
    assert result.returncode == 1 and "VLLM_STANDIN_LOAD_STEPS" in result.stderr
