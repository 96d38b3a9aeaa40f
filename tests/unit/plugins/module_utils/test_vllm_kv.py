# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pinned KV cache (vllm_kv_cache_memory): the option by release (filter vllm_option_support), the
weights read from a Hugging Face cache laid out as the hub writes it, and the budget arithmetic."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import math
import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.filter.vllm_option_support import vllm_option_support
from ansible_collections.openclaw.gx10.plugins.module_utils import _vllm_flags as vf
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import GIB
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_kv import (
    OVERHEAD,
    kv_cache_fit,
    weights_in_hf_cache,
)

FLAG = '--kv-cache-memory-bytes'
VAR = 'vllm_kv_cache_memory'
GB10_TOTAL = 128352665600  # a GX10's MemTotal (119.54 GiB)


def support(image):
    return vllm_option_support(image, FLAG, VAR)


# ---------------------------------------------------------------- by release

@pytest.mark.parametrize('image', ['vllm/vllm-openai:v0.32.0', 'vllm/vllm-openai:v0.11.0',
                                   'vllm/vllm-openai:v0.20.0-cu130', 'vllm/vllm-openai:v0.10.2'])
def test_releases_that_have_it(image):
    result = support(image)
    assert result['supported'] and result['error'] == '' and result['warning'] == ''


@pytest.mark.parametrize('image,shown', [('vllm/vllm-openai:v0.10.1', '0.10.1'),
                                         ('vllm/vllm-openai:v0.10.1.1', '0.10.1'),
                                         ('vllm/vllm-openai:v0.9.2', '0.9.2')])
def test_releases_before_it_are_refused_naming_the_variable(image, shown):
    result = support(image)
    assert not result['supported']
    assert result['error'].startswith(VAR + ': vLLM %s' % shown)
    assert FLAG in result['error'] and 'came with vLLM 0.10.2' in result['error'] and image in result['error']


@pytest.mark.parametrize('image,why', [('vllm/vllm-openai:nightly', 'unknown'),
                                       ('nvcr.io/nvidia/vllm:26.07-py3', 'unknown'),
                                       ('vllm/vllm-openai:v0.40.0', '0.40.0, outside the table')])
def test_unknown_releases_get_it_with_a_warning(image, why):
    result = support(image)
    assert result['supported'] and not result['known']
    assert result['warning'].startswith(VAR + ': ') and why in result['warning'] and 'vLLM 0.10.2 or later' in result['warning']


def test_the_tables_agree_with_the_release_it_came_with():
    # every table from 0.10.2 on has it; the first release that lacks it is below the tables
    for release, table in vf.RELEASES:
        assert (FLAG in {row[0] for row in table}) == (release >= vf.ADDED[FLAG])


def test_the_role_owns_the_flag():
    errors = vf.check_extra_args([FLAG, '8589934592'], (0, 32, 0), 'img')['errors']
    assert len(errors) == 1 and 'use vllm_kv_cache_memory instead' in errors[0]
    errors = vf.check_extra_args(['--kv_cache_memory_bytes=8589934592'], (0, 32, 0), 'img')['errors']
    assert len(errors) == 1 and VAR in errors[0]


@pytest.mark.parametrize('image,flag', [('', FLAG), (None, FLAG), ('vllm/vllm-openai:v0.32.0', 'kv')])
def test_filter_refuses_what_is_not_an_image_or_an_option(image, flag):
    with pytest.raises(AnsibleFilterError):
        vllm_option_support(image, flag, VAR)


# ---------------------------------------------------------------- weights in the HF cache

def hub(tmp_path, model, files, index=None, rev='abc123', refs=True):
    """A model laid out as huggingface_hub writes it: blobs, a snapshot of links, refs/main."""
    root = tmp_path / 'hf'
    model_dir = root / 'hub' / ('models--' + model.replace('/', '--'))
    (model_dir / 'blobs').mkdir(parents=True)
    snap = model_dir / 'snapshots' / rev
    snap.mkdir(parents=True)
    for name, size in files.items():
        blob = model_dir / 'blobs' / ('blob-' + name)
        with open(str(blob), 'wb') as handle:
            handle.truncate(size)
        os.symlink(os.path.relpath(str(blob), str(snap)), str(snap / name))
    if index is not None:
        (snap / index[0]).write_text(json.dumps({'weight_map': {'w%d' % i: n for i, n in enumerate(index[1])}}))
    if refs:
        (model_dir / 'refs').mkdir()
        (model_dir / 'refs' / 'main').write_text(rev)
    return str(root)


