# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openclaw.gx10.memory_info and playbooks/memory_report.yml run THROUGH ANSIBLE.

(a) the REAL Ollama server (fixture ollama_server): the module's models equal /api/ps taken in the
    same test; its memory figures agree with /proc/meminfo read right around the module (slurp
    tasks just before and just after it, in the same play): MemTotal exact, the others within
    the bracket plus a tolerance for noise;
(b) the Ollama emulator: its /api/ps, and a hung server reported (not fatal);
(c) the vLLM stand-in (tests/vllm_standin/vllm_standin.py) as a process: /health 200 and the KV
    cache usage from /metrics; refused while it "loads"; a 503 server; the API key on /v1/models;
(d) the container state from the real docker daemon when one is reachable, unknown without a CLI;
(e) playbooks/memory_report.yml against localhost in group gx10: the table lists the figures.
"""
from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gx10_functional import (REPO, STANDIN_BOUND, ansible_env, docker_proxy, fake_docker, free_port, nothing_listens, run_playbook, run_tasks,
                             serve_on_free_port, wait_bound, wait_for)

STANDIN = os.path.join(REPO, 'tests', 'vllm_standin', 'vllm_standin.py')
PLAYBOOK = os.path.join(REPO, 'playbooks', 'memory_report.yml')
MODULE = 'openclaw.gx10.memory_info'
GIB = 1024 ** 3
MIB = 1024 ** 2
# Other processes on the host allocate and free memory while the module runs; the module's reading
# must lie within the slurp readings just before and after it, give or take this much.
NOISE = 256 * MIB


def meminfo_task():
    return {'name': 'read /proc/meminfo', 'ansible.builtin.slurp': {'src': '/proc/meminfo'}}


def parse_meminfo(b64):
    values = {}
    for line in base64.b64decode(b64).decode().splitlines():
        key, _sep, rest = line.partition(':')
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key] = int(parts[0]) * (1024 if parts[1:] == ['kB'] else 1)
    return values


def memory_info(env=None, check=False, **args):
    """The module's result and /proc/meminfo just before and just after it (same play)."""
    before, result, after = run_tasks(
        [meminfo_task(), {'name': 'memory_info', MODULE: args, 'ignore_errors': True}, meminfo_task()],
        env=env, check=check)
    return result, parse_meminfo(before['content']), parse_meminfo(after['content'])


def expected_models(ps):
    """The module's view of /api/ps entries, by name (Ollama lists them in no fixed order)."""
    return sorted((dict(name=m['name'], size=m['size'], size_vram=m['size_vram'], expires_at=m['expires_at'])
                   for m in ps), key=lambda m: m['name'])


def by_name(models):
    return sorted(models, key=lambda m: m['name'])


def check_memory(result, before, after):
    mem = result['memory']
    assert mem['total'] == before['MemTotal'] == after['MemTotal']
    for key, field in (('available', 'MemAvailable'), ('free', 'MemFree')):
        low = min(before[field], after[field]) - NOISE
        high = max(before[field], after[field]) + NOISE
        assert low <= mem[key] <= high, (key, mem[key], before[field], after[field])


def check_fit(result, utilization=0.90, margin=3 * GIB):
    mem, fit = result['memory'], result['restart_fit']
    requested = int(math.ceil(mem['total'] * utilization))
    assert fit['requested'] == requested
    assert fit['required'] == requested + margin
    assert fit['available_now'] == mem['available']
    assert fit['reclaimable_ollama'] == sum(m['size'] for m in result['ollama']['models'])
    assert fit['reclaimable'] == fit['reclaimable_ollama'] + fit['reclaimable_vllm']
    assert fit['projected'] == mem['available'] + fit['reclaimable']
    assert fit['would_fit'] is (fit['projected'] >= fit['required'])
    assert fit['shortfall'] == max(0, fit['required'] - fit['projected'])


# ----------------------------------------------------------------------------------------------
# (a) the REAL Ollama server
# ----------------------------------------------------------------------------------------------

@pytest.fixture
def real(ollama_server):
    ollama_server.unload_all()
    yield ollama_server
    ollama_server.unload_all()


