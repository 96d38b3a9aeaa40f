# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openclaw.gx10.ollama role's version handling, run THROUGH ANSIBLE (ansible-playbook).

The role's validation (roles/ollama/tasks/validate.yml: read the version, check every setting
against that version's rules; nothing written) runs once per case in ONE ansible-playbook run
against localhost, where no `ollama` CLI is on PATH, so the version comes from /api/version of:
the REAL Ollama 0.5.4 server (fixture ollama_server), the emulator answering as 0.24.0, 0.33.0
and an unknown newer 0.41.2, and a port where nothing listens (newest rules and a warning).
The Molecule `ollama` scenario covers the `ollama -v` path on a real host.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest
from gx10_functional import collections_path, nothing_listens

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'tests', 'functional', 'files', 'ollama_validate.yml')


# name, server (real | a version the emulator answers | down), role variables,
# None when accepted or the words the refusal must contain, words a warning must contain
CASES = [
    # The real 0.5.4 server.
    ('real_054_defaults', 'real', {}, None, []),
    ('real_054_q5_1_silently_f16', 'real', {'ollama_kv_cache_type': 'q5_1'},
     ['ollama_kv_cache_type', 'Ollama 0.5.4', 'silently uses f16', 'v0.30'], []),
    ('real_054_context_length_not_read', 'real', {'ollama_context_length': 32768},
     ['ollama_context_length', 'Ollama 0.5.4', 'v0.5.13'], []),
    ('real_054_max_vram', 'real', {'ollama_environment': {'OLLAMA_MAX_VRAM': 1000}},
     ['ollama_environment.OLLAMA_MAX_VRAM', 'Ollama 0.5.4', 'never read'], []),
    ('real_054_flash_unset', 'real', {'ollama_flash_attention': None},
     ['ollama_kv_cache_type=q8_0', 'ollama_flash_attention=true', 'unset (off)', 'Ollama 0.5.4'], []),
    # v0.24: newer variables, the old KV cache rules.
    ('v024_context_length', '0.24.0', {'ollama_context_length': 32768}, None, []),
    ('v024_q4_1', '0.24.0', {'ollama_kv_cache_type': 'q4_1'}, ['Ollama 0.24.0', 'silently uses f16'], []),
    ('v024_flash_off', '0.24.0', {'ollama_flash_attention': False},
     ['Ollama 0.24.0', 'silently uses an f16 cache'], []),
    # v0.33: llama-server.
    ('v033_defaults_with_context', '0.33.0', {'ollama_context_length': 32768}, None, []),
    ('v033_flash_auto', '0.33.0', {'ollama_flash_attention': None}, None, []),
    ('v033_unknown_type_fails_loads', '0.33.0', {'ollama_kv_cache_type': 'q5_2'},
     ['ollama_kv_cache_type', 'Ollama 0.33.0', 'EVERY model load fails', 'iq4_nl'], []),
    ('v033_q8_0_flash_off_fails_loads', '0.33.0', {'ollama_flash_attention': False},
     ['ollama_flash_attention=false', 'Ollama 0.33.0', 'EVERY model load fails'], []),
    ('v033_multiuser_cache_gone', '0.33.0', {'ollama_environment': {'OLLAMA_MULTIUSER_CACHE': 'true'}},
     ['OLLAMA_MULTIUSER_CACHE', 'Ollama 0.33.0', 'v0.30.0'], []),
    ('v033_context_unparseable', '0.33.0', {'ollama_context_length': '32k'},
     ['ollama_context_length', 'Ollama 0.33.0', 'using default', '256k'], []),
    ('v033_unknown_name_warned', '0.33.0', {'ollama_environment': {'OLLAMA_NUM_PARALEL': 2}},
     None, ['OLLAMA_NUM_PARALEL', 'check the spelling']),
    # Unknown newer version, and no answer at all: the newest rules and a warning.
    ('newer_version_warned', '0.41.2', {'ollama_kv_cache_type': 'bf16'}, None, ['0.41.2', 'newer']),
    ('nothing_answers', 'down', {'ollama_flash_attention': None}, None, ['could not be read', '0.33']),
]


@pytest.fixture(scope='module')
def results(ollama_server):
    mod = sys.modules['openclaw_ollama_emulator']
    emulators = {v: mod.OllamaEmulator(version=v).start() for v in ('0.24.0', '0.33.0', '0.41.2')}
    urls = {v: e.url for v, e in emulators.items()}
    urls['real'] = ollama_server.url
    urls['down'] = nothing_listens()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            results_file = os.path.join(tmp, 'results.json')
            extra = os.path.join(tmp, 'cases.json')
            with open(extra, 'w') as f:
                json.dump({'results_file': results_file,
                           'cases': [{'name': n, 'url': urls[s], 'vars': v} for n, s, v, _w, _ww in CASES]}, f)
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_NOCOLOR='1',
                       ANSIBLE_LOCALHOST_WARNING='False', ANSIBLE_INVENTORY_UNPARSED_WARNING='False',
                       ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED='False')
            exe = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
            run = subprocess.run([exe if os.path.exists(exe) else 'ansible-playbook', '-i', 'localhost,',
                                  PLAYBOOK, '-e', '@' + extra], capture_output=True, text=True, env=env,
                                 timeout=600, check=False)
            assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
            with open(results_file) as f:
                return {r['name']: r for r in json.load(f)}
    finally:
        for emu in emulators.values():
            emu.stop()


def test_every_case_ran(results):
    assert sorted(results) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize('name,server,variables,words,warned', CASES, ids=[c[0] for c in CASES])
def test_version_rules(results, name, server, variables, words, warned):
    result = results[name]
    if words is None:
        assert not result['failed'], result['msg']
    else:
        assert result['failed'], '%s was accepted' % name
        for word in words:
            assert word in result['msg'], (word, result['msg'])
    for word in warned:
        assert any(word in w for w in result['warnings']), (word, result['warnings'])
    if server == 'real':
        # No `ollama` CLI on this host: the version came from the real server's /api/version.
        assert '0.5.4' in result['shown'] and '/api/version' in result['shown'], result['shown']
