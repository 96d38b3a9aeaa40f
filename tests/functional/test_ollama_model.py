# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openclaw.gx10.ollama_model run THROUGH ANSIBLE against the REAL Ollama 0.5.4 server, which
pulls over plain HTTP (insecure) from a local registry stand-in (tests/ollama_registry/registry.py)
serving GGUF files written by tests/ollama/make_model.py.

Every pull here is Ollama's own: manifests, HEAD/GET blobs, the redirect to the direct URL,
Range requests, sha256 verification, the manifest written last.
"""
from __future__ import annotations

import importlib.util
import os
import sys

import gx10_functional
import pytest
from gx10_functional import nothing_listens

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = 'openclaw.gx10.ollama_model'


def _load_registry():
    name = 'openclaw_ollama_registry'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, 'tests', 'ollama_registry', 'registry.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


registry_module = _load_registry()


def run_tasks(tasks):
    """Run tasks in one ansible-playbook process; return each task's result for localhost."""
    return gx10_functional.run_tasks(tasks, timeout=300)


def task(check=False, diff=True, **args):
    out = {'name': 'ollama_model', MODULE: args, 'ignore_errors': True, 'diff': diff}
    if check:
        out['check_mode'] = True
    return out


def model(**args):
    return run_tasks([task(**args)])[0]


def tags(server):
    return {m['name']: m['digest'] for m in server.tags()}


def generate_or_embed_requests(server):
    return [line for line in server.log_tail(100000).splitlines()
            if line.startswith('[GIN]') and ('"/api/generate"' in line or '"/api/embed"' in line)]


def blob_requests(reg):
    return [r for r in reg.requests() if '/blobs/' in r[1] or r[1].startswith('/direct/')]


@pytest.fixture(scope='session')
def registry_models(ollama_model_files, tmp_path_factory):
    """GGUF files the bench server does not have yet (seeds of their own), so pulls download them."""
    spec = importlib.util.spec_from_file_location('openclaw_make_model_registry',
                                                  os.path.join(REPO, 'tests', 'ollama', 'make_model.py'))
    make_model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_model)
    out = tmp_path_factory.mktemp('registry-models')
    return {name: make_model.write_model(str(out / (name + '.gguf')), kind=kind, size='tiny', seed=seed)
            for name, kind, seed in (('v1', 'llama', 21), ('v2', 'llama', 22), ('other', 'llama', 23),
                                     ('broken', 'embedding', 24))}


@pytest.fixture
def registry(registry_models):
    reg = registry_module.Registry().start()
    reg.digests = {
        'tiny': reg.publish('library/tiny:latest', registry_models['v1']),
        'other': reg.publish('library/other:latest', registry_models['other']),
    }
    yield reg
    reg.stop()


@pytest.fixture
def server(ollama_server_factory):
    """A fresh real Ollama per test (its own model store), with the bench's models created."""
    return ollama_server_factory()


def test_present_check_idempotent_absent(server, registry):
    name = registry.name('library/tiny')
    listed = registry.host + '/library/tiny:latest'
    others = tags(server)
    assert others, 'the bench server should start with its own models'

    check, = run_tasks([task(check=True, name=[name], insecure=True, url=server.url)])
    assert not check.get('failed'), check
    assert check['changed'] is True
    assert check['pulled'] == [listed]
    assert check['models'][0]['action'] == 'would_pull'
    assert listed in check['diff']['after'] or check['diff']['after'] == ''
    assert listed not in tags(server)
    assert blob_requests(registry) == [], 'check mode downloaded something'

    first, second = run_tasks([task(name=[name], insecure=True, url=server.url),
                               task(name=[name], insecure=True, url=server.url)])
    assert not first.get('failed'), first
    assert first['changed'] is True
    entry = first['models'][0]
    assert entry['action'] == 'pulled'
    assert entry['name'] == listed
    assert entry['bytes'] == registry.size('library/tiny') and entry['completed_bytes'] == entry['bytes']
    assert entry['seconds'] > 0
    assert entry['details']['format'] == 'gguf'
    # Ollama stores the manifest it pulled; /api/tags lists the sha256 of the registry's manifest
    assert tags(server)[listed] == registry.digests['tiny'][len('sha256:'):]
    assert entry['digest_after'] == registry.digests['tiny'][len('sha256:'):]
    assert '%s %s' % (listed, entry['digest_after']) in first['diff']['after']
    assert first['diff']['before'] == ''
    # a pull only downloads
    assert server.ps() == []
    assert generate_or_embed_requests(server) == []

    assert not second.get('failed'), second
    assert second['changed'] is False
    assert second['models'][0]['action'] == 'none'

    check_absent, absent, again = run_tasks([
        task(check=True, name=[name], state='absent', url=server.url),
        task(name=[name], state='absent', url=server.url),
        task(name=[name], state='absent', url=server.url),
    ])
    assert check_absent['changed'] is True and check_absent['removed'] == [listed]
    assert absent['changed'] is True and absent['removed'] == [listed], absent
    assert listed not in tags(server)
    assert again['changed'] is False
    # the models that were there before are left alone
    assert tags(server) == others


