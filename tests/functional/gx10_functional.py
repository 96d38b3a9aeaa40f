# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the functional tests: run tasks or playbooks through ansible-playbook with
this checkout as openclaw.gx10 (ansible.posix.json callback), free ports and servers started on
them (serve_on_free_port: a new port when the picked one was taken), polls with deadlines (wait_for).

A plain module rather than conftest.py so that the test modules can import it by a name no other
conftest.py shares (pytest puts tests/functional on sys.path: no __init__.py here). tests/conftest.py
loads it under the same name, so tests/unit and tests/contract import it the same way.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_path():
    """A collections root where ansible_collections/openclaw/gx10 is this checkout."""
    root = os.path.join(REPO, '.cache', 'collections')
    link = os.path.join(root, 'ansible_collections', 'openclaw', 'gx10')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    return root


def ansible_env(extra=None):
    """The environment for ansible-playbook: this venv, this checkout, JSON output, no noise."""
    env = dict(os.environ)
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path() + os.pathsep + os.pathsep.join(
            p for p in sys.path if p.endswith('site-packages')),
        'ANSIBLE_STDOUT_CALLBACK': 'ansible.posix.json',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_DEPRECATION_WARNINGS': 'False',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
    })
    env.update(extra or {})
    return env


def exe(name):
    """The venv's console script `name` (ansible-playbook, ansible-lint), else from PATH."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    return path if os.path.exists(path) else name


def write_play(tasks, prefix='play-'):
    """A temporary playbook running `tasks` on localhost (local connection); returns its path."""
    play = [{'hosts': 'localhost', 'gather_facts': False, 'connection': 'local', 'tasks': tasks}]
    with tempfile.NamedTemporaryFile('w', suffix='.yml', prefix=prefix, delete=False) as handle:
        json.dump(play, handle)  # JSON is YAML
    return handle.name


def parse_json_output(rc, out, err):
    try:
        return json.loads(out)
    except ValueError:
        pytest.fail('ansible-playbook printed no JSON (rc %s):\n%s\n%s' % (rc, out[-3000:], err[-3000:]))


def run_playbook(path, inventory='localhost,', extra_args=(), env=None, timeout=180):
    """Run a playbook; returns (CompletedProcess, the JSON callback's document)."""
    proc = subprocess.run([exe('ansible-playbook'), '-i', inventory, path] + list(extra_args),
                          env=ansible_env(env), capture_output=True, text=True, timeout=timeout, check=False)
    return proc, parse_json_output(proc.returncode, proc.stdout, proc.stderr)


def start_tasks(tasks, env=None, extra_args=(), prefix='tasks-'):
    """Start ansible-playbook on `tasks` in the background; finish_tasks() collects the results."""
    path = write_play(tasks, prefix)
    proc = subprocess.Popen([exe('ansible-playbook'), '-i', 'localhost,', path] + list(extra_args),
                            env=ansible_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.playbook_path = path
    return proc


def finish_tasks(proc, timeout=120):
    """Each task's result for localhost, once the playbook started by start_tasks() ends."""
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        os.unlink(proc.playbook_path)
    doc = parse_json_output(proc.returncode, out, err)
    return [task['hosts']['localhost'] for task in doc['plays'][0]['tasks']]


def run_tasks(tasks, env=None, check=False, timeout=180):
    """Run tasks on localhost in one ansible-playbook; return each task's result."""
    return finish_tasks(start_tasks(tasks, env, ['--check'] if check else []), timeout=timeout)


def molecule_inventory_settings(prefix):
    """The settings whose names start with `prefix` (say 'vllm_') in every Molecule scenario's
    inventory: [(scenario, 'group_vars' or 'host_vars', group, {name: value}), ...], the ones
    without such a setting left out. The bad-input tests run a role's checks on each, so that a
    scenario can never converge with values the role would refuse."""
    import yaml  # only the tests that read inventories need it
    found = []
    base = os.path.join(REPO, 'extensions', 'molecule')
    for scenario in sorted(os.listdir(base)):
        path = os.path.join(base, scenario, 'molecule.yml')
        if not os.path.exists(path):
            continue
        with open(path) as handle:
            inventory = ((yaml.safe_load(handle) or {}).get('provisioner') or {}).get('inventory') or {}
        for kind in ('group_vars', 'host_vars'):
            for group, values in sorted((inventory.get(kind) or {}).items()):
                chosen = {k: v for k, v in (values or {}).items() if k.startswith(prefix)}
                if chosen:
                    found.append((scenario, kind, group, chosen))
    return found


def free_port():
    """A loopback TCP port nothing listens on (the kernel's pick; free when this returns).

    The one copy for every kind of test (tests/conftest.py makes this module importable from
    tests/unit and tests/contract). Free when it returns, not when a server binds it later: start
    a server on it through serve_on_free_port(), which retries with a new port.
    """
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def nothing_listens():
    """A URL where nothing answers (connection refused)."""
    return 'http://127.0.0.1:%d' % free_port()


BIND_ATTEMPTS = 3


class PortTaken(Exception):
    """Raised by a serve_on_free_port() start(port) whose server could not bind the port
    (another process took it after free_port() picked it); the text says what the server said."""


def address_in_use(output):
    """The line of a server's output that says its bind failed with EADDRINUSE (Python's "[Errno
    98] Address already in use", Go's "bind: address already in use"), else '' (false)."""
    for line in (output or '').splitlines():
        if 'address already in use' in line.lower():
            return line.strip()
    return ''


def serve_on_free_port(what, start, attempts=BIND_ATTEMPTS):
    """start(port) on a new free_port() until the server binds it; returns what start returns.

    start(port) starts the server and returns once it holds the port (answers, or logged that it
    bound it); it raises PortTaken, after stopping what it started, when the server could not bind
    the port. Any other failure is the test's. After `attempts` taken ports the test fails.
    """
    taken = []
    for _attempt in range(attempts):
        port = free_port()
        try:
            return start(port)
        except PortTaken as exc:
            taken.append('port %d: %s' % (port, str(exc).strip()[-300:]))
    pytest.fail('%s could not bind a free port in %d attempts: each port was taken by another process '
                'between free_port() and the bind:\n%s' % (what, attempts, '\n'.join(taken)), pytrace=False)


# What the vLLM stand-in (tests/vllm_standin/vllm_standin.py) logs once it holds its port: bound,
# memory checked, not listening yet while it "loads" (wait_bound's bound_text for it).
STANDIN_BOUND = 'Memory check passed'


def wait_bound(what, proc, log_path, bound_text, timeout=60.0):
    """Wait until a server process holds its port: its log (a file) shows `bound_text`, a line it
    writes once it has bound the port. Raises PortTaken when it exited saying the address was in
    use; fails the test when it exited otherwise, or after `timeout` s (then it kills it)."""
    def read():
        try:
            with open(log_path, errors='replace') as handle:
                return handle.read()
        except FileNotFoundError:
            return ''

    def bound():
        text = read()
        if bound_text in text:
            return True
        if proc.poll() is None:
            return False
        text = read()  # all it wrote before it exited
        if address_in_use(text):
            raise PortTaken(address_in_use(text))
        pytest.fail('%s exited %s before it logged %r:\n%s' % (what, proc.returncode, bound_text, text[-3000:]),
                    pytrace=False)
        return False
    try:
        return wait_for('%s to bind its port (%r in %s)' % (what, bound_text, log_path), bound, timeout=timeout)
    except BaseException:
        if proc.poll() is None:  # timed out: it is not left running
            proc.kill()
            proc.wait(timeout=10)
        raise


def wait_for(what, predicate, timeout=30.0, interval=0.05):
    """predicate()'s first truthy value, polled every `interval` s; fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail('timed out after %ss waiting for %s' % (timeout, what))
        time.sleep(interval)


CONTAINER_ID = "c0ffee" * 10 + "c0fe"


def fake_docker(bindir, container_state="running", gpu_memory_utilization=0.01, margin="64MiB", health_timeout=60,
                vllm_url="http://127.0.0.1:1", model="org/m", served_model_name="standin", api_key="", labelled=True,
                container_port=8000):
    """`docker inspect` of the container, as docker prints it for what container.yml creates; the
    container's address is the loopback (see the proxied_standin fixture)."""
    host, port = vllm_url.rsplit("/", 1)[-1].rsplit(":", 1)
    data = [{
        "Name": "/vllm", "Id": CONTAINER_ID, "Image": "sha256:1234",
        "State": {"Status": container_state, "Running": container_state == "running", "ExitCode": 0},
        "Config": {
            "Image": "standin:test",
            "Cmd": [model, "--served-model-name", served_model_name, "--gpu-memory-utilization",
                    str(gpu_memory_utilization), "--host", "0.0.0.0", "--port", str(container_port)],
            "Env": ["PATH=/usr/bin"] + (["VLLM_API_KEY=%s" % api_key] if api_key else []),
            "Labels": {"openclaw.gx10.gate": json.dumps({"margin": margin, "health_timeout": health_timeout})}
            if labelled else {},
        },
        "HostConfig": {"PortBindings": {"%d/tcp" % container_port: [{"HostIp": host, "HostPort": port}]}},
        "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "127.0.0.1"}}},
    }]
    (bindir / "docker").write_text("#!/bin/sh\ncat <<'EOF'\n%s\nEOF\n" % json.dumps(data))
    (bindir / "docker").chmod(0o755)


@contextlib.contextmanager
def docker_proxy(tmp_path, container_port):
    """A forwarder to 127.0.0.1:``container_port`` whose command line is docker-proxy's (a python
    named docker-proxy: the interpreter finds its library through the link), as a published port
    of a container is on a docker host; yields its URL."""
    proxy = tmp_path / "docker-proxy"
    if not proxy.exists():
        proxy.symlink_to(os.path.realpath(sys.executable))

    def attempt(port):
        log_path = tmp_path / ("proxy-%d.log" % port)
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen([str(proxy), os.path.join(REPO, "tests", "functional", "fake_docker_proxy.py"),
                                     "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", str(port),
                                     "-container-ip", "127.0.0.1", "-container-port", str(container_port)],
                                    stdout=log, stderr=subprocess.STDOUT)
        wait_bound("the fake docker-proxy", proc, log_path, "listening")
        return proc, "http://127.0.0.1:%d" % port

    proc, url = serve_on_free_port("the fake docker-proxy", attempt)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
