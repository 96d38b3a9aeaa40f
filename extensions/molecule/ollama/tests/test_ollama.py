"""Verify the openclaw.gx10.ollama role on a real systemd host running the real Ollama server."""
import json
import os
import re
import tempfile

import pytest
from gx10_testinfra import OLLAMA, run_play, wait_for

DROPIN = '/etc/systemd/system/ollama.service.d/override.conf'
SCENARIO = os.environ.get('MOLECULE_SCENARIO_DIRECTORY', os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API = OLLAMA
CONVERGED = {
    'OLLAMA_FLASH_ATTENTION': '1',
    'OLLAMA_KV_CACHE_TYPE': 'q8_0',
    'OLLAMA_KEEP_ALIVE': '0',
    'OLLAMA_HOST': '127.0.0.1:11434',
    'OLLAMA_MAX_LOADED_MODELS': '3',
    'OLLAMA_ORIGINS': 'http://gx10-%h.local',
}


def play(*args, playbook='converge.yml'):
    return run_play(os.path.join(SCENARIO, playbook), args=args, timeout=300)


def recap_changed(output):
    counts = [int(n) for n in re.findall(r'changed=(\d+)', output)]
    assert counts, 'no PLAY RECAP in output:\n' + output[-3000:]
    return sum(counts)


def wait_until(predicate, timeout, what):
    return wait_for(what, predicate, timeout)


def main_pid(host):
    return int(host.check_output('systemctl show -p MainPID --value ollama'))


def server_environ(host):
    raw = host.check_output('tr "\\0" "\\n" < /proc/%d/environ' % main_pid(host))
    return dict(line.split('=', 1) for line in raw.splitlines() if '=' in line)


def api_json(host, path, body=None):
    if body is None:
        out = host.check_output('curl -sf --max-time 30 %s%s' % (API, path))
    else:
        out = host.check_output("curl -sf --max-time 60 -X POST %s%s -d '%s'" % (API, path, json.dumps(body)))
    return json.loads(out)


def resident(host):
    return [m['name'] for m in api_json(host, '/api/ps')['models']]


def generate(host, model='tiny'):
    reply = api_json(host, '/api/generate', {'model': model, 'prompt': 'hi', 'stream': False,
                                             'options': {'num_predict': 1}})
    assert reply['done'] is True


def api_up(host):
    return host.run('curl -sf --max-time 2 %s/api/version' % API).rc == 0


def dropin_checksum(host):
    f = host.file(DROPIN)
    return f.sha256sum if f.exists else None


def test_dropin_file_owner_mode_and_lines(host):
    f = host.file(DROPIN)
    assert f.exists and f.user == 'root' and f.group == 'root' and f.mode == 0o644
    lines = [line for line in f.content_string.splitlines() if line.strip()]
    env_lines = [line for line in lines if line.startswith('Environment=')]
    expected = ['Environment="%s=%s"' % (k, v.replace('%', '%%')) for k, v in CONVERGED.items()]
    assert sorted(env_lines) == sorted(expected)
    # Nothing after a value: systemd has no inline comments.
    for line in lines:
        assert line.startswith('#') or line in ('[Service]', 'OOMScoreAdjust=500') \
            or re.match(r'^Environment="OLLAMA_[A-Z0-9_]+=[^"]*"$', line), line


def test_systemd_sees_the_environment(host):
    shown = host.check_output('systemctl show ollama -p Environment')
    for key, value in CONVERGED.items():
        assert '%s=%s' % (key, value) in shown


def test_running_server_has_the_environment(host):
    environ = server_environ(host)
    for key, value in CONVERGED.items():
        assert environ.get(key) == value, key


def test_ollama_goes_first_when_memory_runs_out(host):
    # ollama_oom_score_adjust (500): the unit's OOMScoreAdjust=, inherited by the running server.
    assert host.check_output('systemctl show -p OOMScoreAdjust --value ollama') == '500'
    assert host.file('/proc/%d/oom_score_adj' % main_pid(host)).content_string.strip() == '500'


def test_systemd_analyze_verify_is_clean(host):
    cmd = host.run('systemd-analyze verify ollama.service')
    assert cmd.rc == 0, cmd.stderr
    assert (cmd.stdout + cmd.stderr).strip() == ''


def test_keep_alive_zero_leaves_nothing_resident(host):
    wait_until(lambda: api_up(host), 30, 'the Ollama API')
    generate(host)
    wait_until(lambda: resident(host) == [], 10, '/api/ps to be empty after a generate with OLLAMA_KEEP_ALIVE=0')


def test_check_diff_shows_change_and_changes_nothing(host):
    before, pid = dropin_checksum(host), main_pid(host)
    run = play('--check', '--diff', '-e', 'ollama_keep_alive=5m')
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert '-Environment="OLLAMA_KEEP_ALIVE=0"' in run.stdout
    assert '+Environment="OLLAMA_KEEP_ALIVE=5m"' in run.stdout
    assert dropin_checksum(host) == before
    assert main_pid(host) == pid
    assert server_environ(host)['OLLAMA_KEEP_ALIVE'] == '0'


def test_primary_ollama_keeps_the_model_for_two_hours(host):
    pid = main_pid(host)
    try:
        run = play('-e', 'gx10_primary_server=ollama')
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr
        assert recap_changed(run.stdout) > 0
        assert 'Environment="OLLAMA_KEEP_ALIVE=2h"' in host.file(DROPIN).content_string
        assert main_pid(host) != pid, 'Ollama was not restarted after its drop-in changed'
        assert server_environ(host)['OLLAMA_KEEP_ALIVE'] == '2h'
        generate(host)
        models = api_json(host, '/api/ps')['models']
        assert [m['name'].split(':')[0] for m in models] == ['tiny']
        # A model kept for 2h expires well over an hour from now (the server's own clock).
        expires = host.check_output('date -d "%s" +%%s' % models[0]['expires_at'])
        now = host.check_output('date +%s')
        assert int(expires) - int(now) > 3600
    finally:
        restore = play()
        assert restore.returncode == 0, restore.stdout[-3000:]
    assert server_environ(host)['OLLAMA_KEEP_ALIVE'] == '0'
    wait_until(lambda: api_up(host), 30, 'the Ollama API')
    assert resident(host) == []


def test_absent_removes_the_dropin_and_present_restores_it(host):
    try:
        run = play('-e', 'ollama_override_state=absent')
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr
        assert not host.file(DROPIN).exists
        assert 'OLLAMA_KEEP_ALIVE' not in host.check_output('systemctl show ollama -p Environment')
        assert 'OLLAMA_KEEP_ALIVE' not in server_environ(host)
    finally:
        restore = play()
        assert restore.returncode == 0, restore.stdout[-3000:]
    assert server_environ(host)['OLLAMA_KEEP_ALIVE'] == '0'


# name, role variables, words the error must contain
BAD_CASES = [
    ('keep_alive_unit_typo', {'ollama_keep_alive': '2hours'}, ['ollama_keep_alive', '2hours', '5m']),
    ('keep_alive_unknown_unit', {'ollama_keep_alive': '1d'}, ['ollama_keep_alive', 'Go duration']),
    ('keep_alive_overflow', {'ollama_keep_alive': '9223372037'}, ['ollama_keep_alive']),
    ('keep_alive_spaces_inside', {'ollama_keep_alive': '5 m'}, ['ollama_keep_alive']),
    ('kv_cache_type', {'ollama_kv_cache_type': 'q5_1'},
     ['ollama_kv_cache_type', 'f16', 'q8_0', 'q4_0', 'Ollama 0.5.4', 'silently uses f16', 'v0.30']),
    ('quantized_without_flash', {'ollama_flash_attention': False},
     ['ollama_flash_attention', 'ollama_kv_cache_type', 'Ollama 0.5.4', 'silently uses an f16 cache']),
    # Version-specific: the role read 0.5.4 with `ollama -v` on the host and applies its rules.
    ('v054_flash_attention_unset', {'ollama_flash_attention': None},
     ['ollama_flash_attention=true', 'unset (off)', 'Ollama 0.5.4']),
    ('v054_context_length_not_read', {'ollama_context_length': 8192},
     ['ollama_context_length', 'Ollama 0.5.4', 'v0.5.13', '(from `ollama -v`)']),
    ('v054_context_length_unparseable', {'ollama_context_length': '32k'}, ['ollama_context_length', '"32k"']),
    ('v054_max_vram_never_read', {'ollama_environment': {'OLLAMA_MAX_VRAM': 1000}},
     ['ollama_environment.OLLAMA_MAX_VRAM', 'Ollama 0.5.4', 'never read']),
    ('v054_auth_added_later', {'ollama_environment': {'OLLAMA_AUTH': 'true'}},
     ['ollama_environment.OLLAMA_AUTH', 'Ollama 0.5.4', 'v0.8.0']),
    ('v054_igpu_added_later', {'ollama_environment': {'OLLAMA_IGPU_ENABLE': 'true'}}, ['OLLAMA_IGPU_ENABLE', 'v0.30.0']),
    ('env_context_length_dedicated', {'ollama_environment': {'OLLAMA_CONTEXT_LENGTH': 8192}}, ['ollama_context_length']),
    ('env_key_not_ollama', {'ollama_environment': {'CUDA_VISIBLE_DEVICES': '0'}}, ['ollama_environment.CUDA_VISIBLE_DEVICES', '^OLLAMA_']),
    ('env_key_lower_case', {'ollama_environment': {'OLLAMA_host': 'x'}}, ['ollama_environment.OLLAMA_host']),
    ('env_key_with_space', {'ollama_environment': {'OLLAMA HOST': 'x'}}, ['ollama_environment.OLLAMA HOST']),
    ('env_key_with_equals', {'ollama_environment': {'OLLAMA_A=B': 'x'}}, ['ollama_environment.OLLAMA_A=B']),
    ('env_dedicated_key', {'ollama_environment': {'OLLAMA_KEEP_ALIVE': '2h'}}, ['ollama_keep_alive']),
    ('env_value_newline', {'ollama_environment': {'OLLAMA_HOST': '0.0.0.0\nEvil=1'}}, ['OLLAMA_HOST', 'control characters']),
    ('env_value_quoted', {'ollama_environment': {'OLLAMA_HOST': '"0.0.0.0"'}}, ['OLLAMA_HOST', 'quotes']),
    ('env_uint', {'ollama_environment': {'OLLAMA_NUM_PARALLEL': 'four'}}, ['OLLAMA_NUM_PARALLEL', 'whole number']),
    ('env_uint_negative', {'ollama_environment': {'OLLAMA_MAX_LOADED_MODELS': -1}}, ['OLLAMA_MAX_LOADED_MODELS']),
    ('env_bool', {'ollama_environment': {'OLLAMA_NOPRUNE': 'yes'}}, ['OLLAMA_NOPRUNE', 'true']),
    ('env_duration', {'ollama_environment': {'OLLAMA_LOAD_TIMEOUT': '5mins'}}, ['OLLAMA_LOAD_TIMEOUT']),
    ('env_origins_scheme', {'ollama_environment': {'OLLAMA_ORIGINS': 'app://gx10'}}, ['OLLAMA_ORIGINS', 'refuses to start', 'Ollama 0.5.4']),
    ('env_origins_space', {'ollama_environment': {'OLLAMA_ORIGINS': 'http://a, http://b'}}, ['OLLAMA_ORIGINS', 'no spaces']),
    ('env_host_port', {'ollama_environment': {'OLLAMA_HOST': '127.0.0.1:99999'}}, ['OLLAMA_HOST', '65535']),
    ('env_nested_value', {'ollama_environment': {'OLLAMA_HOST': {'a': 1}}}, ['OLLAMA_HOST']),
    ('primary_server', {'gx10_primary_server': 'both'}, ['gx10_primary_server', 'vllm', 'ollama']),
    ('missing_unit', {'ollama_service_name': 'ollama-missing'}, ['ollama-missing.service', 'does not exist']),
    ('unit_name_suffix', {'ollama_service_name': 'ollama.service'}, ['ollama_service_name']),
    ('unit_name_dash', {'ollama_service_name': '-ollama'}, ['ollama_service_name', 'must start with']),
    ('unit_name_space', {'ollama_service_name': 'ollama docker'}, ['ollama_service_name', "' '"]),
    ('start_timeout', {'ollama_start_timeout': 0}, ['ollama_start_timeout']),
    ('oom_score_adjust_above', {'ollama_oom_score_adjust': 1001}, ['ollama_oom_score_adjust', '-1000..1000']),
    ('oom_score_adjust_text', {'ollama_oom_score_adjust': 'high'}, ['ollama_oom_score_adjust']),
]


@pytest.fixture(scope='module')
def bad_results(host):
    before, pid = dropin_checksum(host), main_pid(host)
    with tempfile.TemporaryDirectory() as tmp:
        results_file = os.path.join(tmp, 'results.json')
        extra = os.path.join(tmp, 'cases.json')
        with open(extra, 'w') as f:
            json.dump({'cases': [{'name': n, 'vars': v} for n, v, _words in BAD_CASES],
                       'results_file': results_file}, f)
        run = play('-e', '@' + extra, playbook='bad_input.yml')
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr
        with open(results_file) as f:
            results = {r['name']: r for r in json.load(f)}
    return {'results': results, 'unchanged': dropin_checksum(host) == before, 'same_pid': main_pid(host) == pid}


@pytest.mark.parametrize('name,variables,words', BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_refused_with_a_clear_message(bad_results, name, variables, words):
    result = bad_results['results'][name]
    assert result['failed'], '%s was accepted' % name
    for word in words:
        assert word in result['msg'], (word, result['msg'])


def test_bad_input_left_the_host_untouched(bad_results):
    assert len(bad_results['results']) == len(BAD_CASES)
    assert bad_results['unchanged'], 'the drop-in changed during the bad-input cases'
    assert bad_results['same_pid'], 'Ollama was restarted during the bad-input cases'
