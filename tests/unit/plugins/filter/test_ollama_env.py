# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama's rules by version (module_utils/_ollama_env.py) and the filters over them.

Property-based tests (hypothesis) check the duration parser against Go's rules (time.ParseDuration):
Go's own Duration.String() output round-trips to the same nanoseconds, unit sums add up, whole
seconds parse as strconv.ParseInt does, and no input makes any filter raise anything but
AnsibleFilterError.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from hypothesis import given, settings, strategies as st

from ansible.errors import AnsibleFilterError
from ansible_collections.openclaw.gx10.plugins.filter import gx10
from ansible_collections.openclaw.gx10.plugins.module_utils import _ollama_env as env

INT64_MAX = (1 << 63) - 1
LABELS = {'OLLAMA_FLASH_ATTENTION': 'ollama_flash_attention', 'OLLAMA_KV_CACHE_TYPE': 'ollama_kv_cache_type',
          'OLLAMA_KEEP_ALIVE': 'ollama_keep_alive', 'OLLAMA_CONTEXT_LENGTH': 'ollama_context_length'}


def go_duration_string(d):
    """Go's time.Duration.String(), for the round trip."""
    if d == 0:
        return '0s'
    neg = d < 0
    u = -d if neg else d
    if u < 1000000000:
        for unit, size, prec in (('ns', 1, 0), (u'\u00b5s', 1000, 3), ('ms', 1000000, 6)):
            if u < size * 1000:
                whole, frac = divmod(u, size)
                text = str(whole)
                if frac:
                    text += '.' + str(frac).rjust(prec, '0').rstrip('0')
                return ('-' if neg else '') + text + unit
    secs, frac = divmod(u, 1000000000)
    text = str(secs % 60)
    if frac:
        text += '.' + str(frac).rjust(9, '0').rstrip('0')
    text += 's'
    mins = secs // 60
    if mins:
        text = str(mins % 60) + 'm' + text
        hours = mins // 60
        if hours:
            text = str(hours) + 'h' + text
    return ('-' if neg else '') + text


# --- the duration parser against Go's rules -----------------------------------------------------

@given(st.integers(min_value=-INT64_MAX, max_value=INT64_MAX))
def test_go_duration_strings_round_trip(nanos):
    assert env.go_duration_nanos(go_duration_string(nanos)) == nanos


@given(st.integers(0, 2000000), st.integers(0, 2000000), st.integers(0, 2000000), st.sampled_from(['', '-', '+']))
def test_unit_sums_add_up(h, m, s, sign):
    seconds = gx10.go_duration_seconds('%s%dh%dm%ds' % (sign, h, m, s))
    assert seconds == (-1 if sign == '-' else 1) * (h * 3600 + m * 60 + s)