def test_real_ollama_figures_equal_api_ps_and_meminfo(real):
    for name in ('tiny-a', 'embed'):
        real.load(name, keep_alive='1h')
    ps_before = real.ps()
    assert sorted(m['name'] for m in ps_before) == ['embed:latest', 'tiny-a:latest']
    result, before, after = memory_info(ollama_url=real.url, vllm_url=nothing_listens(),
                                        vllm_container_name='gx10-no-such-%s' % uuid.uuid4().hex[:8])
    ps_after = real.ps()
    assert by_name(ps_after) == by_name(ps_before), 'the module changed what Ollama holds'
    assert not result.get('failed'), result
    assert result['changed'] is False
    ollama = result['ollama']
    assert ollama['reachable'] is True and ollama['status'] == 'ok' and ollama['error'] is None
    assert by_name(ollama['models']) == expected_models(ps_before)
    assert ollama['resident_bytes'] == sum(m['size'] for m in ps_before) > 0
    status, version = real.get('/api/version')
    assert status == 200 and ollama['version'] == version['version']
    check_memory(result, before, after)
    check_fit(result)
    assert result['restart_fit']['reclaimable_ollama'] == sum(m['size'] for m in ps_before)


def test_real_ollama_empty_and_check_mode(real):
    result, before, after = memory_info(check=True, ollama_url=real.url, vllm_url=nothing_listens(),
                                        gpu_memory_utilization=0.5, margin='1GiB')
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert result['ollama']['models'] == [] and result['ollama']['resident_bytes'] == 0
    check_memory(result, before, after)
    check_fit(result, utilization=0.5, margin=GIB)


def test_unreachable_services_are_reported_not_fatal():
    result, before, after = memory_info(ollama_url=nothing_listens(), vllm_url=nothing_listens())
    assert not result.get('failed'), result
    assert result['ollama']['reachable'] is False and result['ollama']['status'] == 'refused'
    assert result['ollama']['models'] == []
    assert result['vllm']['health'] == 'refused' and result['vllm']['healthy'] is False
    assert result['vllm']['kv_cache_usage'] is None
    check_memory(result, before, after)
    check_fit(result)


def test_bad_options_fail():
    result, _before, _after = memory_info(gpu_memory_utilization=1.5)
    assert result.get('failed') and 'gpu_memory_utilization' in result['msg']
    result, _before, _after = memory_info(margin='3G')
    assert result.get('failed') and 'ambiguous' in result['msg']


# ----------------------------------------------------------------------------------------------
# (b) the emulator
# ----------------------------------------------------------------------------------------------

def test_emulator_models_equal_its_api_ps(ollama_emulator):
    ollama_emulator.load('tiny-a', 'big')
    status, body = _get_json(ollama_emulator.url + '/api/ps')
    assert status == 200
    result, before, after = memory_info(ollama_url=ollama_emulator.url, vllm_url=nothing_listens())
    assert not result.get('failed'), result
    assert by_name(result['ollama']['models']) == expected_models(body['models'])
    assert len(result['ollama']['models']) == 2
    check_memory(result, before, after)
    check_fit(result)


def test_emulator_hung_is_a_timeout_and_the_prediction_incomplete(ollama_emulator):
    ollama_emulator.load('tiny-a')
    ollama_emulator.set_mode('hung', fault_paths=['/api/ps'])
    result, _before, _after = memory_info(ollama_url=ollama_emulator.url, vllm_url=nothing_listens(),
                                          request_timeout=1)
    assert not result.get('failed'), result
    assert result['ollama']['reachable'] is False and result['ollama']['status'] == 'timeout'
    assert result['restart_fit']['complete'] is False


def _get_json(url, headers=None):
    import urllib.request
    import urllib.error
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read().decode() or 'null')
    except urllib.error.HTTPError as exc:
        return exc.code, None


# ----------------------------------------------------------------------------------------------
# (c) the vLLM stand-in, as a process on this host
# ----------------------------------------------------------------------------------------------

