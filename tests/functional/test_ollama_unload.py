# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openclaw.gx10.ollama_unload run THROUGH ANSIBLE (ansible-playbook, ansible.posix.json callback).

(a) against the REAL Ollama 0.5.4 server (fixture ollama_server, tests/ollama/server.py),
(b) against the emulator for what the real server cannot show on demand (stuck, slow, hung,
    HTTP 500, malformed JSON, deleted-but-loaded, unreachable),
(c) restart_unit with a stand-in `systemctl` on PATH (this host has no systemd; the Molecule
    scenario covers a real unit),
(d) the memory gate with a process of the test's own that holds real memory.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest
from gx10_functional import finish_tasks, nothing_listens, run_tasks, start_tasks, wait_for

GIB = 1024 ** 3
MODULE = 'openclaw.gx10.ollama_unload'


def unload_task(check=False, diff=False, ignore_errors=True, **args):
    task = {'name': 'unload', MODULE: args, 'ignore_errors': ignore_errors}
    if check:
        task['check_mode'] = True
    if diff:
        task['diff'] = True
    return task


def unload(env=None, **kwargs):
    return run_tasks([unload_task(**kwargs)], env=env)[0]


def names(models):
    return sorted(m['name'] for m in models)


# ----------------------------------------------------------------------------------------------
# (a) the REAL Ollama server
# ----------------------------------------------------------------------------------------------

@pytest.fixture
def real(ollama_server):
    ollama_server.unload_all()
    yield ollama_server
    ollama_server.unload_all()


def embed_requests(server):
    return sum(1 for line in server.log_tail(100000).splitlines()
               if line.startswith('[GIN]') and '"/api/embed"' in line)


def load_all(server, models=('tiny-a', 'tiny-b', 'embed')):
    for name in models:
        server.load(name, keep_alive='1h')
    listed = server.ps_names()
    for name in models:
        assert name + ':latest' in listed, (name, listed)
    return listed


def test_real_evicts_everything_at_once(real):
    listed = load_all(real, ('tiny-a', 'tiny-b', 'embed'))
    real.load('tiny-alias', keep_alive='1h')  # same file as tiny-a: the same runner, no new entry
    assert sorted(real.ps_names()) == sorted(listed)
    before = {m['name']: m for m in real.ps()}
    embeds_before = embed_requests(real)
    result = unload(url=real.url, ignore_errors=False)
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert real.ps() == []
    assert result['resident_after'] == []
    assert names(result['resident_before']) == sorted(listed)
    assert names(result['evicted']) == sorted(listed)
    for e in result['evicted']:
        assert e['size'] == before[e['name']]['size']
        assert e['size_vram'] == before[e['name']]['size_vram']
    assert result['freed_bytes'] == sum(m['size'] for m in before.values())
    mem = result['memory']
    assert 0 < mem['available'] <= mem['total'] and 0 < mem['free'] <= mem['total']
    assert mem['required'] is None and mem['met'] is None
    assert result['elapsed'] >= 0
    assert embed_requests(real) == embeds_before  # evicted through /api/generate, never /api/embed


def test_real_nothing_resident_is_not_changed(real):
    result = unload(url=real.url)
    assert result['changed'] is False
    assert result['evicted'] == [] and result['freed_bytes'] == 0 and result['resident_before'] == []


def test_real_check_mode_leaves_them_loaded(real):
    listed = load_all(real)
    result = unload(url=real.url, check=True, diff=True, require_available='1MiB', margin=0)
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert names(result['evicted']) == sorted(listed)
    assert result['resident_after'] == []
    assert sorted(real.ps_names()) == sorted(listed)  # nothing changed
    assert result['memory']['met'] is True
    assert result['memory']['projected_available'] == result['memory']['available'] + result['freed_bytes']
    diff = result['diff']
    assert sorted(diff['before'].split()) == sorted(listed)
    assert diff['after'] == ''


