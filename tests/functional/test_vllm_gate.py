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
import yaml

from gx10_functional import (CONTAINER_ID, STANDIN_BOUND, docker_proxy, fake_docker, nothing_listens, run_tasks,
                             serve_on_free_port, wait_bound)

REPO = Path(__file__).resolve().parents[2]
# What the role installs for the gate (its list, read from the role: the gate must import nothing else)
MODULE_UTILS = yaml.safe_load((REPO / "roles" / "vllm" / "vars" / "main.yml").read_text())["_vllm_gate_module_utils"]
STANDIN = REPO / "tests" / "vllm_standin" / "vllm_standin.py"

FAKE_SYSTEMCTL = """#!/bin/sh
# records every call; `is-active ollama` answers from $GX10_FAKE_ACTIVE, LoadState loaded,
# `list-jobs UNIT` shows a job of type $GX10_FAKE_JOB when set (as systemd 252 prints it)
echo "$*" >> "$GX10_FAKE_LOG"
case "$*" in
  "start --no-block ollama") [ "$GX10_FAKE_START_FAILS" = 1 ] && { echo "Job failed" >&2; exit 1; } ;;
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
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "systemctl").write_text(FAKE_SYSTEMCTL)
    (bindir / "systemctl").chmod(0o755)
    (bindir / "systemd-run").write_text('#!/bin/sh\necho "systemd-run $*" >> "$GX10_FAKE_LOG"\n')
    (bindir / "systemd-run").chmod(0o755)
    return gate_dir / "vllm_gate.py", bindir


CONTAINER_KEYS = ("gpu_memory_utilization", "margin", "health_timeout", "vllm_url", "model",
                  "served_model_name", "api_key", "container_state", "labelled", "container_port")


def settings(tmp_path, ollama_url, **kw):
    """The host's settings file as the role writes it, and a `docker` on PATH whose container
    carries the rest as the role creates it (command line, port binding, environment, label)."""
    cfg = dict(container="vllm", unit="vllm.service", ollama_url=ollama_url, ollama_service="ollama",
               hold_ollama=False, unload_timeout=20, run_dir=str(tmp_path / "run"),
               state_dir=str(tmp_path / "state"))
    container = dict(gpu_memory_utilization=0.01, margin="64MiB", health_timeout=60, vllm_url="http://127.0.0.1:1",
                     model="org/m", served_model_name="standin", api_key="", container_state="running",
                     labelled=True)
    for key, value in kw.items():
        (container if key in CONTAINER_KEYS else cfg)[key] = value
    fake_docker(tmp_path / "bin", **container)
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
print("gx10-imported: http=%s" % ("http.client" in sys.modules), flush=True)
sys.exit(code)
"""


