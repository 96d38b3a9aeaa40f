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
from gx10_functional import nothing_listens

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FAKE_DOCKER = """#!/bin/sh
# stand-in docker: the vLLM container "vllm" is %(state)s
case "$1" in
  inspect) echo '[{"Id": "0123", "Name": "/vllm", "Config": {"Image": "vllm/vllm-openai:v0.21.0"},
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


def guard(bindir, vllm_url, wait=0, unit='', out_path=None):
    """ansible-playbook running the guard; out_path: its stdout goes there as it runs (and is
    also the result's .stdout)."""
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
    argv = ['ansible-playbook', '-i', 'localhost,', handle.name]
    try:
        if out_path is None:
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
        with open(out_path, 'w', encoding='utf-8') as out:
            run = subprocess.run(argv, env=env, stdout=out, stderr=subprocess.PIPE, text=True, timeout=300,
                                 check=False)
        with open(out_path, encoding='utf-8', errors='replace') as out:
            run.stdout = out.read()
        return run
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


def test_waits_until_vllm_has_loaded(fake_docker, tmp_path):
    """vLLM's /health starts answering after the guard's first look found it loading: the guard
    polls (every 5 s) within its deadline and passes."""
    # The port is held from the start, bound and not listening: refused, as while vLLM loads, and
    # no other process can take it before the server listens on it.
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Health, bind_and_activate=False)
    server.server_bind()
    port = server.server_address[1]
    bindir = fake_docker('running')
    out_path = tmp_path / 'guard.out'

    listening = []
    stop = threading.Event()

    def listen_after_first_look():
        # the first look is over when Ansible reports the guard's first retry (vLLM still loading)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not stop.is_set():
            if out_path.exists() and 'FAILED - RETRYING' in out_path.read_text(errors='replace'):
                server.server_activate()
                listening.append(True)
                server.serve_forever()
                return
            stop.wait(0.05)
    watcher = threading.Thread(target=listen_after_first_look, daemon=True)
    watcher.start()
    try:
        run = guard(bindir, 'http://127.0.0.1:%d' % port, wait=20, out_path=out_path)
    finally:
        stop.set()
        if listening:
            server.shutdown()
        watcher.join(10)
        server.server_close()
    assert run.returncode == 0, run.stdout[-3000:]
    assert listening, 'the guard never reported a first look at a loading vLLM (FAILED - RETRYING)'
    assert 'FAILED - RETRYING' in run.stdout  # it waited for vLLM