def test_real_models_selection_evicts_only_those(real):
    load_all(real)
    result = unload(url=real.url, models=['tiny-b', 'embed:latest', 'not-loaded'], diff=True)
    assert result.get('failed') is not True, result
    assert names(result['evicted']) == ['embed:latest', 'tiny-b:latest']
    assert real.ps_names() == ['tiny-a:latest']
    assert names(result['resident_after']) == ['tiny-a:latest']
    assert result['diff']['after'] == 'tiny-a:latest\n'
    again = unload(url=real.url, models=['tiny-b'])
    assert again['changed'] is False and again['evicted'] == []


def test_real_alias_name_selects_the_shared_runner(real):
    real.load('tiny-alias', keep_alive='1h')
    real.load('tiny-b', keep_alive='1h')
    assert sorted(real.ps_names()) == ['tiny-alias:latest', 'tiny-b:latest']
    result = unload(url=real.url, models=['tiny-a'])  # the other name of tiny-alias's file
    assert result.get('failed') is not True, result
    assert names(result['evicted']) == ['tiny-alias:latest']
    assert real.ps_names() == ['tiny-b:latest']


# ----------------------------------------------------------------------------------------------
# (b) the emulator: faults the real server cannot show on demand
# ----------------------------------------------------------------------------------------------

def test_emulator_evicts_and_waits_past_the_early_reply(ollama_emulator):
    ollama_emulator.set_mode('normal', unload_delay=0.3)  # listed 0.3 s after the unload reply
    ollama_emulator.load('tiny-a', 'embed', 'tiny-b')
    result = unload(url=ollama_emulator.url)
    assert result.get('failed') is not True, result
    assert ollama_emulator.resident() == []
    assert result['resident_after'] == []
    assert names(result['evicted']) == ['embed:latest', 'tiny-a:latest', 'tiny-b:latest']
    posts = [(p, json.loads(b)) for m, p, b in ollama_emulator.requests() if m == 'POST']
    assert sorted(p[1]['model'] for p in posts) == ['embed:latest', 'tiny-a:latest', 'tiny-b:latest']
    assert all(p[0] == '/api/generate' and p[1]['keep_alive'] == 0 for p in posts)
    # polled /api/ps more than once after the replies: the reply came before the eviction
    gets = [p for m, p, b in ollama_emulator.requests() if m == 'GET' and p == '/api/ps']
    assert len(gets) >= 3


def test_emulator_wait_false_returns_before_eviction(ollama_emulator):
    ollama_emulator.set_mode('normal', unload_delay=30)
    ollama_emulator.load('tiny-a')
    result = unload(url=ollama_emulator.url, wait=False)
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert names(result['resident_after']) == ['tiny-a:latest']  # still listed: not waited for


def test_emulator_stuck_fails_at_deadline_with_message(ollama_emulator):
    ollama_emulator.load('tiny-a', 'tiny-b')
    ollama_emulator.set_mode('stuck')
    result = unload(url=ollama_emulator.url, wait_timeout=0.5)
    assert result['failed'] is True
    assert 'Timed out after 0.5 s waiting for Ollama to evict' in result['msg']
    assert 'tiny-a:latest' in result['msg'] and 'Stopping...' in result['msg']
    assert 'restart_unit' in result['msg']
    assert names(result['resident_after']) == ['tiny-a:latest', 'tiny-b:latest']
    assert result['memory']['total'] > 0


def test_emulator_slow_unload_within_deadline(ollama_emulator):
    ollama_emulator.set_mode('slow', slow_delay=1.5)
    ollama_emulator.load('big')
    result = unload(url=ollama_emulator.url, wait_timeout=30)
    assert result.get('failed') is not True, result
    assert result['resident_after'] == [] and ollama_emulator.resident() == []
    assert result['freed_bytes'] == 19_500_000_000


def test_emulator_slow_unload_past_deadline_fails(ollama_emulator):
    ollama_emulator.set_mode('slow', slow_delay=60)
    ollama_emulator.load('big')
    result = unload(url=ollama_emulator.url, wait_timeout=0.3)
    assert result['failed'] is True
    assert 'Timed out after 0.3 s' in result['msg'] and 'big:latest' in result['msg']