def test_failed_pull_names_the_model_and_the_registry_error(server, registry, registry_models):
    registry.publish('library/broken:latest', registry_models['broken'])
    registry.fail('/v2/library/broken/manifests/', 500, 'registry stand-in: storage backend down')
    broken = registry.name('library/broken')
    good = registry.name('library/other')
    result = model(name=[broken, good], insecure=True, url=server.url)
    assert result.get('failed') is True
    assert 'library/broken:latest' in result['msg']
    assert 'storage backend down' in result['msg']
    assert result['failed_models'] == [registry.host + '/library/broken:latest']
    by_name = {m['name']: m for m in result['models']}
    assert by_name[registry.host + '/library/broken:latest']['action'] == 'failed'
    assert by_name[registry.host + '/library/other:latest']['action'] == 'pulled'
    assert result['changed'] is True
    listed = tags(server)
    assert registry.host + '/library/other:latest' in listed
    assert registry.host + '/library/broken:latest' not in listed


def test_registry_dying_mid_pull_leaves_nothing_listed(server, registry):
    gguf = registry.layers('library/tiny')[0]
    registry.truncate(gguf, 100000)  # of about 450 kB, then the connection drops (Ollama retries)
    result = model(name=[registry.name('library/tiny'), registry.name('library/other')], insecure=True,
                   url=server.url, pull_timeout=4)
    assert result.get('failed') is True
    entry = result['models'][0]
    assert entry['action'] == 'failed'
    assert 'did not finish within 4' in entry['error']
    assert 0 < entry['bytes'] and entry['completed_bytes'] < entry['bytes']
    assert 'library/tiny:latest' in result['msg']
    assert result['models'][1]['action'] == 'pulled'
    listed = tags(server)
    assert registry.host + '/library/tiny:latest' not in listed
    assert registry.host + '/library/other:latest' in listed
    # Ollama asked for the truncated blob's bytes: the failure was mid-transfer
    assert ('GET', '/direct/' + gguf) in registry.requests()


def test_digest_change_upstream_is_pulled_again_with_update(server, registry, registry_models):
    name = registry.name('library/tiny')
    listed = registry.host + '/library/tiny:latest'
    first = model(name=[name], insecure=True, url=server.url)
    assert first['changed'] is True, first
    old = tags(server)[listed]
    new_digest = registry.publish('library/tiny:latest', registry_models['v2'])[len('sha256:'):]
    assert new_digest != old
    registry.clear_log()

    plain, check, update, again = run_tasks([
        task(name=[name], insecure=True, url=server.url),
        task(check=True, name=[name], insecure=True, url=server.url, update=True),
        task(name=[name], insecure=True, url=server.url, update=True),
        task(name=[name], insecure=True, url=server.url, update=True),
    ])
    assert plain['changed'] is False  # without update a present model is never pulled again
    assert check['changed'] is True
    assert check['models'][0]['action'] == 'would_update'
    assert check['models'][0]['registry_digest'] == new_digest
    assert check['diff']['before'] == '%s %s\n' % (listed, old)
    assert check['diff']['after'] == '%s %s\n' % (listed, new_digest)
    assert not update.get('failed'), update
    assert update['changed'] is True
    assert update['models'][0]['action'] == 'updated'
    assert update['models'][0]['digest_before'] == old
    assert update['models'][0]['digest_after'] == new_digest
    assert tags(server)[listed] == new_digest
    assert again['changed'] is False
    assert again['models'][0]['action'] == 'none'
    # the unchanged model check asked the registry for the manifest only
    assert server.ps() == []


def test_bad_names_change_nothing(server, registry):
    before = tags(server)
    result = model(name=['ok-name', 'bad name', 'a/b/c/d'], url=server.url)
    assert result.get('failed') is True
    assert "'bad name'" in result['msg'] and 'a/b/c/d' in result['msg']
    assert 'qwen3:32b' in result['msg']
    assert tags(server) == before
    assert registry.requests() == []


def test_unreachable_ollama(registry):
    url = nothing_listens()
    check, real = run_tasks([task(check=True, name=['tiny'], url=url), task(name=['tiny'], url=url)])
    assert check['changed'] is True and check['pulled'] == ['tiny:latest']
    assert any('refuses connections' in w for w in check.get('warnings', []))
    assert real.get('failed') is True
    assert 'refuses connections' in real['msg'] and 'pulled' in real['msg']
