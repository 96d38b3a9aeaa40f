# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ollama role's upgrade guard (roles/ollama/tasks/install_vllm_guard.yml) through Ansible:
Ollama is never replaced or restarted while vLLM loads (its container runs and /health refuses
connections). The container state comes from a stand-in `docker` on PATH (this host runs no vLLM
container); /health is a real HTTP server of the test's own, or a closed port.
"""
from __future__ import annotations

import http.server
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest
from gx10_functional import free_port, nothing_listens

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FAKE_DOCKER = """#!/bin/sh
# stand-in docker: the vLLM container "vllm" is %(state)s
case "$1" in
  inspect) touch "$0.asked"; echo '[{"Id": "0123", "Name": "/vllm", "Config": {"Image": "vllm/vllm-openai:v0.21.0"},
                  "State": {"Status": "%(state)s", "Running": %(running)s, "StartedAt": "2026-01-01T00:00:00Z"}}]' ;;
  stats) echo '1GiB / 100GiB' ;;
  *) exit 1 ;;
esac
"""


@pytest.fixture
def fake_docker(tmp_path):
    def make(state):
        path = tmp_path / 'docker'
        path.write_text(FAKE_DOCKER % {'state': state, 'running': 'true' if state == 'running' else 'false'})
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return str(tmp_path)
    return make


class Health(http.server.BaseHTTPRequestHandler):
    """A vLLM /health that answers 200 (the guard's "vLLM serves")."""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield 'http://127.0.0.1:%d' % server.server_address[1]
    server.shutdown()
    server.server_close()


def guard(bindir, vllm_url, wait=0, unit=''):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'connection': 'local', 'tasks': [{
        'name': 'guard',
        'ansible.builtin.include_role': {'name': 'openclaw.gx10.ollama', 'tasks_from': 'install_vllm_guard.yml'},
        'vars': {'ollama_vllm_url': vllm_url, 'ollama_upgrade_vllm_wait': wait, 'ollama_vllm_unit': unit,
                 'ollama_api_url': nothing_listens(),
                 '_ollama_guard_what': 'restarting Ollama 0.5.4 for 0.5.5'},
    }]}]
    with tempfile.NamedTemporaryFile('w', suffix='.yml', delete=False) as handle:
        json.dump(play, handle)
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.cache', 'collections') + os.pathsep
               + os.pathsep.join(p for p in sys.path if p.endswith('site-packages')),
               PATH=bindir + os.pathsep + os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    try:
        return subprocess.run(['ansible-playbook', '-i', 'localhost,', handle.name], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    finally:
        os.unlink(handle.name)


def test_refuses_while_the_container_runs_and_health_refuses(fake_docker):
    url = nothing_listens()
    run = guard(fake_docker('running'), url, wait=0)
    assert run.returncode != 0, run.stdout[-3000:]
    assert 'Refused restarting Ollama 0.5.4 for 0.5.5: vLLM is loading' in run.stdout
    assert 'container vllm is running and %s/health refuses connections' % url in run.stdout
    assert 'ollama_upgrade_vllm_wait=0' in run.stdout


def test_refuses_while_the_container_restarts(fake_docker):
    run = guard(fake_docker('restarting'), nothing_listens(), wait=0)
    assert run.returncode != 0 and 'container vllm is restarting' in run.stdout, run.stdout[-3000:]


def test_passes_when_vllm_serves_or_is_stopped(fake_docker, health_server):
    served = guard(fake_docker('running'), health_server)
    assert served.returncode == 0, served.stdout[-3000:]
    stopped = guard(fake_docker('exited'), nothing_listens())
    assert stopped.returncode == 0, stopped.stdout[-3000:]


def test_waits_until_vllm_has_loaded(fake_docker):
    """vLLM's /health starts answering 1 s after the guard first looked: the guard polls (every 5 s)
    within its deadline and passes."""
    port = free_port()
    bindir = fake_docker('running')
    asked = os.path.join(bindir, 'docker.asked')

    servers = []
    stop = threading.Event()

    def start_after_first_look():
        deadline = time.monotonic() + 120
        while not os.path.exists(asked) and time.monotonic() < deadline and not stop.is_set():
            stop.wait(0.05)
        if stop.wait(1.0):
            return
        servers.append(http.server.ThreadingHTTPServer(('127.0.0.1', port), Health))
        threading.Thread(target=servers[0].serve_forever, daemon=True).start()
    watcher = threading.Thread(target=start_after_first_look, daemon=True)
    watcher.start()
    try:
        run = guard(bindir, 'http://127.0.0.1:%d' % port, wait=20)
    finally:
        stop.set()
        watcher.join(10)
        for server in servers:
            server.shutdown()
            server.server_close()
    assert run.returncode == 0, run.stdout[-3000:]
    assert servers, 'the guard never asked docker'
    assert 'FAILED - RETRYING' in run.stdout  # it waited for vLLM