def gate(script, bindir, cfg, step, *args, active=False, job="", start_fails=False):
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]), GX10_FAKE_JOB=job,
               GX10_FAKE_START_FAILS="1" if start_fails else "0",
               GX10_FAKE_LOG=str(bindir / "systemctl.log"), GX10_FAKE_ACTIVE="1" if active else "0")
    # the host's own python3, without this venv's site-packages on the path
    proc = subprocess.run([sys.executable, "-I", "-c", WHICH_IMPORTS, str(script), str(cfg), step, *args], env=env,
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
    assert "gx10-imported: http=True" in out, out  # listing what it held is HTTP
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
    assert "gx10-imported: http=False" in out, out
    # the start half: held and stopped, so the memory gate only, without the HTTP stack
    rc, out = gate(script, bindir, cfg, "pre", active=False)
    assert rc == 0, out
    assert "held before this start, nothing to evict" in out and "memory gate passed" in out, out
    assert "gx10-imported: http=False" in out, out
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


@pytest.fixture
def proxied_standin(tmp_path, standin):
    """(host URL, container port): the stand-in behind a fake docker-proxy."""
    container_port = int(standin.rsplit(":", 1)[1])
    with docker_proxy(tmp_path, container_port) as url:
        yield url, container_port


def test_post_waits_until_vllm_serves_records_it_and_releases(tmp_path, ollama_server, proxied_standin):
    assert os.geteuid() == 0, "the listener check reads other processes' sockets: run as root"
    script, bindir = install_layout(tmp_path)
    url, container_port = proxied_standin
    cfg = settings(tmp_path, ollama_server.url, vllm_url=url, container_port=container_port, hold_ollama=True)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("1\n")
    rc, out = gate(script, bindir, cfg, "post")
    assert rc == 0, out
    assert "vllm-gate: vLLM serves after" in out and "a completion of 'standin' succeeded" in out, out
    record = json.loads((tmp_path / "state" / "vllm.last-good.json").read_text())
    assert record["container_id"] == CONTAINER_ID and record["image_id"] == "sha256:1234"
    assert record["model"] == "org/m" and record["served_model_name"] == "standin"
    assert "start --no-block ollama" in calls(bindir)


def test_post_fails_when_the_container_exits_and_still_releases(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url, vllm_url=nothing_listens(),
                   health_timeout=40, hold_ollama=True, container_state="exited")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("1\n")
    rc, out = gate(script, bindir, cfg, "post")
    assert rc == 1, out
    assert "vllm-gate: vLLM does not serve: container vllm exited with code 0" in out, out
    assert "start --no-block ollama" in calls(bindir)
    assert not (tmp_path / "state" / "vllm.last-good.json").exists()


def test_the_container_says_what_its_start_is_checked_against(tmp_path, ollama_server):
    """The host's settings hold no utilization, margin, served name, port or key: the gate takes
    them from the container (a rollback brings its own back). A container made before the label
    existed is judged with the defaults of that time, and says so."""
    ollama_server.unload_all()
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url, gpu_memory_utilization=0.999, margin="1GiB", unload_timeout=1)
    host = json.loads(cfg.read_text())
    assert not set(host) & {"gpu_memory_utilization", "margin", "served_model_name", "api_key", "vllm_url"}
    rc, out = gate(script, bindir, cfg, "pre")
    assert rc == 1 and "require_fraction 0.999 " in out and "it can never be met" in out, out
    settings(tmp_path, ollama_server.url, gpu_memory_utilization=0.01, labelled=False)
    rc, out = gate(script, bindir, cfg, "pre")
    assert rc == 0, out
    assert "container vllm predates the gate label openclaw.gx10.gate: margin 3GiB and load timeout 900 s" in out
    assert "+ margin 3GiB)" in out, out


def test_a_container_that_cannot_say_refuses_the_start(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url)
    (bindir / "docker").write_text("#!/bin/sh\necho 'Error: No such container: vllm' >&2\nexit 1\n")
    rc, out = gate(script, bindir, cfg, "pre")
    assert rc == 1, out
    assert "REFUSED: cannot read what the start of container vllm is checked against: docker inspect vllm failed" \
        in out, out


def test_post_fails_the_start_when_the_record_cannot_be_written(tmp_path, ollama_server, proxied_standin):
    """A record that is not written would leave the next change without a rollback: the start
    fails loudly (and a held Ollama comes back)."""
    script, bindir = install_layout(tmp_path)
    (tmp_path / "state").write_text("a file where the state directory should be\n")
    url, container_port = proxied_standin
    cfg = settings(tmp_path, ollama_server.url, vllm_url=url, container_port=container_port, hold_ollama=True)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("1\n")
    rc, out = gate(script, bindir, cfg, "post")
    assert rc == 1, out
    assert "vllm-gate: FAILED: vLLM serves, but the record of this configuration could not be written to %s" \
        % (tmp_path / "state" / "vllm.last-good.json") in out, out
    assert "start --no-block ollama" in calls(bindir)


@pytest.mark.parametrize("content, why", [
    ("", "is not JSON (0 bytes)"),
    ('{"container_id": "c0ffee"', "is not JSON"),
    ("[]", "holds list, not a record"),
    ('{"container_id": "%s"}' % CONTAINER_ID, "lacks image, model, served_model_name, serving_since"),
])
def test_a_record_that_cannot_be_trusted_is_refused_naming_the_file(tmp_path, ollama_server, content, why):
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url)
    rc, out = gate(script, bindir, cfg, "record")
    assert rc == 0 and out.splitlines()[0] == "null", out  # none yet
    (tmp_path / "state").mkdir()
    path = tmp_path / "state" / "vllm.last-good.json"
    path.write_text(content)
    rc, out = gate(script, bindir, cfg, "record")
    assert rc == 1, out
    assert "REFUSED: the record of the configuration that last served cannot be trusted: %s" % path in out, out
    assert why in out and "Nothing was stopped" in out, out
    assert calls(bindir) == []  # nothing else was asked of the host