def test_emulator_faults(ollama_emulator):
    """hung / HTTP 500 / malformed, on every path and on /api/generate only, in one playbook run."""
    url = ollama_emulator.url
    ollama_emulator.load('tiny-a')
    control = ollama_emulator.state

    # each task switches the emulator first (a command task calling the control endpoint)
    def config(mode, fault_paths=None):
        body = json.dumps({'mode': mode, 'fault_paths': fault_paths or []})
        return {'name': 'config %s' % mode, 'ansible.builtin.uri': {
            'url': url + '/_emu/config', 'method': 'POST', 'body': body, 'body_format': 'raw',
            'headers': {'Content-Type': 'application/json'}}}
    tasks = [
        config('hung'), unload_task(url=url, request_timeout=1),
        config('hung', ['/api/generate']), unload_task(url=url, request_timeout=1),
        config('http500'), unload_task(url=url),
        config('http500', ['/api/generate']), unload_task(url=url),
        config('malformed'), unload_task(url=url),
    ]
    results = run_tasks(tasks)[1::2]
    hung, hung_generate, e500, e500_generate, malformed = results
    for r in results:
        assert r['failed'] is True, r
    assert hung['msg'] == ('Cannot list the resident models: GET %s/api/ps: the server accepted the '
                           'connection but did not answer within 1.0 s' % url)
    assert 'Unloading tiny-a:latest failed' in hung_generate['msg']
    assert 'did not answer within 1.0 s' in hung_generate['msg']
    assert 'HTTP 500: llama runner process has terminated' in e500['msg']
    assert 'Unloading tiny-a:latest failed' in e500_generate['msg'] and 'HTTP 500' in e500_generate['msg']
    assert 'not a JSON object' in malformed['msg']
    assert control.mode == 'malformed'


def test_emulator_deleted_but_loaded_is_stuck(ollama_emulator):
    ollama_emulator.load('tiny-a', 'tiny-b')
    ollama_emulator.delete('tiny-b')
    result = unload(url=ollama_emulator.url, wait_timeout=30)
    assert result['failed'] is True
    assert 'tiny-b:latest (answers 404: deleted while loaded, still listed)' in result['msg']
    assert names(result['resident_after']) == ['tiny-b:latest']  # tiny-a went
    assert ollama_emulator.resident() == ['tiny-b:latest']
    # a 404 model can never be evicted by a request: no need to sit out the 30 s deadline
    assert result['elapsed'] < 30


def test_unreachable_ok_and_fail():
    url = nothing_listens()
    ok, fail = run_tasks([unload_task(url=url), unload_task(url=url, on_unreachable='fail')])
    assert ok.get('failed') is not True, ok
    assert ok['changed'] is False and ok['resident_before'] == [] and ok['evicted'] == []
    assert any('refuses connections' in w for w in ok.get('warnings', []))
    assert fail['failed'] is True
    assert 'unreachable' in fail['msg'] and 'connection refused' in fail['msg']


def test_headers_are_sent_and_not_logged(ollama_emulator):
    ollama_emulator.load('tiny-a')
    result = unload(url=ollama_emulator.url, headers={'Authorization': 'Bearer s3cret-token'})
    assert result.get('failed') is not True, result
    assert ollama_emulator.state.headers_log[0]['Authorization'] == 'Bearer s3cret-token'
    assert 's3cret-token' not in json.dumps(result)


def test_validation_messages_name_the_option(ollama_emulator):
    url = ollama_emulator.url
    cases = [
        ({'url': 'ftp://example.com'}, 'url:'),
        ({'url': 'localhost:11434'}, 'not an http:// or https:// URL'),
        ({'url': url, 'wait_timeout': 0}, 'wait_timeout: must be a number of seconds greater than 0'),
        ({'url': url, 'request_timeout': -1}, 'request_timeout: must be'),
        ({'url': url, 'require_available': '1GiB', 'require_fraction': 0.5},
         'mutually exclusive: require_available|require_fraction'),
        ({'url': url, 'require_fraction': 1.5}, 'require_fraction: 1.5 is outside (0, 1]'),
        ({'url': url, 'require_fraction': 0}, 'require_fraction: 0.0 is outside (0, 1]'),
        ({'url': url, 'require_available': 'lots'}, "require_available: cannot parse 'lots' as a size"),
        ({'url': url, 'require_available': '3G'}, 'ambiguous'),
        ({'url': url, 'margin': '2 parsecs'}, 'margin:'),
        ({'url': url, 'require_available': '1TiB'}, 'is more than MemTotal'),
        ({'url': url, 'require_fraction': 1.0}, 'plus margin 3.00 GiB'),
    ]
    results = run_tasks([unload_task(**case[0]) for case in cases])
    for (args, fragment), result in zip(cases, results):
        assert result['failed'] is True, (args, result)
        assert fragment in result['msg'], (args, result['msg'])
    assert ollama_emulator.requests() == []  # rejected before talking to the server


