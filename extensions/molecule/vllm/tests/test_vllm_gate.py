"""Every start of vLLM passes the gate: a crash, a unit restart under fallback traffic, a reboot
with a client that loads a model at boot, and a changed configuration that fails (rollback).

Real systemd (PID 1 of the target), the real Ollama (ollama.service), docker inside the target,
the vLLM stand-in (its start-up memory check is GB10's). Tests run in file order, one target.
The order of events is read from the vLLM unit's journal (the gate's lines and the container's
own output go to the same journal, in order), never from timing.
"""

import json
import math
import os
import re
import subprocess
from pathlib import Path

import pytest
from gx10_testinfra import (BAD_VALUE, BAD_VALUE_ERROR, GIB, MIB, REPO, health, inspect, journal_cursor, journal_since,
                            meminfo, ollama_empty, ollama_load, ollama_names, ollama_up, play, serves, wait_for)


SCENARIO = Path(__file__).resolve().parents[1]
CONVERGE = SCENARIO / "converge.yml"
RESTART = REPO / "playbooks" / "vllm_restart.yml"
HOLD = 256 * MIB     # VLLM_STANDIN_HOLD_BYTES in molecule.yml
MARGIN = 256 * MIB   # vllm_restart_margin in molecule.yml
OOM = "Free memory on device cuda:0"
FIRST_LINE = "vLLM API server version"   # the stand-in's first line, as real vLLM's
TARGET = os.environ.get("GX10_VLLM_INSTANCE", "gx10-vllm")


def unit(host, *props):
    out = host.check_output("systemctl show vllm.service %s" % " ".join("-p " + p for p in props))
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def index_of(lines, text, start=0):
    for i, line in enumerate(lines[start:], start):
        if text in line:
            return i
    raise AssertionError("no line with %r in the journal:\n%s" % (text, "\n".join(lines)))


def released(lines):
    """The journal lines when the gate has released Ollama in them, else None."""
    return lines if any("vllm-gate: released ollama" in line for line in lines) else None


def gate_says_serving(lines):
    """The journal lines when the gate's post has said vLLM serves in them, else None."""
    return lines if any("vllm-gate: vLLM serves" in line for line in lines) else None


def ollama_back(host):
    """The gate's ExecStartPost releases a held Ollama right after its own completion."""
    ollama_up(host)


def wait_serving(host, timeout=180):
    wait_for("vLLM to serve", lambda: health(host) == "200" and serves(host), timeout=timeout, interval=1)


CLIENT_SH = """#!/bin/sh
# Fallback traffic: ask Ollama for $1 (pinned 2h) again and again; systemd-run bounds it in time.
while :; do
    curl -s -m 10 -o /dev/null http://127.0.0.1:11434/api/generate -d "{\\"model\\": \\"$1\\", \\"keep_alive\\": \\"2h\\"}"
    sleep 0.2
done
"""


def client_loop(host, model, seconds):
    """A client that keeps asking Ollama for MODEL, as clients do while vLLM is down."""
    write(host, "/usr/local/bin/gx10-client.sh", CLIENT_SH)
    host.check_output("systemd-run --unit gx10-client --property=RuntimeMaxSec=%d /bin/sh "
                      "/usr/local/bin/gx10-client.sh %s" % (seconds, model))


BOOT_CLIENT_SH = """#!/bin/sh
until curl -sf -m 2 http://127.0.0.1:11434/api/version; do sleep 0.1; done
curl -s -m 60 http://127.0.0.1:11434/api/generate -d '{"model": "big", "keep_alive": "2h"}'
"""
BOOT_CLIENT = """[Unit]
Description=a client that loads big as soon as Ollama answers
After=ollama.service
Before=vllm.service

[Service]
Type=oneshot
ExecStart=/bin/sh /usr/local/bin/gx10-boot-client.sh

[Install]
WantedBy=multi-user.target
"""


def write(host, path, content):
    host.check_output("cat > %s <<'GX10EOF'\n%sGX10EOF" % (path, content))


def stop_client(host):
    host.run("systemctl stop gx10-client.service")


# ---------------------------------------------------------------- the unit

def test_the_host_owns_vllm_through_a_unit(host):
    data = inspect(host)
    assert data["HostConfig"]["RestartPolicy"]["Name"] == "no"  # docker never restarts it blind
    assert host.service("vllm").is_enabled and host.service("vllm").is_running
    props = unit(host, "ExecStartPre", "ExecStartPost", "Restart", "After", "StartLimitBurst")
    assert "vllm_gate.py" in props["ExecStartPre"] and " pre " in props["ExecStartPre"] + " "
    assert "vllm_gate.py" in props["ExecStartPost"]
    assert props["Restart"] == "always"  # vLLM exits 0 when its engine dies
    assert "docker.service" in props["After"] and "ollama.service" in props["After"]
    assert int(props["StartLimitBurst"]) == 5
    cfg = host.file("/etc/openclaw-gx10/vllm-gate.json")
    assert cfg.mode == 0o600
    # The gate runs the collection's own code: the same sources as the modules', in one file.
    installed = json.loads(host.file("/usr/local/lib/openclaw-gx10/vllm_gate_lib.json").content_string)["modules"]
    for name in ("_evict", "_memory", "_ollama", "_vllm"):
        assert "\n".join(installed[name]) == (REPO / "plugins" / "module_utils" / (name + ".py")).read_text()
    assert not host.file("/usr/local/lib/openclaw-gx10/lib").exists  # the old layout is removed


