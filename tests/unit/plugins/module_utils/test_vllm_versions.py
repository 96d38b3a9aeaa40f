# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils import _vllm_versions as vv
from ansible_collections.openclaw.gx10.plugins.filter.vllm_kv_cache_dtypes import vllm_kv_cache_dtypes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))))
STANDIN = os.path.join(REPO, 'tests', 'vllm_standin', 'vllm_standin.py')


@pytest.mark.parametrize('image,version', [
    ('vllm/vllm-openai:v0.32.0', (0, 32, 0)),
    ('docker.io/vllm/vllm-openai:v0.20.0-cu130', (0, 20, 0)),
    ('vllm/vllm-openai:v0.19.1-cu129', (0, 19, 1)),
    ('registry.local:5000/mirror/vllm-openai:0.30.0', (0, 30, 0)),
    ('vllm/vllm-openai:v0.30.0@sha256:' + 'a' * 64, (0, 30, 0)),
    ('vllm/vllm-openai:v0.10.1.1', (0, 10, 1)),
    ('vllm/vllm-openai:latest', None),
    ('vllm/vllm-openai:nightly', None),
    ('vllm/vllm-openai:v0.33.0rc1', None),
    ('vllm/vllm-openai@sha256:' + 'a' * 64, None),
    ('registry.local:5000/vllm-openai', None),
    ('nvcr.io/nvidia/vllm:25.09-py3', None),
    ('mycorp/vllm:0.32.0', None),          # another repository: its tag is not vLLM's release
    ('openclaw/vllm-standin:test', None),
    (None, None),
])
def test_image_version(image, version):
    assert vv.image_version(image) == version


def test_table_rows():
    # a release between two rows gets the earlier row: 0.31.0 -> 0.30.0
    assert vv.kv_cache_dtypes('vllm/vllm-openai:v0.31.0')['row'] == '0.30.0'
    new = vv.kv_cache_dtypes('vllm/vllm-openai:v0.32.0')
    assert new['known'] and new['version'] == '0.32.0' and not new['warning']
    assert 'ultraquant_4bit' in new['dtypes'] and 'nvfp4' in new['dtypes']
    old = vv.kv_cache_dtypes('vllm/vllm-openai:v0.18.0')
    assert 'float16' in old['dtypes'] and 'nvfp4' not in old['dtypes']
    assert 'bfloat16' not in vv.kv_cache_dtypes('vllm/vllm-openai:v0.10.2')['dtypes']
    # the sets only grow through the table
    for (_v1, a), (_v2, b) in zip(vv.KV_CACHE_DTYPES, vv.KV_CACHE_DTYPES[1:]):
        assert set(a) < set(b)


@pytest.mark.parametrize('image', ['vllm/vllm-openai:latest', 'vllm/vllm-openai:v0.9.2',
                                   'vllm/vllm-openai:v0.33.0', 'openclaw/vllm-standin:test'])
def test_unknown_gets_common_subset_and_warning(image):
    result = vv.kv_cache_dtypes(image)
    assert not result['known']
    assert result['dtypes'] == ['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc']
    assert image in result['warning'] and 'fp8_e5m2' in result['warning']


def test_standin_accepts_what_0_32_accepts():
    # the stand-in answers as vLLM 0.32.0
    text = open(STANDIN).read()
    block = re.search(r'CACHE_DTYPES = \((.*?)\)', text, re.S).group(1)
    assert sorted(re.findall(r'"([^"]+)"', block)) == sorted(vv.KV_CACHE_DTYPES[-1][1])


def test_argument_spec_choices_are_the_union():
    with open(os.path.join(REPO, 'roles', 'vllm', 'meta', 'argument_specs.yml')) as f:
        spec = yaml.safe_load(f)['argument_specs']['main']['options']['vllm_kv_cache_dtype']
    assert sorted(spec['choices']) == list(vv.ALL)


def test_default_image_is_known():
    with open(os.path.join(REPO, 'roles', 'vllm', 'defaults', 'main.yml')) as f:
        defaults = yaml.safe_load(f)
    result = vv.kv_cache_dtypes(defaults['vllm_image'])
    assert result['known'] and defaults['vllm_kv_cache_dtype'] in result['dtypes']


def test_filter():
    assert vllm_kv_cache_dtypes('vllm/vllm-openai:v0.32.0')['known']
    assert not vllm_kv_cache_dtypes('vllm/vllm-openai:nightly')['known']
    for bad in ('', None, 3):
        with pytest.raises(AnsibleFilterError, match='vllm/vllm-openai:v0.32.0'):
            vllm_kv_cache_dtypes(bad)