# ----------------------------------------------------------------------------------------------
# (c) restart_unit: a stand-in systemctl (no systemd on this host)
# ----------------------------------------------------------------------------------------------

@pytest.fixture
def fake_systemctl(tmp_path):
    """A `systemctl` first on PATH: `restart ollama-emu` restarts the emulator (clears stuck state)."""
    script = tmp_path / 'bin' / 'systemctl'
    script.parent.mkdir()
    script.write_text(textwrap.dedent('''\
        #!%s
        import os, sys, urllib.request
        with open(os.environ['FAKE_SYSTEMCTL_LOG'], 'a') as log:
            log.write(' '.join(sys.argv[1:]) + '\\n')
        if sys.argv[1:] != ['restart', 'ollama-emu']:
            sys.stderr.write('Failed to restart %%s: Unit not found.\\n' %% sys.argv[-1])
            sys.exit(5)
        urllib.request.urlopen(urllib.request.Request(os.environ['EMU_URL'] + '/_emu/restart', data=b'{}'))
        ''' % sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / 'systemctl.log'
    log.write_text('')
    return {'PATH': str(script.parent) + os.pathsep + os.environ.get('PATH', ''),
            'FAKE_SYSTEMCTL_LOG': str(log)}, log


def test_restart_unit_clears_stuck_model(ollama_emulator, fake_systemctl):
    env, log = fake_systemctl
    env['EMU_URL'] = ollama_emulator.url
    ollama_emulator.load('tiny-a', 'embed')
    ollama_emulator.set_mode('stuck')
    result = unload(env=env, url=ollama_emulator.url, wait_timeout=0.5, restart_unit='ollama-emu')
    assert result.get('failed') is not True, result
    assert log.read_text() == 'restart ollama-emu\n'
    assert result['restarted'] is True and result['changed'] is True
    assert result['resident_after'] == [] and ollama_emulator.resident() == []
    assert any('restarting ollama-emu' in w for w in result.get('warnings', []))


def test_restart_unit_clears_deleted_but_loaded(ollama_emulator, fake_systemctl):
    env, log = fake_systemctl
    env['EMU_URL'] = ollama_emulator.url
    ollama_emulator.load('tiny-b')
    ollama_emulator.delete('tiny-b')
    result = unload(env=env, url=ollama_emulator.url, restart_unit='ollama-emu')
    assert result.get('failed') is not True, result
    assert log.read_text() == 'restart ollama-emu\n'
    assert result['resident_after'] == []


def test_restart_unit_failure_is_reported(ollama_emulator, fake_systemctl):
    env, log = fake_systemctl
    env['EMU_URL'] = ollama_emulator.url
    ollama_emulator.load('tiny-a')
    ollama_emulator.set_mode('stuck')
    result = unload(env=env, url=ollama_emulator.url, wait_timeout=0.3, restart_unit='no-such-unit')
    assert result['failed'] is True
    assert 'systemctl restart no-such-unit" failed (rc=5)' in result['msg']
    assert 'Unit not found' in result['msg']
    assert ollama_emulator.resident() == ['tiny-a:latest']


# ----------------------------------------------------------------------------------------------
# (d) the memory gate, with real memory held by a process of the test
# ----------------------------------------------------------------------------------------------

def meminfo():
    with open('/proc/meminfo') as handle:
        info = dict(line.split(':', 1) for line in handle)
    return {k: int(v.split()[0]) * 1024 for k, v in info.items() if k in ('MemTotal', 'MemAvailable', 'MemFree')}


HOG = '''
import sys
size = int(sys.argv[1])
hog = b"x" * size          # every page written
print("ready", flush=True)
sys.stdin.readline()       # hold it until the test says so
'''


@pytest.fixture
def memory_hog():
    """Start a process holding `size` bytes of touched memory; .release() ends it."""
    procs = []

    class Hog:
        def __init__(self, size):
            self.proc = subprocess.Popen([sys.executable, '-c', HOG, str(size)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
            procs.append(self.proc)
            assert self.proc.stdout.readline().strip() == 'ready'

        def release(self):
            self.proc.stdin.close()
            self.proc.wait(30)
    yield Hog
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_memory_gate_fails_while_hog_lives_then_passes(ollama_emulator, memory_hog):
    hog_size = 2 * GIB
    without = meminfo()['MemAvailable']
    if without < 4 * hog_size:
        pytest.skip('needs %d bytes available, has %d' % (4 * hog_size, without))
    hog = memory_hog(hog_size)
    with_hog = meminfo()['MemAvailable']
    assert without - with_hog > hog_size // 2, 'the hog did not move MemAvailable'
    required = with_hog + GIB  # between the figures with and without the hog
    ollama_emulator.load('tiny-a')

    failed = unload(url=ollama_emulator.url, require_available=str(required), margin=0, wait_timeout=1)
    assert failed['failed'] is True
    msg = failed['msg']
    assert 'Timed out after 1.0 s waiting for MemAvailable to reach' in msg
    assert '(%d bytes, margin included)' % required in msg
    for label in ('MemTotal', 'MemAvailable', 'MemFree', 'largest processes by resident memory'):
        assert label in msg
    assert 'still resident in Ollama: none' in msg  # tiny-a was evicted before the gate
    assert '(pid %d)' % hog.proc.pid in msg  # the hog is named among the largest processes
    assert failed['memory']['met'] is False and failed['memory']['required'] == required

    # now the same gate while the hog goes away: the module polls until MemAvailable recovers
    asked = len(ollama_emulator.requests())
    proc = start_tasks([unload_task(url=ollama_emulator.url, require_available=str(required), margin=0,
                                    wait_timeout=60)])
    # ordering only, nothing is timed: release the hog once the module runs, i.e. has asked Ollama
    # what it holds (/api/ps, nothing to evict); the memory gate comes right after that
    wait_for('the second ollama_unload to ask the emulator for /api/ps',
             lambda: proc.poll() is not None or any(
                 path == '/api/ps' for _method, path, _body in ollama_emulator.requests()[asked:]),
             timeout=120)
    hog.release()
    passed = finish_tasks(proc)[0]
    assert passed.get('failed') is not True, passed
    assert passed['memory']['met'] is True
    assert passed['memory']['available'] >= required == passed['memory']['required']


def test_memory_gate_check_mode_predicts_with_resident_sizes(ollama_emulator):
    ollama_emulator.load('big')  # 19.5 GB as the emulator reports it
    available = meminfo()['MemAvailable']
    total = meminfo()['MemTotal']
    need = min(total, available + 10 * 10 ** 9)
    fits, short = run_tasks([
        unload_task(url=ollama_emulator.url, check=True, require_available=str(need), margin=0),
        unload_task(url=ollama_emulator.url, check=True, require_available=str(total), margin=0,
                    models=['tiny-a']),
    ])
    assert fits.get('failed') is not True, fits
    assert fits['memory']['met'] is (need <= fits['memory']['projected_available'])
    assert fits['memory']['projected_available'] == fits['memory']['available'] + 19_500_000_000
    assert ollama_emulator.resident() == ['big:latest']
    assert short['changed'] is False and short['evicted'] == []
    assert short['memory']['met'] is False
    assert any('short of' in w for w in short.get('warnings', []))


def test_drop_caches_reports_not_crash(ollama_emulator):
    result = unload(url=ollama_emulator.url, drop_caches=True)
    assert result.get('failed') is not True, result
    if not result['memory']['caches_dropped']:
        assert any('drop_caches' in w for w in result.get('warnings', []))