@pytest.fixture(scope="module")
def tight(host):
    """A utilization with which vLLM fits only when Ollama holds nothing (live figures)."""
    ollama_empty(host)
    avail_empty = meminfo(host)["MemAvailable"]
    ollama_load(host, ["big", "mid"])
    avail_loaded = meminfo(host)["MemAvailable"]
    held = avail_empty - avail_loaded
    assert held > 1.5 * GIB, "Ollama holds only %.2f GiB" % (held / GIB)
    ollama_empty(host)
    total = meminfo(host)["MemTotal"]
    # Between what a start finds with the models loaded and what the gate needs empty.
    requested = ((avail_loaded + HOLD) + (avail_empty + HOLD - MARGIN)) // 2
    util = math.floor(requested / total * 10000) / 10000
    rc, out = play(CONVERGE, {"vllm_gpu_memory_utilization": util})
    assert rc == 0, out
    wait_serving(host)
    return {"vllm_gpu_memory_utilization": util}


# ---------------------------------------------------------------- crash

def test_crash_evicts_the_pinned_model_before_the_new_process_starts(host, tight):
    ollama_load(host, ["big", "mid"])          # a client pinned them for 2h
    restarts = int(unit(host, "NRestarts")["NRestarts"])
    mark = journal_cursor(host)
    pid = inspect(host)["State"]["Pid"]
    host.check_output("kill -9 %d" % pid)      # vLLM's main process
    wait_for("systemd to restart vllm.service",
             lambda: int(unit(host, "NRestarts")["NRestarts"]) > restarts, timeout=60)
    wait_serving(host)
    # the gate's post says so after its own completion and the record's write: later than ours
    lines = wait_for("the gate to say vLLM serves", lambda: gate_says_serving(journal_since(host, mark)), timeout=60)
    evicted = index_of(lines, "vllm-gate: evicted big:latest")
    index_of(lines, "vllm-gate: evicted mid:latest")
    gate = index_of(lines, "vllm-gate: memory gate passed", evicted)
    started = index_of(lines, FIRST_LINE, gate)  # the new process's first line comes after
    assert evicted < gate < started
    assert not any(OOM in line for line in lines), lines
    index_of(lines, "vllm-gate: vLLM serves", started)
    ollama_back(host)
    assert ollama_names(host) == []  # released empty: nothing reloaded the pinned models


def test_a_dead_engine_comes_back_through_the_gate(host, tight):
    # vLLM exits 0 when its engine dies (measured on 0.32.0; the stand-in does the same).
    ollama_load(host, ["mid"])
    mark = journal_cursor(host)
    before = unit(host, "InvocationID")["InvocationID"]
    host.check_output("curl -s -m 5 -X POST http://127.0.0.1:8000/standin/kill_engine")
    wait_for("systemd to start vllm.service again", lambda: unit(host, "InvocationID", "ActiveState")
             ["InvocationID"] != before, timeout=90)
    wait_serving(host)
    ollama_back(host)
    lines = journal_since(host, mark)
    evicted = index_of(lines, "vllm-gate: evicted mid:latest")
    assert evicted < index_of(lines, FIRST_LINE, evicted)
    assert ollama_names(host) == []


# ---------------------------------------------------------------- fallback traffic

@pytest.mark.parametrize("how", ["systemctl restart", "crash"])
def test_fallback_traffic_never_breaks_a_start(host, tight, how):
    restarts = int(unit(host, "NRestarts")["NRestarts"])
    client_loop(host, "big", 240)
    try:
        wait_for("the client to load big", lambda: "big:latest" in ollama_names(host))
        mark = journal_cursor(host)
        if how == "systemctl restart":
            # blocks until ExecStartPost says vLLM serves (or the start failed)
            host.check_output("systemctl restart vllm.service")
        else:
            host.check_output("kill -9 %d" % inspect(host)["State"]["Pid"])
            wait_for("systemd to restart vllm.service",
                     lambda: int(unit(host, "NRestarts")["NRestarts"]) > restarts, timeout=60)
        wait_serving(host, timeout=120)
        lines = journal_since(host, mark)
        assert not any(OOM in line for line in lines), lines
        assert not any("REFUSED" in line for line in lines), lines
        # ExecStartPost releases Ollama right after its own completion: wait for that line
        lines = wait_for("the gate to release Ollama", lambda: released(journal_since(host, mark)), timeout=60)
        held = index_of(lines, "vllm-gate: holding ollama")
        released_at = index_of(lines, "vllm-gate: released ollama", held)
        assert held < index_of(lines, FIRST_LINE, held) < released_at
        # one start per restart: the start-up check never failed and systemd never retried (a
        # manual restart resets the counter; the crash is one automatic restart)
        expected = restarts + 1 if how == "crash" else 0
        assert int(unit(host, "NRestarts")["NRestarts"]) == expected
        # Ollama serves again afterwards (the client loads big again)
        wait_for("Ollama to serve the client again", lambda: "big:latest" in ollama_names(host), timeout=60)
    finally:
        stop_client(host)
    ollama_empty(host)


