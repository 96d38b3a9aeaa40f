# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the vllm role's gate finds Ollama: vllm_ollama_url derives from the ollama role's setting.

The REAL Ollama server (fixture ollama_server) listens on a free port, never 11434, as
OLLAMA_HOST=127.0.0.1:PORT says. The vllm role (its defaults and preflight, through include_role)
and the gate's modules then run with ollama_environment.OLLAMA_HOST set as a fleet's inventory sets
it: the derived vllm_ollama_url must reach that server (the gate sees and evicts its model), with
and without the ollama role's defaults in the play, and an explicit vllm_ollama_url still wins.
"""
from __future__ import annotations

import os

import pytest
import yaml
from gx10_functional import REPO, nothing_listens, run_tasks

OLLAMA_DEFAULTS = os.path.join(REPO, 'roles', 'ollama', 'defaults', 'main.yml')


@pytest.fixture
def real(ollama_server):
    assert ollama_server.port != 11434
    ollama_server.unload_all()
    yield ollama_server
    ollama_server.unload_all()


def gate_tasks(ollama_host, with_ollama_role, explicit=None):
    role_vars = {'ollama_environment': {'OLLAMA_HOST': ollama_host}}
    if with_ollama_role:  # as with `roles: [ollama, vllm]`: the ollama role's default is in the play
        with open(OLLAMA_DEFAULTS) as handle:
            role_vars['ollama_api_url'] = yaml.safe_load(handle)['ollama_api_url']
        assert 'openclaw.gx10.ollama_url' in role_vars['ollama_api_url']
    if explicit:
        role_vars['vllm_ollama_url'] = explicit
    tasks = [
        {'name': 'vllm role preflight', 'ansible.builtin.include_role': {
            'name': 'openclaw.gx10.vllm', 'tasks_from': 'preflight.yml', 'public': True}, 'vars': role_vars},
        {'name': 'derived', 'ansible.builtin.debug': {'msg': '{{ vllm_ollama_url }}'}, 'vars': role_vars},
        {'name': 'gate reads', 'openclaw.gx10.memory_info': {
            'ollama_url': '{{ vllm_ollama_url }}', 'vllm_url': nothing_listens()}, 'vars': role_vars},
        {'name': 'gate evicts', 'openclaw.gx10.ollama_unload': {'url': '{{ vllm_ollama_url }}'},
         'vars': role_vars, 'ignore_errors': True},
    ]
    return tasks


@pytest.mark.parametrize('with_ollama_role', [False, True], ids=['vllm_role_alone', 'both_roles'])
def test_gate_finds_ollama_on_its_configured_port(real, with_ollama_role):
    real.load('tiny-a', keep_alive='1h')
    results = run_tasks(gate_tasks(real.host_port, with_ollama_role))
    derived, info, unload = results[-3:]
    assert derived['msg'] == real.url == 'http://127.0.0.1:%d' % real.port
    assert info['ollama']['reachable'] is True
    assert [m['name'] for m in info['ollama']['models']] == ['tiny-a:latest']
    assert unload.get('failed') is not True, unload
    assert unload['changed'] is True
    assert real.ps_names() == []


def test_wildcard_ollama_host_is_reached_on_the_loopback(real):
    results = run_tasks(gate_tasks('0.0.0.0:%d' % real.port, with_ollama_role=False))
    derived, info = results[-3], results[-2]
    assert derived['msg'] == real.url
    assert info['ollama']['reachable'] is True


def test_explicit_vllm_ollama_url_wins(real):
    elsewhere = nothing_listens()
    real.load('tiny-a', keep_alive='1h')
    results = run_tasks(gate_tasks(real.host_port, with_ollama_role=True, explicit=elsewhere))
    derived, info = results[-3], results[-2]
    assert derived['msg'] == elsewhere
    assert info['ollama']['reachable'] is False
    assert real.ps_names() == ['tiny-a:latest']