class StandIn(object):
    """The stand-in as a process on `port`, its log (stderr) in a file; started() waits until it
    holds the port (serve_on_free_port retries on a new one when another process took it)."""

    def __init__(self, port, log_dir, args=(), startup='0'):
        self.port = port
        env = dict(os.environ, VLLM_STANDIN_STARTUP_SECONDS=startup)
        env.pop('VLLM_STANDIN_MEMINFO', None)
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log_path = os.path.join(log_dir, 'standin-%d.log' % port)
        with open(self.log_path, 'w', encoding='utf-8') as log:
            self.proc = subprocess.Popen(
                [sys.executable, STANDIN, 'serve', '--model', 'Qwen/Qwen3-0.6B', '--port', str(self.port),
                 '--host', '127.0.0.1', '--gpu-memory-utilization', '0.01'] + list(args),
                env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)

    def started(self):
        wait_bound('the vLLM stand-in', self.proc, self.log_path, STANDIN_BOUND)
        return self

    def log(self):
        with open(self.log_path, encoding='utf-8', errors='replace') as handle:
            return handle.read()

    def wait_log(self, text, deadline=30.0):
        """Wait until the stand-in's log contains text."""
        wait_for('the stand-in to log %r (its log: %s)' % (text, self.log_path), lambda: text in self.log(),
                 timeout=deadline)

    def wait_healthy(self, deadline=30.0):
        import urllib.error

        def healthy():
            assert self.proc.poll() is None, self.log()
            try:
                return _get_json(self.url + '/health')[0] == 200
            except urllib.error.URLError:
                return False
        wait_for('the stand-in on %s to answer 200 on /health' % self.url, healthy, timeout=deadline)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def standin_factory(tmp_path):
    started = []

    def start(*args, **kwargs):
        def attempt(port):
            server = StandIn(port, str(tmp_path), *args, **kwargs)
            started.append(server)
            return server.started()
        return serve_on_free_port('the vLLM stand-in', attempt)

    yield start
    for server in started:
        server.stop()


def test_vllm_standin_healthy_with_kv_cache_usage(standin_factory, tmp_path):
    """The stand-in as a container's published port: docker's proxy (a fake with its command line)
    forwards to it, and `docker inspect` (a fake) says the container's address and port."""
    server = standin_factory(['--api-key', 's3cret'])
    server.wait_healthy()
    container_port = int(server.url.rsplit(':', 1)[1])
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    env = {'PATH': os.pathsep.join([str(bindir), os.path.dirname(sys.executable), os.environ['PATH']])}
    with docker_proxy(tmp_path, container_port) as url:
        fake_docker(bindir, vllm_url=url, container_port=container_port, api_key='s3cret')
        result, _before, _after = memory_info(env=env, ollama_url=nothing_listens(), vllm_url=url, api_key='s3cret')
    assert not result.get('failed'), result
    vllm = result['vllm']
    assert vllm['health'] == '200' and vllm['healthy'] is True and vllm['health_error'] is None
    assert vllm['kv_cache_usage'] == 0.0  # the stand-in's gauge (the parser has unit tests for others)
    assert vllm['version'] == '0.0.0+standin'
    assert vllm['models'] == ['Qwen/Qwen3-0.6B']
    # the same key to a listener that is not docker's proxy for container vllm: not sent
    result, _before, _after = memory_info(env=env, ollama_url=nothing_listens(), vllm_url=server.url, api_key='s3cret')
    assert result['vllm']['health'] == '200' and result['vllm']['models'] is None
    error = result['vllm']['models_error']
    assert error.startswith('the API key was not sent: port %d is held by pid %d (user ' % (container_port, server.proc.pid)), error
    assert "not by docker's proxy for container vllm" in error, error
    # without the key /v1/models is refused (401), the rest is still read
    result, _before, _after = memory_info(ollama_url=nothing_listens(), vllm_url=server.url)
    assert result['vllm']['health'] == '200' and result['vllm']['kv_cache_usage'] == 0.0
    assert result['vllm']['models'] is None and '401' in result['vllm']['models_error']
    assert 's3cret' not in json.dumps(result)


def test_vllm_standin_refused_while_starting(standin_factory):
    server = standin_factory(startup='600')
    server.wait_log('Memory check passed')  # bound, loading, not listening yet
    result, _before, _after = memory_info(ollama_url=nothing_listens(), vllm_url=server.url)
    assert server.proc.poll() is None
    assert not result.get('failed'), result
    assert result['vllm']['health'] == 'refused' and result['vllm']['healthy'] is False
    assert result['vllm']['kv_cache_usage'] is None