# ---------------------------------------------------------------- reboot

def test_reboot_with_a_client_loading_at_boot(host, tight):
    # A client that loads big as soon as Ollama answers, finished before vllm.service may start
    # (Before=), so that the gate at boot has a resident model to evict.
    write(host, "/usr/local/bin/gx10-boot-client.sh", BOOT_CLIENT_SH)
    write(host, "/etc/systemd/system/gx10-boot-client.service", BOOT_CLIENT)
    host.check_output("systemctl daemon-reload && systemctl enable gx10-boot-client.service")
    try:
        subprocess.run(["docker", "restart", "-t", "30", TARGET], check=True, capture_output=True, timeout=120)
        wait_for("vllm.service to be active after the reboot", lambda: host.run(
            "systemctl is-active vllm.service").stdout.strip() == "active", timeout=300, interval=2)
        wait_serving(host, timeout=120)
        client = host.check_output("journalctl -u gx10-boot-client.service -b --no-pager -o cat")
        assert '"done":true' in client.replace(" ", ""), client  # the client did load big at boot
        lines = host.check_output("journalctl -u vllm.service -b --no-pager -o cat").splitlines()
        evicted = index_of(lines, "vllm-gate: evicted big:latest")
        gate = index_of(lines, "vllm-gate: memory gate passed", evicted)
        assert gate < index_of(lines, FIRST_LINE, gate)
        assert not any(OOM in line for line in lines), lines
    finally:
        host.run("systemctl disable gx10-boot-client.service")
    ollama_empty(host)


# ---------------------------------------------------------------- rollback

def test_rejected_flag_rolls_back_to_what_served(host, tight, tmp_path):
    before = inspect(host)
    rc, out = play(CONVERGE, dict(tight, vllm_extra_args=BAD_VALUE), tmp_path=tmp_path)
    assert rc != 0, out
    assert "The new vLLM configuration failed" in out, out
    assert BAD_VALUE_ERROR in out, out
    image_id = before["Image"]
    assert "Rolled back to openclaw/vllm-standin:test@%s org/standin-model, serving." % image_id in \
        re.sub(r"\s+", " ", out), out
    after = inspect(host)
    assert after["Id"] == before["Id"] and " ".join(BAD_VALUE) not in " ".join(after["Args"])
    assert host.run("docker inspect vllm-rollback").rc != 0
    wait_serving(host, timeout=30)
    assert host.service("vllm").is_running and host.service("ollama").is_running


def test_engine_that_dies_while_loading_rolls_back(host, tight, tmp_path):
    before = inspect(host)
    env = {"VLLM_STANDIN_STARTUP_SECONDS": "3", "VLLM_STANDIN_HOLD_BYTES": "256M",
           "VLLM_STANDIN_CUDA_CONTEXT_BYTES": "0", "VLLM_STANDIN_ENGINE": "dead"}
    rc, out = play(CONVERGE, dict(tight, vllm_env=env), tmp_path=tmp_path)
    assert rc != 0, out
    text = re.sub(r"\s+", " ", out)
    assert "The new vLLM configuration failed" in text, out
    assert "Rolled back to openclaw/vllm-standin:test@%s" % before["Image"] in text, out
    assert inspect(host)["Id"] == before["Id"]
    wait_serving(host, timeout=30)


def test_without_rollback_a_failed_change_stays_stopped(host, tight, tmp_path):
    rc, out = play(CONVERGE, dict(tight, vllm_extra_args=BAD_VALUE, vllm_rollback=False),
                   tmp_path=tmp_path)
    assert rc != 0, out
    text = re.sub(r"\s+", " ", out)
    assert "The gated restart of vLLM failed" in text and "vllm_rollback is false" in text, out
    assert BAD_VALUE_ERROR in text, out
    assert not host.service("vllm").is_running
    assert inspect(host)["State"]["Status"] in ("exited", "created")
    assert host.service("ollama").is_running  # a held Ollama is released after the failure
    # back to the configuration that serves
    rc, out = play(CONVERGE, tight, tmp_path=tmp_path)
    assert rc == 0, out
    wait_serving(host, timeout=30)
