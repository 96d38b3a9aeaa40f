# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A pinned KV cache (``--kv-cache-memory-bytes``) against vLLM's budget (private to openclaw.gx10).

With the KV cache pinned, vLLM skips the profiling that sizes it from ``gpu_memory_utilization``
and no longer keeps to the budget ``ceil(MemTotal x utilization)``, which the gate made room for:
weights + KV cache + overhead must fit in it, or vLLM takes memory the gate never freed. The
weights are estimated from the model's files in the Hugging Face cache (what vLLM loads, before
any quantisation at load time). Standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import GIB, format_bytes, fraction_bytes

# What vLLM holds besides weights and KV cache (activations of a batch, CUDA graphs, the allocator's
# slack): an allowance, not a measurement on GB10; README "Pinning the KV cache".
OVERHEAD = 4 * GIB

_WEIGHT_SUFFIXES = (('.safetensors', 'model.safetensors.index.json'),
                    ('.bin', 'pytorch_model.bin.index.json'),
                    ('.pt', None))


def hf_model_dir(hf_cache_dir, model):
    """``<hf_cache_dir>/hub/models--org--name``: where the Hugging Face hub keeps ``model`` (HF_HOME)."""
    return os.path.join(hf_cache_dir, 'hub', 'models--' + model.replace('/', '--'))


def _snapshot(model_dir):
    """The snapshot directory refs/main names, else the only (or newest) one; None when there is none."""
    snapshots = os.path.join(model_dir, 'snapshots')
    try:
        with open(os.path.join(model_dir, 'refs', 'main')) as handle:
            rev = handle.read().strip()
        if rev and os.path.isdir(os.path.join(snapshots, rev)):
            return os.path.join(snapshots, rev)
    except (IOError, OSError):
        pass
    try:
        found = [os.path.join(snapshots, d) for d in os.listdir(snapshots)]
    except OSError:
        return None
    found = [d for d in found if os.path.isdir(d)]
    return max(found, key=os.path.getmtime) if found else None


def weights_in_hf_cache(hf_cache_dir, model):
    """The bytes of ``model``'s weight files in the Hugging Face cache.

    One format, as vLLM loads it: safetensors when there are any, else .bin, else .pt; with an
    index file, only the files it names. Returns a dict: bytes (None when unknown), files (count),
    path, error (why unknown, else None). A model given as a path (``/models/x``) is not looked up.
    """
    result = {'bytes': None, 'files': 0, 'path': None, 'error': None}
    if not hf_cache_dir or not model or model.startswith('/') or model.count('/') != 1:
        result['error'] = 'the model %r is not a Hugging Face id (org/name)' % (model,)
        return result
    model_dir = hf_model_dir(hf_cache_dir, model)
    snapshot = _snapshot(model_dir)
    result['path'] = snapshot or model_dir
    if snapshot is None:
        result['error'] = 'the model is not in the Hugging Face cache (%s)' % model_dir
        return result
    try:
        names = sorted(os.listdir(snapshot))
    except OSError as exc:
        result['error'] = 'cannot list %s: %s' % (snapshot, exc)
        return result
    for suffix, index in _WEIGHT_SUFFIXES:
        files = [n for n in names if n.endswith(suffix)]
        if not files:
            continue
        if index and index in names:
            try:
                with open(os.path.join(snapshot, index)) as handle:
                    wanted = set((json.load(handle).get('weight_map') or {}).values())
                files = [n for n in files if n in wanted] or files
            except (IOError, OSError, ValueError, AttributeError):
                pass
        total = 0
        for name in files:
            try:
                total += os.stat(os.path.join(snapshot, name)).st_size  # follows the link to the blob
            except OSError as exc:
                result['error'] = 'cannot read %s: %s (a download that did not finish?)' % (name, exc)
                return result
        result.update(bytes=total, files=len(files))
        return result
    result['error'] = 'no weight files (.safetensors, .bin, .pt) in %s' % snapshot
    return result


def kv_cache_fit(total, fraction, kv_bytes, weights, overhead=OVERHEAD):
    """Weights + pinned KV cache + overhead against the budget ``ceil(total x fraction)``.

    ``weights`` is weights_in_hf_cache()'s dict (its bytes may be None). Returns a dict: budget,
    kv_cache, weights (or None), overhead, needed (None without the weights), spare (budget less
    what is known to be needed; negative when over), fits (None when the weights are unknown and
    the rest fits), max_kv_cache (the largest KV cache that fits, None without the weights), summary.
    """
    budget = fraction_bytes(int(total), fraction)
    kv_bytes, overhead = int(kv_bytes), int(overhead)
    known = weights.get('bytes')
    needed = None if known is None else int(known) + kv_bytes + overhead
    spare = budget - (needed if needed is not None else kv_bytes + overhead)
    fits = spare >= 0 if (needed is not None or spare < 0) else None
    result = {'budget': budget, 'kv_cache': kv_bytes, 'weights': known, 'overhead': overhead,
              'needed': needed, 'spare': spare, 'fits': fits,
              'max_kv_cache': None if known is None else max(0, budget - int(known) - overhead)}
    head = 'Pinned KV cache (vllm_kv_cache_memory):'
    limit = 'the budget ceil(MemTotal x %s) = %s' % (fraction, format_bytes(budget))
    if needed is None:
        text = ('%s KV cache %s + overhead %s = %s of %s; the weights are unknown (%s)'
                % (head, format_bytes(kv_bytes), format_bytes(overhead), format_bytes(kv_bytes + overhead), limit,
                   weights.get('error')))
        text += (', so whether they fit in the %s left is not known.' % format_bytes(spare) if spare >= 0 else
                 '. That alone exceeds the budget by %s: vLLM would take memory the gate did not make room for; '
                 'lower vllm_kv_cache_memory or raise vllm_gpu_memory_utilization.' % format_bytes(-spare))
    else:
        text = ('%s weights %s (%d files in the Hugging Face cache) + KV cache %s + overhead %s = %s'
                % (head, format_bytes(known), weights.get('files', 0), format_bytes(kv_bytes), format_bytes(overhead),
                   format_bytes(needed)))
        if fits:
            text += ' fits in %s (%s to spare).' % (limit, format_bytes(spare))
        else:
            text += (' would not fit in %s: over by %s, so vLLM would take memory the gate did not make room for. '
                     'Lower vllm_kv_cache_memory to at most %s (%d bytes) or raise vllm_gpu_memory_utilization.'
                     % (limit, format_bytes(-spare), format_bytes(result['max_kv_cache']), result['max_kv_cache']))
    result['summary'] = text
    return result