def test_the_restart_lock_waits_refuses_naming_its_holder_and_takes_over_a_dead_one(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url)
    rc, out = gate(script, bindir, cfg, "lock", "awx job 12 run from tower", "5", "600")
    assert rc == 0, out
    token = json.loads(out.splitlines()[0])["token"]
    rc, out = gate(script, bindir, cfg, "lock", "an operator", "1", "600")
    assert rc == 1, out
    assert re.search(r"REFUSED: another restart of vLLM on \S+ runs since \d{4}-\d\d-\d\dT[\d:]+Z "
                     r"\(by awx job 12 run from tower\), its lease runs until", out), out
    assert "waited 1 s for it" in out, out
    rc, out = gate(script, bindir, cfg, "unlock", token)
    assert rc == 0 and "released the restart lock" in out, out
    # a holder whose lease ran out (a killed controller) is taken over, and the taker says so
    rc, out = gate(script, bindir, cfg, "lock", "a controller that dies", "5", "0.001")
    assert rc == 0, out
    rc, out = gate(script, bindir, cfg, "lock", "the next operator", "5", "600")
    assert rc == 0, out
    assert "warning: took over the lock of a holder that is gone: since" in out, out
    assert "(by a controller that dies)" in out, out
    rc, out = gate(script, bindir, cfg, "unlock", token)  # the old token no longer holds it
    assert rc == 0 and "was no longer ours" in out, out


def test_a_hold_has_a_lease_that_starts_ollama_again_when_no_start_follows(tmp_path, ollama_server):
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url, hold_ollama=True, hold_lease=300)
    rc, out = gate(script, bindir, cfg, "hold", active=True)
    assert rc == 0 and "holding ollama stopped" in out, out
    armed = [c for c in calls(bindir) if c.startswith("systemd-run ")]
    assert armed == ["systemd-run --collect --unit openclaw-gx10-vllm-hold-lease --on-active=300s --description "
                     "openclaw.gx10: the lease of a hold of ollama /usr/bin/python3 %s %s lease" % (script, cfg)], calls(bindir)
    # the timer fires and vLLM's unit is not starting: Ollama comes back, the timer is gone
    rc, out = gate(script, bindir, cfg, "lease")
    assert rc == 0, out
    assert "the lease of the hold of ollama ran out (300 s) and no start of vLLM followed it" in out, out
    assert "released ollama" in out and "start --no-block ollama" in calls(bindir)
    assert "stop openclaw-gx10-vllm-hold-lease.timer" in calls(bindir)
    assert not (tmp_path / "run" / "vllm.ollama-held").exists()
    rc, out = gate(script, bindir, cfg, "lease")  # nothing held any more: nothing to do
    assert rc == 0 and calls(bindir).count("start --no-block ollama") == 1, out


def test_ollama_not_coming_back_never_fails_a_serving_vllm(tmp_path, ollama_server, proxied_standin):
    script, bindir = install_layout(tmp_path)
    url, container_port = proxied_standin
    cfg = settings(tmp_path, ollama_server.url, vllm_url=url, container_port=container_port, hold_ollama=True)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "vllm.ollama-held").write_text("1\n")
    rc, out = gate(script, bindir, cfg, "post", start_fails=True)
    assert rc == 0, out
    assert "vllm-gate: cannot start ollama again (rc=1): Job failed" in out, out
    assert "WARNING: vLLM serves, but ollama (the fallback) could not be started again and stays down" in out, out
    assert (tmp_path / "run" / "vllm.ollama-held").exists()  # the lease tries again


def test_a_stranger_on_vllms_port_gets_no_key_and_the_start_does_not_count(tmp_path, ollama_server, standin):
    """What answers on the container's host port is not docker's proxy for it (here a plain
    process bound to the port, as a local user could while vLLM is down): no completion, so no
    API key, is sent to it, and the start fails naming the process and its user."""
    script, bindir = install_layout(tmp_path)
    cfg = settings(tmp_path, ollama_server.url, vllm_url=standin, api_key="k-" + "9" * 20)
    rc, out = gate(script, bindir, cfg, "post")
    assert rc == 1, out
    port = standin.rsplit(":", 1)[1]
    assert re.search(r"vLLM does not serve: port %s is held by pid \d+ \(user \w+\): \S*python\S* \S*vllm_standin.py "
                     r"org/m .*not by docker's proxy for container vllm \(127\.0\.0\.1:8000\): nothing that decides "
                     r"was sent to it \(no API key\)" % port, out), out
    assert not (tmp_path / "state" / "vllm.last-good.json").exists()
