# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The drills' bad role variables (extensions/molecule/drills/vars/bad_cases.yml) against the vllm
role's argument spec, without a target.

Coverage: every option of roles/vllm/meta/argument_specs.yml has a bad case or a stated reason in
`exempt`, and the drill's tasks/bad_case.yml passes every option on to the role (a case for an
option it does not pass would test the scenario's value instead).

Refusal: every case runs on localhost through what the role runs before its first task that can
change a host (the argument validation Ansible prepends to the role, then tasks/preflight.yml) and
must be refused there, with a message naming the variable. The drills scenario runs the same cases
through the whole role on a converged target, where the host must stay as it was.

Acceptance: in the same run, the repository's own settings (the Molecule scenarios' and the example
inventory's) and realistic good values must pass, so that a check cannot be made strict enough to
refuse what users set.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml
from gx10_functional import REPO, ansible_env, exe, molecule_inventory_settings

DRILLS = os.path.join(REPO, 'extensions', 'molecule', 'drills')
SPEC = os.path.join(REPO, 'roles', 'vllm', 'meta', 'argument_specs.yml')


def _yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


OPTIONS = _yaml(SPEC)['argument_specs']['main']['options']
BAD = _yaml(os.path.join(DRILLS, 'vars', 'bad_cases.yml'))
CASES = BAD['cases']
EXEMPT = BAD.get('exempt') or {}


def _repo_settings():
    """The vllm_* settings the repository runs the role with: each Molecule scenario's inventory
    and the example inventory (scripts/lab.sh writes the drills scenario's values)."""
    found = {'good_molecule_%s_%s_%s' % (scenario, kind, group): chosen
             for scenario, kind, group, chosen in molecule_inventory_settings('vllm_')}
    example = _yaml(os.path.join(REPO, 'inventory', 'group_vars', 'gx10', 'main.yml'))
    found['good_inventory_gx10'] = {k: v for k, v in example.items() if k.startswith('vllm_')}
    return found


