# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host's vLLM gate (roles/vllm/files/vllm_gate.py), installed the way the role installs it
(the gate beside vllm_gate_lib.json, the module_utils it imports), run as systemd
runs it against the REAL Ollama server and the vLLM stand-in, and compared with the
openclaw.gx10.ollama_unload module: one implementation, the same figures and words.

systemctl is a recording stand-in on PATH (the host's PID 1 is not systemd); Molecule's gate
scenario runs the same program under real systemd.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gx10_functional import STANDIN_BOUND, nothing_listens, run_tasks, serve_on_free_port, wait_bound

REPO = Path(__file__).resolve().parents[2]
MODULE_UTILS = ["_http.py", "_poll.py", "_memory.py", "_memgate.py", "_ollama.py", "_evict.py", "_vllm.py"]
STANDIN = REPO / "tests" / "vllm_standin" / "vllm_standin.py"

FAKE_SYSTEMCTL = """#!/bin/sh
# records every call; `is-active ollama` answers from $GX10_FAKE_ACTIVE, LoadState loaded,
# `list-jobs UNIT` shows a job of type $GX10_FAKE_JOB when set (as systemd 252 prints it)
echo "$*" >> "$GX10_FAKE_LOG"
case "$*" in
  *is-active*) [ "$GX10_FAKE_ACTIVE" = 1 ] && exit 0; exit 3 ;;
  *LoadState*) echo loaded ;;
  list-jobs*) [ -n "$GX10_FAKE_JOB" ] && echo "2389 vllm.service $GX10_FAKE_JOB running" ;;
esac
exit 0
"""


def install_layout(tmp_path):
    """What roles/vllm/tasks/host.yml puts on the host, under tmp_path: the gate and, beside it,
    the module_utils it imports in one file, {"modules": {name: [lines]}}."""
    gate_dir = tmp_path / "gate"
    gate_dir.mkdir()
    modules = {name[:-3]: (REPO / "plugins" / "module_utils" / name).read_text().split("\n") for name in MODULE_UTILS}
    (gate_dir / "vllm_gate_lib.json").write_text(json.dumps({"modules": modules}, indent=4, sort_keys=True))
    shutil.copy(REPO / "roles" / "vllm" / "files" / "vllm_gate.py", gate_dir / "vllm_gate.py")
    # the role's list of files must be what the gate imports
    vars_text = (REPO / "roles" / "vllm" / "vars" / "main.yml").read_text()
    assert "_vllm_gate_module_utils: [%s]" % ", ".join(MODULE_UTILS) in vars_text
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "systemctl").write_text(FAKE_SYSTEMCTL)
    (bindir / "systemctl").chmod(0o755)
    return gate_dir / "vllm_gate.py", bindir


def settings(tmp_path, ollama_url, **kw):
    cfg = dict(container="vllm", unit="vllm.service", ollama_url=ollama_url, ollama_service="ollama",
               hold_ollama=False, gpu_memory_utilization=0.01, margin="64MiB", unload_timeout=20,
               health_timeout=60, vllm_url="http://127.0.0.1:1", model="org/m", served_model_name="standin",
               api_key="", run_dir=str(tmp_path / "run"), state_dir=str(tmp_path / "state"))
    cfg.update(kw)
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(cfg))
    return path


# Runs the gate as systemd does and says afterwards which of these it imported.
WHICH_IMPORTS = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as exc:
    code = exc.code
