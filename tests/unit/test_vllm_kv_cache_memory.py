# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""vllm_kv_cache_memory through the role, without a target: the command line it renders
(tests/contract/render_command.yml, the role's defaults and vars) and the preflight's refusal for a
release without --kv-cache-memory-bytes, which needs two variables set (the drills' bad cases set
one each: extensions/molecule/drills/vars/bad_cases.yml has the single-variable refusals)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
from gx10_functional import REPO, ansible_env, exe

RENDER = os.path.join(REPO, 'tests', 'contract', 'render_command.yml')


def render(tmp_path, **overrides):
    out = tmp_path / 'rendered.json'
    proc = subprocess.run([exe('ansible-playbook'), RENDER, '-e', json.dumps(dict(overrides, out=str(out)))],
                          env=ansible_env(), capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return json.loads(out.read_text())['command']


@pytest.mark.parametrize('value,expected', [('24GiB', '25769803776'), ('30GB', '30000000000'),
                                            (8589934592, '8589934592'), ('1.5GiB', '1610612736')])
def test_rendered_as_bytes_after_the_role_flags(tmp_path, value, expected):
    command = render(tmp_path, vllm_kv_cache_memory=value)
    at = command.index('--kv-cache-memory-bytes')
    assert command[at + 1] == expected
    assert command.index('--kv-cache-dtype') < at < command.index('--host')
    assert command.count('--kv-cache-memory-bytes') == 1


def test_not_rendered_by_default(tmp_path):
    assert '--kv-cache-memory-bytes' not in render(tmp_path)


def _preflight(tmp_path, cases):
    """Each case's variables through the role's preflight on localhost: {name: (failed, msg)}."""
    results = tmp_path / 'results.json'
    tasks = [{'name': 'Case %s' % name, 'vars': variables,
              'block': [{'name': 'Preflight', 'ansible.builtin.include_role': {
                  'name': 'openclaw.gx10.vllm', 'tasks_from': 'preflight.yml'}},
                  {'name': 'Accepted', 'ansible.builtin.set_fact': {
                      'gx10_results': "{{ gx10_results | combine({%r: [false, '']}) }}" % name}}],
              'rescue': [{'name': 'Refused', 'ansible.builtin.set_fact': {
                  'gx10_results': "{{ gx10_results | combine({%r: [true, ansible_failed_result.msg]}) }}" % name}}]}
             for name, variables in cases.items()]
    tasks.append({'name': 'Write', 'ansible.builtin.copy': {'content': '{{ gx10_results | to_json }}',
                                                            'dest': str(results), 'mode': '0644'}})
    playbook = tmp_path / 'preflight.json'
    playbook.write_text(json.dumps([{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                                     'vars': {'gx10_results': {}, 'ansible_python_interpreter': sys.executable},
                                     'tasks': tasks}]))
    proc = subprocess.run([exe('ansible-playbook'), '-i', 'localhost,', str(playbook)],
                          env=ansible_env({'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.default'}),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return {name: tuple(v) for name, v in json.loads(results.read_text()).items()}, proc.stdout + proc.stderr


def test_preflight_by_release(tmp_path):
    outcomes, output = _preflight(tmp_path, {
        'old': {'vllm_image': 'vllm/vllm-openai:v0.10.1', 'vllm_kv_cache_memory': '8GiB'},
        'old_unpinned': {'vllm_image': 'vllm/vllm-openai:v0.10.1', 'vllm_kv_cache_dtype': 'auto'},
        'first': {'vllm_image': 'vllm/vllm-openai:v0.10.2', 'vllm_kv_cache_memory': '8GiB'},
        'current': {'vllm_image': 'vllm/vllm-openai:v0.32.0', 'vllm_kv_cache_memory': '8GiB'},
        'unknown': {'vllm_image': 'vllm/vllm-openai:nightly-abc', 'vllm_kv_cache_memory': '8GiB',
                    'vllm_kv_cache_dtype': 'auto'},
    })
    failed, msg = outcomes['old']
    assert failed and msg.startswith('vllm_kv_cache_memory: vLLM 0.10.1') and 'came with vLLM 0.10.2' in msg
    assert outcomes['old_unpinned'] == (False, '')
    assert outcomes['first'] == (False, '') and outcomes['current'] == (False, '')
    assert outcomes['unknown'] == (False, '')
    # the unknown release passes with a warning naming the variable and the option
    assert 'vllm_kv_cache_memory: the vLLM release of image' in output and "'vllm/vllm-openai:nightly-abc' is unknown" in output
