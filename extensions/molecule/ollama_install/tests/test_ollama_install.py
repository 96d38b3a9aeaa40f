"""Verify openclaw.gx10.ollama's install, upgrade and fallback models on a real systemd target.

The tests run in file order: the converged state first, then a wrong checksum (refused, nothing
replaced), then an upgrade to 0.5.5 (one restart, models kept) and a second run of it (no change).
"""
import json
import os
import re
import subprocess

SCENARIO = os.environ.get('MOLECULE_SCENARIO_DIRECTORY', os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.environ.get('MOLECULE_INVENTORY_FILE')
API = 'http://127.0.0.1:11434'
UNIT = '/etc/systemd/system/ollama.service'
DROPIN = '/etc/systemd/system/ollama.service.d/override.conf'
MODELS = ['127.0.0.1:5000/library/tiny-a:latest', '127.0.0.1:5000/library/tiny-b:latest']
# install.sh's unit, with BINDIR=/usr/local/bin (and a fixed PATH instead of the installing shell's)
UPSTREAM_UNIT = """[Unit]
Description=Ollama Service
After=network-online.target

[Service]
ExecStart=/usr/local/bin/ollama serve
User=ollama
Group=ollama
Restart=always
RestartSec=3
Environment="PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

[Install]
WantedBy=default.target
"""


def converge(version=None, sha256=None):
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    if version:
        env['GX10_TEST_OLLAMA_VERSION'] = version
    if sha256:
        env['GX10_TEST_OLLAMA_SHA256'] = sha256
    cmd = ['ansible-playbook', '-i', INVENTORY, os.path.join(SCENARIO, 'converge.yml')]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)


def recap_changed(output):
    counts = [int(n) for n in re.findall(r'changed=(\d+)', output)]
    assert counts, 'no PLAY RECAP in output:\n' + output[-3000:]
    return sum(counts)


def api_json(host, path):
    return json.loads(host.check_output('curl -sf --max-time 30 %s%s' % (API, path)))


def main_pid(host):
    return int(host.check_output('systemctl show -p MainPID --value ollama'))


def installed(host):
    """What an install replaces: the binary and the server library, by checksum."""
    return (host.file('/usr/local/bin/ollama').sha256sum, host.file('/usr/local/lib/ollama/ollama-lib').sha256sum)


def test_upstream_layout(host):
    binary = host.file('/usr/local/bin/ollama')
    assert binary.is_file and binary.user == 'root' and binary.mode == 0o755
    lib = host.file('/usr/local/lib/ollama')
    assert lib.is_directory and host.file('/usr/local/lib/ollama/ollama-lib').is_file
    stamp = host.file('/usr/local/lib/ollama/.openclaw-gx10-install').content_string
    assert 'version=0.5.4\n' in stamp
    sha = host.file('/srv/dl/0.5.4/SHA256').content_string.strip()
    assert 'sha256=%s\n' % sha in stamp
    assert not host.file('/usr/local/lib/.openclaw-gx10-ollama-staging').exists


def test_user_and_unit_as_install_sh_writes_them(host):
    user = host.user('ollama')
    assert user.exists and user.shell == '/bin/false' and user.home == '/usr/share/ollama'
    assert host.group('ollama').exists
    assert host.file('/usr/share/ollama').is_directory
    assert host.file(UNIT).content_string == UPSTREAM_UNIT
    service = host.service('ollama')
    assert service.is_enabled and service.is_running
    assert host.check_output('ps -o user= -p %d' % main_pid(host)).strip() == 'ollama'


def test_the_collection_drop_in_applies(host):
    assert host.file(DROPIN).exists
    shown = host.check_output('systemctl show ollama -p Environment')
    assert 'OLLAMA_KEEP_ALIVE=0' in shown and 'OLLAMA_KV_CACHE_TYPE=q8_0' in shown


def test_pinned_version_runs_with_the_fallback_models(host):
    assert api_json(host, '/api/version')['version'].startswith('0.5.4-')
    listed = {m['name']: m['digest'] for m in api_json(host, '/api/tags')['models']}
    assert sorted(listed) == MODELS
    # the digest Ollama lists is the sha256 of the registry's manifest
    for name in MODELS:
        model = name.rsplit('/', maxsplit=1)[-1].split(':')[0]
        manifest = host.check_output('curl -sf -H "Accept: application/vnd.docker.distribution.manifest.v2+json" '
                                     'http://127.0.0.1:5000/v2/library/%s/manifests/latest | sha256sum' % model)
        assert manifest.split()[0] == listed[name]
    # pulled, never loaded
    assert api_json(host, '/api/ps')['models'] == []


def test_wrong_checksum_is_refused_and_nothing_replaced(host):
    before, pid = installed(host), main_pid(host)
    run = converge(version='0.5.5', sha256='0' * 64)
    assert run.returncode != 0, run.stdout[-3000:]
    out = run.stdout + run.stderr
    assert 'does not match' in out and 'nothing was replaced' in out, out[-3000:]
    assert installed(host) == before
    assert main_pid(host) == pid
    assert api_json(host, '/api/version')['version'].startswith('0.5.4-')
    assert not host.file('/usr/local/lib/.openclaw-gx10-ollama-staging').exists


def test_upgrade_restarts_once_and_keeps_the_models(host):
    pid = main_pid(host)
    sha = host.file('/srv/dl/0.5.5/SHA256').content_string.strip()
    run = converge(version='0.5.5', sha256=sha)
    assert run.returncode == 0, run.stdout[-4000:]
    assert main_pid(host) != pid
    assert api_json(host, '/api/version')['version'].startswith('0.5.5-')
    assert 'version=0.5.5\n' in host.file('/usr/local/lib/ollama/.openclaw-gx10-install').content_string
    assert sorted(m['name'] for m in api_json(host, '/api/tags')['models']) == MODELS
    pid = main_pid(host)
    again = converge(version='0.5.5', sha256=sha)
    assert again.returncode == 0, again.stdout[-4000:]
    assert recap_changed(again.stdout) == 0, again.stdout[-4000:]
    assert main_pid(host) == pid