class _Dead(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        self.send_response(503)
        self.send_header('content-length', '0')
        self.end_headers()


def test_vllm_dead_engine_503():
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Dead)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result, _before, _after = memory_info(ollama_url=nothing_listens(),
                                              vllm_url='http://127.0.0.1:%d' % server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
    assert not result.get('failed'), result
    assert result['vllm']['health'] == '503' and result['vllm']['healthy'] is False
    assert result['vllm']['kv_cache_usage'] is None


# ----------------------------------------------------------------------------------------------
# (d) the container state
# ----------------------------------------------------------------------------------------------

def _docker_env():
    sock = os.path.join(REPO, '.cache', 'docker.sock')
    env = {}
    if not os.environ.get('DOCKER_HOST') and os.path.exists(sock):
        env['DOCKER_HOST'] = 'unix://' + sock
    return env


def _docker(*args, check=True):
    return subprocess.run(['docker'] + list(args), env=dict(os.environ, **_docker_env()), capture_output=True,
                          text=True, timeout=120, check=check)


@pytest.fixture
def docker_image():
    if not shutil.which('docker'):
        pytest.skip('no docker CLI on this host')
    probe = _docker('info', '--format', '{{.ServerVersion}}', check=False)
    if probe.returncode != 0:
        pytest.skip('no docker daemon reachable: %s' % probe.stderr.strip()[:200])
    for image in ('gx10-target:bookworm', 'vllm-standin:latest'):
        if _docker('image', 'inspect', image, check=False).returncode == 0:
            return image
    pytest.skip('no local image to start a container from (scripts/bootstrap.sh builds gx10-target:bookworm)')


def test_container_state_from_docker(docker_image):
    name = 'gx10-memtest-%s' % uuid.uuid4().hex[:10]
    env = _docker_env()
    try:
        _docker('run', '-d', '--name', name, '--entrypoint', 'sleep', docker_image, 'infinity')
        inspect = json.loads(_docker('inspect', '--type', 'container', name).stdout)[0]
        result, _b, _a = memory_info(env=env, ollama_url=nothing_listens(), vllm_url=nothing_listens(),
                                     vllm_container_name=name)
        container = result['vllm']['container']
        assert container['exists'] is True and container['running'] is True and container['state'] == 'running'
        assert container['image'] == docker_image and container['id'] == inspect['Id']
        assert container['started_at'] == inspect['State']['StartedAt']
        stats = _docker('stats', '--no-stream', '--format', '{{.MemUsage}}', name).stdout.strip()
        if stats.replace(' ', '') == '0B/0B':
            # this daemon has no memory cgroup figures (nested docker): unknown, and said so
            assert container['memory_usage'] is None and 'docker stats' in container['error']
            assert result['restart_fit']['complete'] is False
        else:
            used = stats.split('/')[0].strip()
            number = float(used.rstrip('KMGTiB'))
            unit = used[len(used.rstrip('KMGTiB')):]
            ours = number * {'B': 1, 'KiB': 1024, 'MiB': MIB, 'GiB': GIB}[unit]
            assert isinstance(container['memory_usage'], int)
            assert ours / 2 <= container['memory_usage'] <= ours * 2, (container['memory_usage'], stats)
            assert result['restart_fit']['complete'] is True
        assert result['restart_fit']['reclaimable_vllm'] == (container['memory_usage'] or 0)
        check_fit(result)

        _docker('stop', '-t', '1', name)
        result, _b, _a = memory_info(env=env, ollama_url=nothing_listens(), vllm_url=nothing_listens(),
                                     vllm_container_name=name)
        container = result['vllm']['container']
        assert container['state'] == 'exited' and container['running'] is False
        assert result['restart_fit']['reclaimable_vllm'] == 0
    finally:
        _docker('rm', '-f', name, check=False)
    result, _b, _a = memory_info(env=env, ollama_url=nothing_listens(), vllm_url=nothing_listens(),
                                 vllm_container_name=name)
    assert result['vllm']['container']['exists'] is False and result['vllm']['container']['state'] == 'absent'
    assert result['restart_fit']['complete'] is True


def test_container_state_unknown_without_docker_cli():
    tasks = [{'name': 'memory_info', MODULE: {'ollama_url': nothing_listens(), 'vllm_url': nothing_listens()},
              'environment': {'PATH': '/nonexistent'}}]
    # the module's own get_bin_path also looks in the sbin directories: make sure docker is not there
    if any(os.path.exists(os.path.join(d, 'docker')) for d in ('/sbin', '/usr/sbin', '/usr/local/sbin')):
        pytest.skip('docker lives in an sbin directory here')
    result = run_tasks(tasks)[0]
    assert not result.get('failed'), result
    container = result['vllm']['container']
    assert container['state'] == 'unknown' and container['exists'] is None
    assert 'docker CLI' in container['error']
    assert result['restart_fit']['complete'] is False


# ----------------------------------------------------------------------------------------------
# (e) playbooks/memory_report.yml
# ----------------------------------------------------------------------------------------------

def _fmt(value):
    value = int(value)
    for unit, size in (('TiB', 1024 ** 4), ('GiB', GIB), ('MiB', MIB), ('KiB', 1024)):
        if value >= size:
            return '%.2f %s' % (value / size, unit)
    return '%d B' % value


def task_result(tasks, name):
    """localhost's result of the playbook's task NAME (the report has option checks before it)."""
    found = [t['hosts']['localhost'] for t in tasks if t['task']['name'] == name and 'localhost' in t['hosts']]
    assert len(found) == 1, [t['task']['name'] for t in tasks]
    return found[0]


def test_memory_report_playbook_lists_the_figures(real, standin_factory, tmp_path):
    real.load('tiny-b', keep_alive='1h')
    server = standin_factory()
    server.wait_healthy()
    inventory = tmp_path / 'hosts'
    inventory.write_text('[gx10]\nlocalhost ansible_connection=local ansible_python_interpreter=%s\n'
                         '[gx10:vars]\nvllm_ollama_url=%s\nvllm_port=%d\nvllm_container_name=gx10-no-such-%s\n'
                         % (sys.executable, real.url, server.port, uuid.uuid4().hex[:8]))
    with open('/proc/meminfo') as handle:
        total = int(handle.readline().split()[1]) * 1024
    ps = real.ps()
    proc, doc = run_playbook(PLAYBOOK, inventory=str(inventory), env=_docker_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert by_name(real.ps()) == by_name(ps)
    tasks = doc['plays'][0]['tasks']
    info = task_result(tasks, 'Read memory, Ollama and vLLM figures')
    assert info['changed'] is False
    assert info['memory']['total'] == total
    assert by_name(info['ollama']['models']) == expected_models(ps)
    lines = task_result(tasks, 'Print the fleet memory table')['msg']
    assert isinstance(lines, list)
    header = lines[0]
    for title in ('HOST', 'MemTotal', 'MemAvailable', 'MemFree', 'Ollama resident', 'vLLM container',
                  '/health', 'KV cache', 'Restart fits'):
        assert title in header
    # The memory table comes first; the versions table (drift) follows after a blank line.
    memory_table = lines[:lines.index('')] if '' in lines else lines
    rows = [line for line in memory_table if line.startswith('localhost ')]
    assert len(rows) == 1
    row = rows[0]
    mem = info['memory']
    assert row[header.index('MemTotal'):].startswith(_fmt(total))
    assert row[header.index('MemAvailable'):].startswith(_fmt(mem['available']))
    assert row[header.index('MemFree'):].startswith(_fmt(mem['free']))
    model = ps[0]
    assert row[header.index('Ollama resident'):].startswith('%s %s until ' % (model['name'], _fmt(model['size'])))
    state = info['vllm']['container']['state']
    assert state in ('absent', 'unknown')  # no such container; unknown where no docker daemon answers
    assert row[header.index('vLLM container'):].startswith(state)
    assert row[header.index('/health'):].startswith('200')
    assert row[header.index('KV cache'):].startswith('0.0%')
    fit = info['restart_fit']
    assert row[header.index('Restart fits'):].startswith('%s: %s vs %s' % (
        'yes' if fit['would_fit'] else 'NO', _fmt(fit['required']), _fmt(fit['projected'])))
    assert all(not t['hosts']['localhost'].get('changed') for t in tasks)


def test_memory_report_playbook_check_mode_and_other_group(tmp_path):
    inventory = tmp_path / 'hosts'
    inventory.write_text('[lab]\nlocalhost ansible_connection=local ansible_python_interpreter=%s\n'
                         '[lab:vars]\nvllm_ollama_url=%s\nvllm_port=%d\n'
                         % (sys.executable, nothing_listens(), free_port()))
    proc, doc = run_playbook(PLAYBOOK, inventory=str(inventory), extra_args=['--check', '-e', 'gx10_group=lab'])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    tasks = doc['plays'][0]['tasks']
    lines = task_result(tasks, 'Print the fleet memory table')['msg']
    row = [line for line in lines if line.startswith('localhost ')][0]
    assert 'none (Ollama refuses connections)' in row and ' refused ' in row
    assert doc['stats']['localhost']['changed'] == 0


def test_memory_report_playbook_is_lint_clean():
    lint = shutil.which('ansible-lint', path=os.path.dirname(sys.executable)) or shutil.which('ansible-lint')
    if not lint:
        pytest.skip('ansible-lint is not installed')
    proc = subprocess.run([lint, '--profile', 'production', '--nocolor', PLAYBOOK], cwd=REPO,
                          env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