def test_weights_are_the_safetensors_the_index_names(tmp_path):
    root = hub(tmp_path, 'org/m', {'model-00001-of-00002.safetensors': 3000, 'model-00002-of-00002.safetensors': 2000,
                                   'consolidated.safetensors': 5000, 'pytorch_model.bin': 9999, 'config.json': 10},
               index=('model.safetensors.index.json', ['model-00001-of-00002.safetensors',
                                                       'model-00002-of-00002.safetensors']))
    found = weights_in_hf_cache(root, 'org/m')
    assert found['bytes'] == 5000 and found['files'] == 2 and found['error'] is None


def test_weights_without_index_or_refs(tmp_path):
    root = hub(tmp_path, 'org/m', {'model.safetensors': 1234, 'tokenizer.json': 99}, refs=False)
    assert weights_in_hf_cache(root, 'org/m')['bytes'] == 1234
    root = hub(tmp_path / 'b', 'org/b', {'pytorch_model.bin': 777})
    assert weights_in_hf_cache(root, 'org/b')['bytes'] == 777


@pytest.mark.parametrize('model,why', [('org/absent', 'not in the Hugging Face cache'),
                                       ('/models/x', 'not a Hugging Face id'), ('gpt2', 'not a Hugging Face id')])
def test_weights_unknown_say_why(tmp_path, model, why):
    root = hub(tmp_path, 'org/m', {'model.safetensors': 1})
    found = weights_in_hf_cache(root, model)
    assert found['bytes'] is None and why in found['error']


def test_weights_of_a_broken_link_are_unknown(tmp_path):
    root = hub(tmp_path, 'org/m', {'model.safetensors': 1})
    blob = tmp_path / 'hf' / 'hub' / 'models--org--m' / 'blobs' / 'blob-model.safetensors'
    blob.unlink()
    found = weights_in_hf_cache(root, 'org/m')
    assert found['bytes'] is None and 'model.safetensors' in found['error']


# ---------------------------------------------------------------- the budget

def test_budget_is_vllms_request_and_fits():
    fit = kv_cache_fit(GB10_TOTAL, 0.85, 60 * GIB, {'bytes': 35 * 10 ** 9, 'files': 8})
    assert fit['budget'] == int(math.ceil(GB10_TOTAL * 0.85)) == 109099765760
    assert fit['needed'] == 35 * 10 ** 9 + 60 * GIB + OVERHEAD
    assert fit['fits'] is True and fit['spare'] == fit['budget'] - fit['needed']
    assert fit['max_kv_cache'] == fit['budget'] - 35 * 10 ** 9 - OVERHEAD
    assert 'fits in the budget ceil(MemTotal x 0.85) = 101.61 GiB' in fit['summary']


def test_over_budget_says_by_how_much_and_the_largest_kv_cache():
    fit = kv_cache_fit(GB10_TOTAL, 0.85, 70 * GIB, {'bytes': 35 * 10 ** 9, 'files': 8})
    assert fit['fits'] is False and fit['spare'] < 0
    assert fit['max_kv_cache'] == 109099765760 - 35 * 10 ** 9 - 4 * GIB == 69804798464
    assert 'would not fit' in fit['summary'] and '69804798464 bytes' in fit['summary']
    assert 'vllm_kv_cache_memory' in fit['summary'] and 'vllm_gpu_memory_utilization' in fit['summary']
    # one byte less than the largest fits; the largest itself fits exactly
    assert kv_cache_fit(GB10_TOTAL, 0.85, 69804798464, {'bytes': 35 * 10 ** 9})['fits'] is True
    assert kv_cache_fit(GB10_TOTAL, 0.85, 69804798465, {'bytes': 35 * 10 ** 9})['fits'] is False


def test_unknown_weights_leave_the_answer_open_unless_kv_alone_is_over():
    open_ = kv_cache_fit(GB10_TOTAL, 0.85, 60 * GIB, {'bytes': None, 'error': 'the model is not in the cache'})
    assert open_['fits'] is None and open_['needed'] is None and 'not known' in open_['summary']
    over = kv_cache_fit(GB10_TOTAL, 0.5, 60 * GIB, {'bytes': None, 'error': 'x'})
    assert over['fits'] is False and 'exceeds the budget' in over['summary']