print("gx10-imported: requests=%s" % ("requests" in sys.modules), flush=True)
sys.exit(code)
"""


def gate(script, bindir, cfg, step, active=False, job=""):
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]), GX10_FAKE_JOB=job,
               GX10_FAKE_LOG=str(bindir / "systemctl.log"), GX10_FAKE_ACTIVE="1" if active else "0")
    # the host's own python3, without this venv's site-packages on the path (requests apart)
    proc = subprocess.run([sys.executable, "-I", "-c", WHICH_IMPORTS, str(script), str(cfg), step], env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def calls(bindir):
    log = bindir / "systemctl.log"
    return log.read_text().splitlines() if log.exists() else []


def test_pre_evicts_and_passes_the_memory_gate(tmp_path, ollama_server):
    ollama_server.unload_all()
    ollama_server.load("tiny-a", keep_alive="2h")
    ollama_server.load("embed", keep_alive="2h")
    script, bindir = install_layout(tmp_path)
    rc, out = gate(script, bindir, settings(tmp_path, ollama_server.url), "pre")
    assert rc == 0, out
    assert "vllm-gate: evicted tiny-a:latest" in out and "vllm-gate: evicted embed:latest" in out, out
    assert re.search(r"vllm-gate: memory gate passed: MemAvailable [\d.]+ GiB >= [\d.]+ [GM]iB "
                     r"\(ceil\(MemTotal [\d.]+ GiB x 0\.01\) \+ margin 64MiB\)", out), out
    assert ollama_server.ps() == []


def meminfo():
    values = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        values[key] = int(rest.split()[0]) * 1024
    return values


def test_pre_refuses_with_the_modules_own_words(tmp_path, ollama_server):
    """The gate's refusals and the module's failures are the same messages from the same code."""
    ollama_server.unload_all()
    script, bindir = install_layout(tmp_path)
    # 1. a request that can never be met: the same sentence, byte for byte
    cfg = settings(tmp_path, ollama_server.url, gpu_memory_utilization=0.999, margin="1GiB", unload_timeout=1)
    rc, out = gate(script, bindir, cfg, "pre")
    assert rc == 1, out
    gate_msg = out.split("vllm-gate: REFUSED: ", 1)[1].splitlines()[0]
    module_msg = run_tasks([{"openclaw.gx10.ollama_unload": {
        "url": ollama_server.url, "require_fraction": 0.999, "margin": "1GiB", "wait_timeout": 1}}])[0]["msg"]
    assert gate_msg == module_msg
    assert gate_msg.endswith("is more than MemTotal %s bytes): it can never be met"
                             % gate_msg.split("MemTotal ")[-1].split(" bytes")[0])
    # 2. a request above what is free now: the deadline passes, the same words around the figures
    mem = meminfo()
    fraction = round(min(0.995, (mem["MemAvailable"] + 2 * (1 << 30)) / mem["MemTotal"]), 4)
    cfg = settings(tmp_path, ollama_server.url, gpu_memory_utilization=fraction, margin="0", unload_timeout=1)
    rc, out = gate(script, bindir, cfg, "pre")
    assert rc == 1, out
    gate_msg = out.split("vllm-gate: REFUSED: ", 1)[1].splitlines()[0]
    module_msg = run_tasks([{"openclaw.gx10.ollama_unload": {
        "url": ollama_server.url, "require_fraction": fraction, "margin": "0", "wait_timeout": 1}}])[0]["msg"]
    shape = (r"^Timed out after 1(\.0)? s waiting for MemAvailable to reach [\d.]+ GiB \(\d+ bytes, margin "
             r"included\): MemTotal [\d.]+ GiB, MemAvailable [\d.]+ GiB, MemFree [\d.]+ GiB \(short by [\d.]+ "
             r"[GMK]iB\); still resident in Ollama: none; largest processes by resident memory: ")
    assert re.match(shape, gate_msg), gate_msg
    assert re.match(shape, module_msg), module_msg
    required = re.compile(r"reach ([\d.]+ GiB \(\d+ bytes)")
    assert required.search(gate_msg).group(1) == required.search(module_msg).group(1)  # one arithmetic


def test_hold_stops_ollama_after_the_eviction_and_release_starts_it_once(tmp_path, ollama_server):
    ollama_server.unload_all()
    ollama_server.load("tiny-b", keep_alive="2h")
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url, hold_ollama=True)
    rc, out = gate(script, bindir, cfg, "pre", active=True)
    assert rc == 0, out
    # Held: stopping Ollama is the eviction (fallback traffic cannot reload between unload and
    # stop); what it held is named in the journal.
    assert "vllm-gate: evicted tiny-b:latest (" in out and "with ollama stopped" in out, out
    assert "holding ollama stopped" in out, out
    assert "gx10-imported: requests=True" in out, out  # listing what it held is HTTP
    assert "stop ollama" in calls(bindir)
    assert (tmp_path / "run" / "vllm.ollama-held").exists()
    rc, out = gate(script, bindir, cfg, "release")
    assert rc == 0 and "released ollama" in out, out
    assert calls(bindir).count("start --no-block ollama") == 1
    rc, out = gate(script, bindir, cfg, "release")  # nothing held any more: nothing started
    assert rc == 0 and calls(bindir).count("start --no-block ollama") == 1


def test_ansible_holds_before_the_restart_and_the_restart_keeps_it_held(tmp_path, ollama_server):
    """vllm_restart.yml holds Ollama while vLLM still serves; the stop half of the restart keeps
    it held and the start half only waits for memory: neither the listing nor a stop and start of
    Ollama, nor the HTTP stack's import, falls into the downtime (bench/run.sh downtime)."""
    ollama_server.unload_all()
    ollama_server.load("tiny-b", keep_alive="2h")
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url, hold_ollama=True)
    rc, out = gate(script, bindir, cfg, "hold", active=True)
    assert rc == 0, out
    assert "vllm-gate: evicted tiny-b:latest (" in out and "holding ollama stopped" in out, out
    assert calls(bindir).count("stop ollama") == 1 and (tmp_path / "run" / "vllm.ollama-held").exists()
    # the stop half of `systemctl restart vllm.service`: the unit's job is a restart
    rc, out = gate(script, bindir, cfg, "release", job="restart")
    assert rc == 0 and "keeping ollama held: vllm.service restarts" in out, out
    assert "start --no-block ollama" not in calls(bindir)
    assert "gx10-imported: requests=False" in out, out
    # the start half: held and stopped, so the memory gate only, without requests
    rc, out = gate(script, bindir, cfg, "pre", active=False)
    assert rc == 0, out
    assert "held before this start, nothing to evict" in out and "memory gate passed" in out, out
    assert "gx10-imported: requests=False" in out, out
    assert calls(bindir).count("stop ollama") == 1
    # a plain stop (its job is a stop) or a crash (no job) releases
    rc, out = gate(script, bindir, cfg, "release", job="stop")
    assert rc == 0 and "released ollama" in out, out
    assert calls(bindir).count("start --no-block ollama") == 1