# Values real hosts use, one each on top of the drills scenario's settings.
GOOD_VALUES = [
    ('vllm_model', 'Qwen/Qwen3.5-35B-A3B-FP8'),
    ('vllm_model', 'meta-llama/Llama-3.1-8B-Instruct'),
    ('vllm_model', 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic'),
    ('vllm_model', 'nvidia/DeepSeek-R1-0528-FP4_v2'),
    ('vllm_model', 'facebook/opt-125m'),
    ('vllm_model', '/models/llama-3.1-8b'),
    ('vllm_model', '/root/.cache/huggingface/hub/models--Qwen--Qwen3-0.6B/snapshots/c1899de'),
    ('vllm_model', 'gpt2'),
    ('vllm_service_name', 'vllm.service'),
    ('vllm_service_name', 'vllm-qwen3'),
    ('vllm_service_name', 'vllm@gx10_1'),
    ('vllm_ollama_service', 'ollama.gx10'),
    ('vllm_ollama_service', 'ollama@0'),
    ('vllm_docker_bin', '/usr/local/bin/docker'),
    ('vllm_docker_bin', '/snap/bin/docker'),
    ('vllm_gate_dir', '/opt/openclaw-gx10'),
    ('vllm_gate_dir', '/usr/local/lib/openclaw-gx10/'),
    ('vllm_gate_dir', '/srv/gx10_gate.d'),
    ('vllm_kv_cache_memory', '24GiB'),
    ('vllm_kv_cache_memory', 25769803776),
    ('vllm_kv_cache_memory', '30GB'),
    ('vllm_oom_score_adjust', -100),
    ('vllm_shm_size', '16GiB'),
    # what agent stacks pass (tool calling, a reasoning parser, prefix caching), in both spellings
    ('vllm_extra_args', ['--enable-auto-tool-choice', '--tool-call-parser', 'hermes', '--reasoning-parser', 'qwen3',
                         '--enable-prefix-caching', '--max-num-batched-tokens', '8192']),
    ('vllm_extra_args', ['--tool-call-parser=hermes', '--max_num_seqs=16', '--dtype', 'bfloat16', '-tp', '1',
                         '--compilation-config.cudagraph_mode', 'PIECEWISE', '--enforce-eager']),
]
GOOD = ([{'name': 'good_scenario_settings', 'vars': {}}]
        + [{'name': name, 'vars': values} for name, values in sorted(_repo_settings().items())]
        + [{'name': 'good_%s=%s' % (name, value), 'vars': {name: value}} for name, value in GOOD_VALUES])


def _covered():
    return {name for case in CASES for name in case['vars']}


def test_every_option_has_a_bad_case_or_a_reason():
    assert sorted(set(OPTIONS) - _covered() - set(EXEMPT)) == []


def test_exemptions_are_real_options_without_cases_and_say_why():
    assert sorted(set(EXEMPT) - set(OPTIONS)) == []
    assert sorted(set(EXEMPT) & _covered()) == []
    assert sorted(name for name, reason in EXEMPT.items() if not str(reason or '').strip()) == []


def test_each_case_sets_one_option_of_the_spec():
    assert len({case['name'] for case in CASES}) == len(CASES)
    odd = [case['name'] for case in CASES if len(case['vars']) != 1 or not set(case['vars']) <= set(OPTIONS)]
    assert odd == []
    assert [case['name'] for case in CASES if not case['words']] == []


def test_bad_case_passes_every_option_to_the_role():
    tasks = _yaml(os.path.join(DRILLS, 'tasks', 'bad_case.yml'))
    include = [t for t in tasks[0]['block'] if 'ansible.builtin.include_role' in t][0]
    assert sorted(set(OPTIONS) ^ set(include['vars'])) == []


def _types():
    """The spec without its prose, which a playbook would template."""
    keep = ('type', 'elements', 'choices', 'required', 'no_log', 'options')
    return {name: {k: v for k, v in spec.items() if k in keep} for name, spec in OPTIONS.items()}


def _case_tasks(case):
    """One case, as the role meets it before any task that changes a host: the argument validation
    Ansible runs when the role starts (the same module on the spec's main entry point), then the
    role's preflight. The role itself is not run: a case both let through would go on to change
    this machine."""
    return [{
        'name': 'Case %s' % case['name'],
        'vars': case['vars'],
        'block': [
            {'name': 'Validate as the role does at its start', 'ansible.builtin.validate_argument_spec': {
                'argument_spec': _types()}},
            {'name': 'Run the role preflight', 'ansible.builtin.include_role': {
                'name': 'openclaw.gx10.vllm', 'tasks_from': 'preflight.yml'}},
            {'name': 'Record that the case was accepted', 'ansible.builtin.set_fact': {
                'gx10_results': "{{ gx10_results + [{'name': %r, 'failed': false, 'msg': ''}] }}" % case['name']}},
        ],
        'rescue': [
            {'name': 'Record the refusal', 'ansible.builtin.set_fact': {
                'gx10_results': "{{ gx10_results + [{'name': %r, 'failed': true, 'msg': ansible_failed_result.msg}] }}"
                % case['name']}},
        ],
    }]


@pytest.fixture(scope='module')
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('bad-input')
    scenario = _yaml(os.path.join(DRILLS, 'molecule.yml'))['provisioner']['inventory']['group_vars']['all']
    # The scenario's settings, under which the cases run there (its sudo user is the target's).
    settings = {k: v for k, v in scenario.items() if k not in ('ansible_user', 'gx10_test_user')}
    results = tmp / 'results.json'
    tasks = [task for case in CASES + GOOD for task in _case_tasks(case)]
    tasks.append({'name': 'Write the results', 'ansible.builtin.copy': {
        'content': '{{ gx10_results | to_json }}', 'dest': str(results), 'mode': '0644'}})
    playbook = tmp / 'bad_input.json'  # JSON is YAML
    playbook.write_text(json.dumps([{
        'name': 'The drills bad cases, validation and preflight only', 'hosts': 'localhost',
        'connection': 'local', 'gather_facts': False,
        'vars': dict(settings, gx10_results=[], ansible_python_interpreter=sys.executable),
        'tasks': tasks}]))
    proc = subprocess.run([exe('ansible-playbook'), '-i', 'localhost,', str(playbook)],
                          env=ansible_env({'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.default'}),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return {r['name']: r for r in json.loads(results.read_text())}


def test_every_case_ran(outcomes):
    assert sorted(outcomes) == sorted(case['name'] for case in CASES + GOOD)


@pytest.mark.parametrize('case', CASES, ids=[case['name'] for case in CASES])
def test_the_role_refuses_the_case_before_changing_anything(outcomes, case):
    result = outcomes[case['name']]
    assert result['failed'], '%s was accepted by the argument validation and preflight' % case['vars']
    for word in case['words']:
        assert word in result['msg'], (word, result['msg'])


@pytest.mark.parametrize('case', GOOD, ids=[case['name'] for case in GOOD])
def test_the_role_accepts_good_settings(outcomes, case):
    result = outcomes[case['name']]
    assert not result['failed'], (case['vars'], result['msg'])
