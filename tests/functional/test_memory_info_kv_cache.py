# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openclaw.gx10.memory_info's prediction for a pinned KV cache (kv_cache_memory), run THROUGH
ANSIBLE on localhost: the weights are the model's files in a Hugging Face cache laid out as the hub
lays it out (refs/main naming a snapshot, the files linked to blobs), the budget is
ceil(MemTotal x utilization) of this machine, and the summary says fit or not with the figures."""
from __future__ import annotations

import math
import os

from gx10_functional import nothing_listens, run_tasks

MODULE = 'openclaw.gx10.memory_info'
GIB = 1024 ** 3
MIB = 1024 ** 2
OVERHEAD = 4 * GIB


def hf_cache(root, model, sizes):
    """A hub cache with one snapshot of MODEL holding files of SIZES (sparse: no disk used)."""
    model_dir = root / 'hub' / ('models--' + model.replace('/', '--'))
    blobs, snapshot = model_dir / 'blobs', model_dir / 'snapshots' / 'abc123'
    blobs.mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (model_dir / 'refs').mkdir()
    (model_dir / 'refs' / 'main').write_text('abc123')
    for i, size in enumerate(sizes):
        blob = blobs / ('blob%d' % i)
        with open(blob, 'wb') as handle:
            handle.truncate(size)
        os.symlink(os.path.relpath(blob, snapshot), snapshot / ('model-%05d.safetensors' % i))
    (snapshot / 'config.json').write_text('{}')
    return root


def memtotal():
    with open('/proc/meminfo') as handle:
        for line in handle:
            if line.startswith('MemTotal:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no MemTotal')


def run(**args):
    (result,) = run_tasks([{'name': 'memory_info', MODULE: dict(
        ollama_url=nothing_listens(), vllm_url=nothing_listens(), **args), 'ignore_errors': True}])
    return result


def test_fits_with_the_weights_from_the_cache(tmp_path):
    cache = hf_cache(tmp_path, 'org/model', [300 * MIB, 200 * MIB])
    budget = math.ceil(memtotal() * 0.5)
    kv = budget - 500 * MIB - OVERHEAD - GIB  # a GiB to spare
    result = run(gpu_memory_utilization=0.5, kv_cache_memory=str(kv), model='org/model', hf_cache_dir=str(cache))
    assert not result.get('failed'), result
    fit = result['restart_fit']['kv_cache']
    assert (fit['weights'], fit['kv_cache'], fit['overhead'], fit['budget']) == (500 * MIB, kv, OVERHEAD, budget)
    assert fit['needed'] == 500 * MIB + kv + OVERHEAD and fit['spare'] == GIB and fit['fits'] is True
    assert fit['summary'] in result['restart_fit']['summary']
    assert '2 files in the Hugging Face cache' in fit['summary'] and 'fits in the budget' in fit['summary']


def test_over_budget_says_by_how_much_and_the_largest_kv_cache(tmp_path):
    cache = hf_cache(tmp_path, 'org/model', [GIB])
    budget = math.ceil(memtotal() * 0.5)
    result = run(gpu_memory_utilization=0.5, kv_cache_memory=str(budget), model='org/model', hf_cache_dir=str(cache))
    fit = result['restart_fit']['kv_cache']
    assert fit['fits'] is False and fit['spare'] == -(GIB + OVERHEAD)
    assert fit['max_kv_cache'] == budget - GIB - OVERHEAD
    assert 'Lower vllm_kv_cache_memory to at most' in fit['summary'] and str(fit['max_kv_cache']) in fit['summary']


def test_without_kv_cache_memory_there_is_no_kv_prediction(tmp_path):
    result = run(model='org/model', hf_cache_dir=str(tmp_path))
    assert not result.get('failed'), result
    assert 'kv_cache' not in result['restart_fit']


def test_model_missing_from_the_cache_leaves_the_answer_open(tmp_path):
    result = run(gpu_memory_utilization=0.5, kv_cache_memory='1GiB', model='org/absent', hf_cache_dir=str(tmp_path))
    fit = result['restart_fit']['kv_cache']
    assert fit['weights'] is None and fit['fits'] is None
    assert 'not in the Hugging Face cache' in fit['summary']


def test_a_bad_size_is_refused_naming_the_option():
    result = run(kv_cache_memory='24G')
    assert result.get('failed') and 'kv_cache_memory' in result['msg'] and 'ambiguous' in result['msg']