def test_held_start_refuses_with_the_modules_own_words(tmp_path, ollama_server):
    """The memory-only gate of a held start is the eviction's gate: the same failure sentence."""
    ollama_server.unload_all()
    script, bindir = install_layout(tmp_path)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("0\n")
    cfg = settings(tmp_path, ollama_server.url, hold_ollama=True, gpu_memory_utilization=0.999, margin="1GiB",
                   unload_timeout=1)
    rc, out = gate(script, bindir, cfg, "pre", active=False)
    assert rc == 1, out
    gate_msg = out.split("vllm-gate: REFUSED: ", 1)[1].splitlines()[0]
    module_msg = run_tasks([{"openclaw.gx10.ollama_unload": {
        "url": ollama_server.url, "require_fraction": 0.999, "margin": "1GiB", "wait_timeout": 1}}])[0]["msg"]
    assert gate_msg == module_msg
    mem = meminfo()
    fraction = round(min(0.995, (mem["MemAvailable"] + 2 * (1 << 30)) / mem["MemTotal"]), 4)
    cfg = settings(tmp_path, ollama_server.url, hold_ollama=True, gpu_memory_utilization=fraction, margin="0",
                   unload_timeout=1)
    rc, out = gate(script, bindir, cfg, "pre", active=False)
    assert rc == 1, out
    assert re.search(r"vllm-gate: REFUSED: Timed out after 1(\.0)? s waiting for MemAvailable to reach .*"
                     r"still resident in Ollama: none \(ollama is held stopped\); largest processes", out), out


def test_hold_step_without_vllm_hold_ollama_does_nothing(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    rc, out = gate(script, bindir, settings(tmp_path, ollama_server.url, hold_ollama=False), "hold", active=True)
    assert rc == 0 and "not holding ollama: vllm_hold_ollama is false" in out, out
    assert "stop ollama" not in calls(bindir) and not (tmp_path / "run" / "vllm.ollama-held").exists()


def test_an_inactive_ollama_is_not_held(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    rc, out = gate(script, bindir, settings(tmp_path, ollama_server.url, hold_ollama=True), "pre", active=False)
    assert rc == 0, out
    assert "stop ollama" not in calls(bindir) and "holding" not in out


@pytest.fixture
def standin(tmp_path):
    """The URL of a stand-in that holds its port and loads for a second (refused, then serves)."""
    def attempt(port):
        log_path = tmp_path / ("standin-%d.log" % port)
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen([sys.executable, str(STANDIN), "org/m", "--served-model-name", "standin",
                                     "--host", "127.0.0.1", "--port", str(port), "--gpu-memory-utilization", "0.01"],
                                    env=dict(os.environ, VLLM_STANDIN_STARTUP_SECONDS="1"),
                                    stdout=subprocess.DEVNULL, stderr=log)
        wait_bound("the vLLM stand-in", proc, log_path, STANDIN_BOUND)
        return proc, "http://127.0.0.1:%d" % port

    proc, url = serve_on_free_port("the vLLM stand-in", attempt)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def fake_docker(bindir, state="running"):
    (bindir / "docker").write_text(
        "#!/bin/sh\necho '[{\"Name\": \"/vllm\", \"Id\": \"c0ffee\", \"Image\": \"sha256:1234\", "
        "\"State\": {\"Status\": \"%s\", \"Running\": %s, \"ExitCode\": 0}, "
        "\"Config\": {\"Image\": \"standin:test\"}}]'\n" % (state, "true" if state == "running" else "false"))
    (bindir / "docker").chmod(0o755)


def test_post_waits_until_vllm_serves_records_it_and_releases(tmp_path, ollama_server, standin):
    script, bindir = install_layout(tmp_path)
    fake_docker(bindir)
    cfg = settings(tmp_path, ollama_server.url, vllm_url=standin, hold_ollama=True)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("1\n")
    rc, out = gate(script, bindir, cfg, "post")
    assert rc == 0, out
    assert "vllm-gate: vLLM serves after" in out and "a completion of 'standin' succeeded" in out, out
    record = json.loads((tmp_path / "state" / "vllm.last-good.json").read_text())
    assert record["container_id"] == "c0ffee" and record["image_id"] == "sha256:1234"
    assert record["model"] == "org/m" and record["served_model_name"] == "standin"
    assert "start --no-block ollama" in calls(bindir)


def test_post_fails_when_the_container_exits_and_still_releases(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    fake_docker(bindir, state="exited")
    cfg = settings(tmp_path, ollama_server.url, vllm_url=nothing_listens(),
                   health_timeout=40, hold_ollama=True)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("1\n")
    rc, out = gate(script, bindir, cfg, "post")
    assert rc == 1, out
    assert "vllm-gate: vLLM does not serve: container vllm exited with code 0" in out, out
    assert "start --no-block ollama" in calls(bindir)
    assert not (tmp_path / "state" / "vllm.last-good.json").exists()
