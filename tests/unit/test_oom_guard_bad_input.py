# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The oom_guard role's bad input, without a target: every case runs on localhost through what the
role runs before its first task that can change a host (the argument validation Ansible prepends to
the role, then tasks/validate.yml) and must be refused there, with a message naming the variable.
The repository's own settings (the defaults, the fleet scenario's) and realistic values must pass.
What only the installed earlyoom can refuse (an expression it cannot compile, a size past
MemTotal) is the fleet scenario's (extensions/molecule/fleet/tests/test_oom_guard.py)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml
from gx10_functional import REPO, ansible_env, exe, molecule_inventory_settings

ROLE = os.path.join(REPO, 'roles', 'oom_guard')


def _yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


OPTIONS = _yaml(os.path.join(ROLE, 'meta', 'argument_specs.yml'))['argument_specs']['main']['options']

BAD = [
    ('mem_term_not_a_size', {'oom_guard_mem_term': '2 gigs'}, ['oom_guard_mem_term', 'unknown unit']),
    ('mem_term_negative', {'oom_guard_mem_term': '-2GiB'}, ['oom_guard_mem_term']),
    ('mem_kill_not_a_size', {'oom_guard_mem_kill': 'half'}, ['oom_guard_mem_kill', 'cannot parse']),
    ('mem_kill_above_term', {'oom_guard_mem_kill': '4GiB'}, ['oom_guard_mem_kill', 'at most oom_guard_mem_term']),
    ('mem_kill_zero', {'oom_guard_mem_kill': '0'}, ['oom_guard_mem_kill', 'at least 1KiB']),
    ('prefer_empty', {'oom_guard_prefer': ''}, ['oom_guard_prefer', 'non-empty']),
    ('prefer_with_space', {'oom_guard_prefer': '^(vllm|my server)$'}, ['oom_guard_prefer', 'whitespace']),
    ('prefer_quoted', {'oom_guard_prefer': "'^vllm$'"}, ['oom_guard_prefer', 'quotes']),
    ('avoid_with_backslash', {'oom_guard_avoid': '^sshd\\b'}, ['oom_guard_avoid', 'backslashes']),
    ('avoid_a_list', {'oom_guard_avoid': ['sshd', 'dockerd']}, ['oom_guard_avoid']),
    ('report_interval_negative', {'oom_guard_report_interval': -1}, ['oom_guard_report_interval', '0 or more']),
    ('report_interval_words', {'oom_guard_report_interval': 'hourly'}, ['oom_guard_report_interval']),
    ('enabled_not_a_bool', {'oom_guard_enabled': 'maybe'}, ['oom_guard_enabled']),
]


def _scenario_settings():
    """The oom_guard_* settings of every Molecule scenario's inventory."""
    return [('molecule_%s_%s' % (scenario, group), chosen)
            for scenario, _kind, group, chosen in molecule_inventory_settings('oom_guard_')]


GOOD = [
    ('defaults', {}),
    ('bytes', {'oom_guard_mem_term': 4294967296, 'oom_guard_mem_kill': '2147483648'}),
    ('equal_thresholds', {'oom_guard_mem_term': '1GiB', 'oom_guard_mem_kill': '1GiB'}),
    ('decimal_units', {'oom_guard_mem_term': '4GB', 'oom_guard_mem_kill': '2GB'}),
    ('no_reports', {'oom_guard_report_interval': 0}),
    ('sglang_too', {'oom_guard_prefer': '^(vllm|VLLM::.*|sglang.*|ollama|llama-server)$'}),
] + _scenario_settings()


def test_the_fleet_scenario_sets_the_thresholds_it_says_it_does():
    assert ('molecule_fleet_gx10', {'oom_guard_mem_term': '64MiB', 'oom_guard_mem_kill': '32MiB'}) in GOOD


def test_every_option_has_a_bad_case():
    assert sorted(set(OPTIONS) - {name for case in BAD for name in case[1]}) == []


def _types():
    keep = ('type', 'elements', 'choices', 'required', 'no_log', 'options')
    return {name: {k: v for k, v in spec.items() if k in keep} for name, spec in OPTIONS.items()}


def _case_tasks(name, values):
    return [{
        'name': 'Case %s' % name,
        'vars': values,
        'block': [
            {'name': 'Validate as the role does at its start', 'ansible.builtin.validate_argument_spec': {
                'argument_spec': _types()}},
            {'name': 'Run the role validation', 'ansible.builtin.include_role': {
                'name': 'openclaw.gx10.oom_guard', 'tasks_from': 'validate.yml'}},
            {'name': 'Record that the case was accepted', 'ansible.builtin.set_fact': {
                'gx10_results': "{{ gx10_results + [{'name': %r, 'failed': false, 'msg': ''}] }}" % name}},
        ],
        'rescue': [
            {'name': 'Record the refusal', 'ansible.builtin.set_fact': {
                'gx10_results': "{{ gx10_results + [{'name': %r, 'failed': true, 'msg': ansible_failed_result.msg}] }}"
                % name}},
        ],
    }]


@pytest.fixture(scope='module')
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('oom-guard-bad-input')
    results = tmp / 'results.json'
    tasks = [task for name, values, _words in BAD for task in _case_tasks(name, values)]
    tasks += [task for name, values in GOOD for task in _case_tasks(name, values)]
    tasks.append({'name': 'Write the results', 'ansible.builtin.copy': {
        'content': '{{ gx10_results | to_json }}', 'dest': str(results), 'mode': '0644'}})
    playbook = tmp / 'bad_input.json'  # JSON is YAML
    playbook.write_text(json.dumps([{
        'name': 'The oom_guard bad cases, validation only', 'hosts': 'localhost',
        'connection': 'local', 'gather_facts': False,
        'vars': {'gx10_results': [], 'ansible_python_interpreter': sys.executable},
        'tasks': tasks}]))
    proc = subprocess.run([exe('ansible-playbook'), '-i', 'localhost,', str(playbook)],
                          env=ansible_env({'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.default'}),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return {r['name']: r for r in json.loads(results.read_text())}


@pytest.mark.parametrize('name,values,words', BAD, ids=[case[0] for case in BAD])
def test_the_role_refuses_bad_input_naming_the_variable(outcomes, name, values, words):
    result = outcomes[name]
    assert result['failed'], '%s was accepted' % values
    for word in words:
        assert word in ' '.join(result['msg'].split()), (word, result['msg'])


@pytest.mark.parametrize('name,values', GOOD, ids=[case[0] for case in GOOD])
def test_the_role_accepts_good_settings(outcomes, name, values):
    result = outcomes[name]
    assert not result['failed'], (values, result['msg'])