@given(st.integers(-(INT64_MAX // 10 ** 9), INT64_MAX // 10 ** 9), st.integers(0, 30))
def test_whole_seconds_parse_like_parseint(n, zeros):
    text = ('-' if n < 0 else '') + '0' * zeros + str(abs(n))
    assert gx10.go_duration_seconds(text) == float(n)
    assert gx10.go_duration_seconds(n) == float(n)


@given(st.integers(INT64_MAX // 10 ** 9 + 1, 10 ** 30))
def test_whole_seconds_past_time_duration_are_refused(n):
    assert gx10.go_duration_seconds(str(n)) is None
    assert gx10.go_duration_seconds(-n) is None


@given(st.text())
@settings(max_examples=400)
def test_any_text_gives_seconds_or_none(text):
    result = gx10.go_duration_seconds(text)
    assert result is None or isinstance(result, float)


@given(st.text(alphabet='0123456789.+-hms', max_size=60))
@settings(max_examples=400)
def test_duration_like_text_gives_seconds_or_none(text):
    result = gx10.go_duration_seconds(text)
    assert result is None or isinstance(result, float)
    if result is not None:
        assert abs(result) <= 9223372036.854775808


def test_reported_crashes_now_answer():
    # A fraction of 400 digits: Go reads the first 18-19 digits and ignores the rest.
    assert gx10.go_duration_seconds('0.' + '1' * 400 + 's') == pytest.approx(0.111111111)
    # More than 4300 digits (Python's int-from-string limit): out of range for Go, refused.
    assert gx10.go_duration_seconds('1' * 5000) is None
    assert gx10.go_duration_seconds('1' * 5000 + 's') is None
    # Leading zeros do not overflow in Go.
    assert gx10.go_duration_seconds('0' * 5000 + '5s') == 5.0
    assert gx10.go_duration_seconds('0' * 5000 + '7') == 7.0
    assert gx10.go_duration_seconds(10 ** 5000) is None
    with pytest.raises(AnsibleFilterError, match='systemd_env_value'):
        gx10.systemd_env_value(10 ** 5000)


# --- every filter: a value or AnsibleFilterError ------------------------------------------------

ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)


@given(ANY)
@settings(max_examples=300)
def test_filters_never_raise_anything_else(value):
    for name, func in gx10.FilterModule().filters().items():
        try:
            func(value)
        except AnsibleFilterError as exc:
            assert name in str(exc)


@given(st.dictionaries(st.text(max_size=30), ANY, max_size=5), st.one_of(st.none(), st.text(max_size=40)))
@settings(max_examples=300)
def test_env_check_never_raises(environment, version):
    result = gx10.ollama_env_check({'OLLAMA_KV_CACHE_TYPE': 'q8_0'}, environment, version, LABELS)
    assert isinstance(result['errors'], list) and isinstance(result['warnings'], list)


def test_env_check_refuses_non_mappings():
    with pytest.raises(AnsibleFilterError, match='ollama_env_check'):
        gx10.ollama_env_check(['OLLAMA_HOST'])
    with pytest.raises(AnsibleFilterError, match='ollama_env_check'):
        gx10.ollama_env_check({}, {}, 5)


# --- versions ---------------------------------------------------------------------------------

@pytest.mark.parametrize('text,version,suffix', [
    ('0.5.4-ipexllm-20250407', '0.5.4', '-ipexllm-20250407'),
    ('ollama version is 0.33.0\n', '0.33.0', ''),
    ('ollama version is 0.32.1\nWarning: client version is 0.33.0-rc2\n', '0.33.0', '-rc2'),
    ('Warning: could not connect to a running Ollama instance\nWarning: client version is 0.5.4-ipexllm-20250407\n',
     '0.5.4', '-ipexllm-20250407'),
    ('v0.12.0', '0.12.0', ''),
])
def test_parse_version(text, version, suffix):
    parsed = gx10.ollama_version(text)
    assert (parsed['version'], parsed['suffix']) == (version, suffix)


@pytest.mark.parametrize('text', [None, '', 'ollama', '0.5', 'client version is x'])
def test_unparseable_versions(text):
    assert gx10.ollama_version(text) is None


@given(st.text())
def test_parse_version_never_raises(text):
    parsed = env.parse_version(text)
    assert parsed is None or len(parsed['tuple']) == 3


@pytest.mark.parametrize('name,present,absent', [
    ('OLLAMA_CONTEXT_LENGTH', ['0.5.13', '0.33.0'], ['0.5.4', '0.5.12']),
    ('OLLAMA_NEW_ENGINE', ['0.5.12', '0.24.0'], ['0.5.4', '0.30.0', '0.33.0']),
    ('OLLAMA_MULTIUSER_CACHE', ['0.5.4', '0.24.0'], ['0.30.0']),
    ('OLLAMA_INTEL_GPU', ['0.5.4', '0.12.3'], ['0.12.4', '0.33.0']),
    ('OLLAMA_MAX_VRAM', [], ['0.5.4', '0.6.0', '0.33.0']),
    ('OLLAMA_NEW_ESTIMATES', ['0.11.5', '0.11.10'], ['0.11.4', '0.11.11']),
    ('OLLAMA_AUTH', ['0.8.0'], ['0.7.1']),
    ('OLLAMA_GO_TEMPLATE', ['0.30.0'], ['0.24.0']),
    ('OLLAMA_IGPU_ENABLE', ['0.30.0', '0.33.0'], ['0.24.0']),
    ('OLLAMA_MAX_TRANSFER_STREAMS', ['0.23.3'], ['0.23.2']),
    ('OLLAMA_HOST', ['0.5.4', '0.33.0'], []),
])
def test_variables_by_version(name, present, absent):
    for version in present:
        assert env.variable_exists(name, env.rules_for(version)['tuple'])[0] is True, version
    for version in absent:
        assert env.variable_exists(name, env.rules_for(version)['tuple'])[0] is False, version


def test_unknown_names_are_not_in_the_table():
    assert env.variable_exists('OLLAMA_NUM_PARALEL', [0, 33, 0]) == (None, None)


@pytest.mark.parametrize('version,types,auto,warned', [
    ('0.5.4-ipexllm-20250407', ['f16', 'q8_0', 'q4_0'], False, None),
    ('0.24.0', ['f16', 'q8_0', 'q4_0'], False, None),
    ('0.30.0', env.KV_TYPES_LLAMA_SERVER, True, None),
    ('0.33.0', env.KV_TYPES_LLAMA_SERVER, True, None),
    ('0.41.0', env.KV_TYPES_LLAMA_SERVER, True, 'newer'),
    ('0.0.0', env.KV_TYPES_LLAMA_SERVER, True, 'development build'),
    ('0.3.14', ['f16', 'q8_0', 'q4_0'], False, 'older'),
    (None, env.KV_TYPES_LLAMA_SERVER, True, 'could not be read'),
    ('banana', env.KV_TYPES_LLAMA_SERVER, True, 'could not be parsed'),
])
def test_rules_by_version(version, types, auto, warned):
    rules = gx10.ollama_env_rules(version)
    assert rules['kv_types'] == list(types)
    assert rules['flash_attention_auto'] is auto
    if warned:
        assert warned in rules['warning']
    else:
        assert rules['warning'] is None


def check(version, settings=None, environment=None):
    base = {'OLLAMA_FLASH_ATTENTION': '1', 'OLLAMA_KV_CACHE_TYPE': 'q8_0', 'OLLAMA_KEEP_ALIVE': '0'}
    base.update(settings or {})
    return env.check_environment(base, environment or {}, version, LABELS)


@pytest.mark.parametrize('version', ['0.5.4', '0.24.0', '0.33.0'])
def test_the_fleet_defaults_pass_everywhere(version):
    assert check(version)['errors'] == []


@pytest.mark.parametrize('version,settings,words', [
    ('0.5.4', {'OLLAMA_KV_CACHE_TYPE': 'q5_1'}, ['Ollama 0.5.4', 'silently uses f16', 'v0.30']),
    ('0.5.4', {'OLLAMA_KV_CACHE_TYPE': 'bogus'}, ['Ollama 0.5.4', 'silently uses f16']),
    ('0.33.0', {'OLLAMA_KV_CACHE_TYPE': 'bogus'}, ['Ollama 0.33.0', 'EVERY model load fails']),
    ('0.33.0', {'OLLAMA_FLASH_ATTENTION': '0'}, ['ollama_flash_attention=false', 'EVERY model load fails']),
    ('0.24.0', {'OLLAMA_FLASH_ATTENTION': None}, ['unset', "model's own choice", 'f16 cache']),
    ('0.5.4', {'OLLAMA_FLASH_ATTENTION': None}, ['unset (off)']),
    ('0.5.4', {'OLLAMA_CONTEXT_LENGTH': '8192'}, ['v0.5.13', 'ollama_context_length']),
    ('0.33.0', {'OLLAMA_CONTEXT_LENGTH': '32k'}, ['256k', 'using default']),
    ('0.10.0', {'OLLAMA_CONTEXT_LENGTH': '32k'}, ['4096']),
    ('0.33.0', {'OLLAMA_CONTEXT_LENGTH': '0'}, ['unset (null)']),
    ('0.33.0', {'OLLAMA_CONTEXT_LENGTH': str(1 << 63)}, ['negative']),
    ('0.33.0', {'OLLAMA_KEEP_ALIVE': '2hours'}, ['ollama_keep_alive', '5m', 'Go duration']),
    ('0.33.0', {'OLLAMA_KEEP_ALIVE': '9223372037'}, ['292 years']),
])
def test_refusals_name_the_variable_the_version_and_why(version, settings, words):
    errors = check(version, settings)['errors']
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0], (word, errors[0])


@pytest.mark.parametrize('version,settings', [
    ('0.33.0', {'OLLAMA_FLASH_ATTENTION': None}),
    ('0.33.0', {'OLLAMA_KV_CACHE_TYPE': 'q5_1', 'OLLAMA_FLASH_ATTENTION': None}),
    ('0.33.0', {'OLLAMA_KV_CACHE_TYPE': 'f16', 'OLLAMA_FLASH_ATTENTION': '0'}),
    ('0.5.4', {'OLLAMA_KV_CACHE_TYPE': 'f16', 'OLLAMA_FLASH_ATTENTION': None}),
    ('0.33.0', {'OLLAMA_KV_CACHE_TYPE': 'Q8_0'}),  # Ollama lower-cases it
    ('0.33.0', {'OLLAMA_CONTEXT_LENGTH': 32768}),
])
def test_accepted(version, settings):
    assert check(version, settings)['errors'] == []


@pytest.mark.parametrize('version,environment,words', [
    ('0.5.4', {'OLLAMA_MAX_VRAM': 1}, ['OLLAMA_MAX_VRAM', 'never read']),
    ('0.33.0', {'OLLAMA_NEW_ENGINE': 'true'}, ['v0.30.0']),
    ('0.5.4', {'OLLAMA_ORIGINS': 'app://gx10'}, ['refuses to start']),
    ('0.33.0', {'OLLAMA_ORIGINS': 'http://a, http://b'}, ['no spaces']),
    ('0.33.0', {'OLLAMA_HOST': '127.0.0.1:99999'}, ['65535']),
    ('0.33.0', {'OLLAMA_NOPRUNE': 'yes'}, ['treats anything else as true']),
    ('0.33.0', {'OLLAMA_NUM_PARALLEL': 'four'}, ['whole number', 'using default']),
    ('0.33.0', {'OLLAMA_DEBUG': 'verbose'}, ['log level']),
    ('0.5.4', {'OLLAMA_DEBUG': '2'}, ['treats anything else as true']),
    ('0.33.0', {'OLLAMA_CONTEXT_LENGTH': 8192}, ['ollama_context_length']),
    ('0.33.0', {'ollama_host': 'x'}, ['^OLLAMA_']),
    ('0.33.0', {'OLLAMA_HOST': None}, ['strings, numbers or booleans']),
    ('0.33.0', {'OLLAMA_HOST': '"x"'}, ['quotes']),
    ('0.33.0', {'OLLAMA_HOST': 'a\nB=1'}, ['control characters']),
])
def test_environment_refusals(version, environment, words):
    errors = check(version, environment=environment)['errors']
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0], (word, errors[0])


def test_environment_accepted_on_its_version():
    # Origins with a "*" are not validated by gin-contrib/cors (measured: 0.5.4 starts with app://*).
    assert check('0.5.4', environment={'OLLAMA_ORIGINS': 'app://*,tauri://*,http://a'})['errors'] == []
    assert check('0.33.0', environment={'OLLAMA_DEBUG': '2', 'OLLAMA_ORIGINS': 'http://a,*',
                                        'OLLAMA_IGPU_ENABLE': 'true', 'OLLAMA_REMOTES': 'ollama.com'})['errors'] == []
    result = check('0.33.0', environment={'OLLAMA_NUM_PARALEL': 2})
    assert result['errors'] == [] and 'check the spelling' in result['warnings'][0]
