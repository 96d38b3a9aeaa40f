# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The value filters: the role's preflight and the modules share one parser per kind of value."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.filter.values import (
    FilterModule, base_url, fraction_bytes, ollama_url, size_bytes, systemd_unit_problem, utilization,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import parse_size

GIB = 1024 ** 3


def test_filters_registered():
    assert set(FilterModule().filters()) == {
        'size_bytes', 'utilization', 'fraction_bytes', 'base_url', 'ollama_url', 'systemd_unit_problem'}


# The sizes on which the role's old regex + human_to_bytes and the modules' parse_size disagreed.
@pytest.mark.parametrize('text,expected', [
    ('512kB', 512000),         # the role's regex refused a lower-case k; decimal kilobytes
    ('.5GiB', GIB // 2),       # the role's regex needed a leading digit
    ('3GiB', 3 * GIB),
    ('3GB', 3 * 1000 ** 3),    # the role counted GB as 1024-based
    ('256MiB', 256 * 1024 ** 2),
    ('4096', 4096),
    (0, 0),
])
def test_size_bytes_accepts_as_the_modules_do(text, expected):
    assert size_bytes(text, 'vllm_restart_margin') == expected == parse_size(text)


@pytest.mark.parametrize('text,fragment', [
    ('3G', "unit 'G' in '3G' is ambiguous"),  # the role's regex accepted it, the modules refuse it
    ('lots', "cannot parse 'lots'"),
    ('-1GiB', "cannot parse '-1GiB'"),
    ('3 parsecs', "unknown unit"),
    (True, 'is not a size'),
])
def test_size_bytes_refuses_naming_the_variable(text, fragment):
    with pytest.raises(AnsibleFilterError) as err:
        size_bytes(text, 'vllm_restart_margin')
    assert str(err.value).startswith('vllm_restart_margin: ')
    assert fragment in str(err.value)


@pytest.mark.parametrize('value,expected', [(0.9, 0.9), ('0.85', 0.85), ('.5', 0.5), (1, 1.0), ('1.0', 1.0),
                                            (0.0001, 0.0001)])
def test_utilization_is_vllms_interval(value, expected):
    assert utilization(value, 'vllm_gpu_memory_utilization') == expected


@pytest.mark.parametrize('value', [0, '0', -0.5, 1.0001, 1.5, 'x', '', None, True, float('nan'), [0.5]])
def test_utilization_refuses_outside_zero_one(value):
    with pytest.raises(AnsibleFilterError) as err:
        utilization(value, 'vllm_gpu_memory_utilization')
    assert str(err.value).startswith('vllm_gpu_memory_utilization: ')
    assert '(0, 1]' in str(err.value)


def test_fraction_bytes_is_ceil():
    assert fraction_bytes(100, 0.333) == 34
    assert fraction_bytes(100, 0.07) == 8  # 100 * 0.07 is 7.000000000000001 in floats: ceil, as vLLM
    assert fraction_bytes(125520080 * 1024, '0.9') == 115679305728  # ceil, as vLLM asks
    with pytest.raises(AnsibleFilterError, match='outside'):
        fraction_bytes(100, 0)


def test_base_url_and_ollama_url():
    assert base_url('0.0.0.0', 8000) == 'http://127.0.0.1:8000'
    assert base_url('fd00::5', '8000') == 'http://[fd00::5]:8000'
    assert ollama_url('127.0.0.1:11500') == 'http://127.0.0.1:11500'
    assert ollama_url(None) == 'http://127.0.0.1:11434'
    with pytest.raises(AnsibleFilterError, match='^port: 0 is not a TCP port'):
        base_url('127.0.0.1', 0)
    with pytest.raises(AnsibleFilterError, match='^ollama_environment.OLLAMA_HOST: '):
        ollama_url('127.0.0.1:99999', 'ollama_environment.OLLAMA_HOST')


# Both roles' unit names (vllm_service_name, vllm_ollama_service, ollama_service_name) pass
# through this one rule.
@pytest.mark.parametrize('name,suffix', [
    ('vllm', 'optional'), ('vllm.service', 'optional'), ('vllm-qwen3', 'optional'),
    ('ollama', 'forbidden'), ('ollama@gpu0', 'forbidden'), ('_x:y.z', 'optional'), ('9', 'optional'),
])
def test_unit_names_the_roles_can_write(name, suffix):
    assert systemd_unit_problem(name, suffix) == ''


@pytest.mark.parametrize('name,suffix,words', [
    ('-ollama', 'forbidden', ['must start with', "'-'"]),       # systemctl would read an option
    ('.vllm', 'optional', ['must start with', "'.'"]),           # a hidden file systemd ignores
    ('', 'optional', ['must not be empty']),
    ('ollama docker', 'forbidden', ["' '"]),
    ('vllm%i', 'optional', ["'%'"]),                             # a systemd specifier
    ('../vllm', 'optional', ["'/'"]),
    ('line\nExecStart=/bin/sh', 'optional', ["'\\n'", "'='"]),
    ('ollama.service', 'forbidden', ['without ".service"']),
    ('v' * 248, 'optional', ['256 characters', '255']),
    (7, 'optional', ['must be a string', 'int']),
])
def test_unit_names_refused_with_the_reason(name, suffix, words):
    problem = systemd_unit_problem(name, suffix)
    for word in words:
        assert word in problem


def test_unit_name_longest_accepted():
    assert systemd_unit_problem('v' * 247, 'optional') == ''


def test_unit_name_suffix_rule_checked():
    with pytest.raises(AnsibleFilterError, match='suffix must be one of optional, forbidden'):
        systemd_unit_problem('vllm', 'maybe')
