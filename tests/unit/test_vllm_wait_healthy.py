# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/vllm/files/vllm_wait_healthy.py against the vLLM stand-in and a fake `docker` CLI."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "roles" / "vllm" / "files" / "vllm_wait_healthy.py"
STANDIN = REPO / "tests" / "vllm_standin" / "vllm_standin.py"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fake_docker(tmp_path, state="0 running 0"):
    """A `docker` whose `inspect` prints the content of tmp_path/state."""
    (tmp_path / "state").write_text(state)
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    docker = bindir / "docker"
    docker.write_text("#!/bin/sh\ncat %s\n" % (tmp_path / "state"))
    docker.chmod(0o755)
    return dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]))


def wait(url, timeout, env):
    proc = subprocess.run([sys.executable, str(SCRIPT), url, "vllm", str(timeout)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode, json.loads(proc.stdout)


def test_healthy_after_refusals(tmp_path):
    env = fake_docker(tmp_path)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(STANDIN), "--port", str(port), "--host", "127.0.0.1",
                               "--gpu-memory-utilization", "0.05"],
                              env=dict(os.environ, VLLM_STANDIN_STARTUP_SECONDS="1.5"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rc, result = wait("http://127.0.0.1:%d/health" % port, 30, env)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert rc == 0 and result["healthy"], result
    assert result["waited"] >= 1.0


def test_timeout_names_what_it_waited_for(tmp_path):
    env = fake_docker(tmp_path)
    start = time.monotonic()
    rc, result = wait("http://127.0.0.1:%d/health" % free_port(), 2, env)
    assert rc == 1 and not result["healthy"]
    assert "within 2 s" in result["reason"] and "connection refused" in result["reason"]
    assert time.monotonic() - start < 15


def test_gives_up_early_when_docker_restarts_it(tmp_path):
    env = fake_docker(tmp_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "http://127.0.0.1:%d/health" % port,
                             "vllm", "120"], env=env, stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    (tmp_path / "state").write_text("1 restarting 1")
    out = proc.communicate(timeout=30)[0]
    result = json.loads(out)
    assert proc.returncode == 1
    assert result["reason"] == "container vllm failed its start-up: exit code 1, restarted by docker"


def test_exited_container(tmp_path):
    env = fake_docker(tmp_path, "0 exited 2")
    rc, result = wait("http://127.0.0.1:%d/health" % free_port(), 120, env)
    assert rc == 1 and result["reason"] == "container vllm exited with code 2"


def failing_docker(tmp_path, message):
    """A `docker` whose `inspect` fails with MESSAGE on stderr."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    docker = bindir / "docker"
    docker.write_text("#!/bin/sh\necho '%s' >&2\nexit 1\n" % message)
    docker.chmod(0o755)
    return dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]))


def test_removed_container_is_gone(tmp_path):
    env = failing_docker(tmp_path, "Error: No such object: vllm")
    rc, result = wait("http://127.0.0.1:%d/health" % free_port(), 10, env)
    assert rc == 1 and result["reason"] == "container vllm is gone"


def test_docker_down_is_not_a_gone_container(tmp_path):
    env = failing_docker(tmp_path, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock")
    rc, result = wait("http://127.0.0.1:%d/health" % free_port(), 2, env)
    assert rc == 1
    assert "gone" not in result["reason"]
    assert "within 2 s" in result["reason"] and "Cannot connect to the Docker daemon" in result["reason"]
