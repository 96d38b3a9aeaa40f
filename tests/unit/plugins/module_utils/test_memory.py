# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import math
import os

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    GIB, MeminfoError, SizeError, format_bytes, format_processes, fraction_bytes,
    parse_meminfo, parse_size, predict_fit, read_meminfo, required_bytes, snapshot, top_processes,
)

# /proc/meminfo of a GB10 host (MemTotal 119.7 GiB)
GB10_MEMINFO = """MemTotal:       125520080 kB
MemFree:         3012444 kB
MemAvailable:   96312520 kB
Buffers:            8192 kB
Cached:         92011880 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
"""


@pytest.mark.parametrize('text, expected', [
    (0, 0), (4096, 4096), ('4096', 4096), ('1B', 1), ('3GB', 3 * 10 ** 9), ('3gb', 3 * 10 ** 9),
    ('110GiB', 110 * 2 ** 30), ('1.5 GiB', 3 * 2 ** 29), (' 2 MiB ', 2 * 2 ** 20), ('1KB', 1000),
    ('1KiB', 1024), ('1TB', 10 ** 12), ('1TiB', 2 ** 40), ('2Gi', 2 * 2 ** 30), ('1.3KB', 1300),
    ('0.5B', 1), ('.5 KiB', 512), ('1.0000000001GB', 1000000001), (1.5, 2),
])
def test_parse_size_exact(text, expected):
    assert parse_size(text) == expected


def test_parse_size_decimal_and_binary_differ():
    assert parse_size('1GiB') - parse_size('1GB') == 2 ** 30 - 10 ** 9


@pytest.mark.parametrize('text, fragment', [
    ('abc', 'cannot parse'), ('', 'cannot parse'), ('1.2.3GB', 'cannot parse'), ('-5GB', 'cannot parse'),
    ('3 G', 'ambiguous'), ('3g', 'ambiguous'), ('10XB', 'unknown unit'), ('5 GiB 3', 'cannot parse'),
    (-1, 'negative'), (True, 'not a size'), (None, 'not a size'), (float('nan'), 'non-negative'),
])
def test_parse_size_rejects_garbage_naming_the_option(text, fragment):
    with pytest.raises(SizeError) as err:
        parse_size(text, 'require_available')
    assert 'require_available' in str(err.value)
    assert fragment in str(err.value)


def test_parse_meminfo_kb_to_bytes():
    info = parse_meminfo(GB10_MEMINFO)
    assert info['MemTotal'] == 125520080 * 1024
    assert info['MemAvailable'] == 96312520 * 1024
    assert info['HugePages_Total'] == 0  # no unit: a count, not kB


def test_read_meminfo_injectable_path(tmp_path):
    path = tmp_path / 'meminfo'
    path.write_text(GB10_MEMINFO)
    snap = snapshot(str(path))
    assert snap == {'total': 125520080 * 1024, 'available': 96312520 * 1024, 'free': 3012444 * 1024}


def test_read_meminfo_errors(tmp_path):
    with pytest.raises(MeminfoError, match='cannot read'):
        read_meminfo(str(tmp_path / 'missing'))
    bad = tmp_path / 'bad'
    bad.write_text('MemTotal: 1000 kB\n')
    with pytest.raises(MeminfoError, match='MemAvailable'):
        read_meminfo(str(bad))


def test_read_real_proc_meminfo():
    snap = snapshot()
    assert 0 < snap['available'] <= snap['total']
    assert 0 < snap['free'] <= snap['total']


def test_required_bytes_is_vllms_formula():
    total = 125520080 * 1024
    for fraction in (0.9, 0.92, 0.8, 0.85, 1.0, 0.3333):
        # vllm/v1/worker/utils.py: math.ceil(total_memory * gpu_memory_utilization)
        assert fraction_bytes(total, fraction) == math.ceil(total * fraction)
        assert required_bytes(total, fraction=fraction, margin=3 * GIB) == math.ceil(total * fraction) + 3 * GIB
    assert required_bytes(total, available=100 * GIB, margin=0) == 100 * GIB
    assert required_bytes(total, available=100 * GIB, margin=GIB) == 101 * GIB
    assert required_bytes(total) is None


def test_required_bytes_ceil_rounds_up():
    assert fraction_bytes(10, 0.55) == 6
    assert fraction_bytes(1000, 0.9) == 900


@pytest.mark.parametrize('fraction', [0, -0.1, 1.01, 2])
def test_required_bytes_rejects_fraction(fraction):
    with pytest.raises(ValueError, match='outside'):
        required_bytes(100, fraction=fraction)


def test_required_bytes_rejects_both():
    with pytest.raises(ValueError, match='not both'):
        required_bytes(100, fraction=0.5, available=10)


def test_predict_fit():
    fit = predict_fit(available_now=80 * GIB, required=110 * GIB, ollama_resident_bytes=25 * GIB)
    assert not fit['fits']
    assert fit['projected'] == 105 * GIB
    assert fit['shortfall'] == 5 * GIB
    fit = predict_fit(80 * GIB, 110 * GIB, ollama_resident_bytes=25 * GIB, other_reclaimable_bytes=5 * GIB)
    assert fit['fits'] and fit['shortfall'] == 0 and fit['projected'] == 110 * GIB


@pytest.mark.parametrize('value, text', [
    (0, '0 B'), (1023, '1023 B'), (1024, '1.00 KiB'), (3 * GIB, '3.00 GiB'),
    (int(119.52 * GIB), '119.52 GiB'), (2 ** 40, '1.00 TiB'), (-GIB, '-1.00 GiB'), (None, 'unknown'),
])
def test_format_bytes(value, text):
    assert format_bytes(value) == text


def _fake_proc(root, procs):
    for pid, name, rss_kb in procs:
        d = root / str(pid)
        d.mkdir()
        lines = ['Name:\t%s' % name, 'State:\tS (sleeping)']
        if rss_kb is not None:
            lines.append('VmRSS:\t%8d kB' % rss_kb)
        (d / 'status').write_text('\n'.join(lines) + '\n')
    (root / 'self').mkdir()
    (root / 'meminfo').write_text(GB10_MEMINFO)


def test_top_processes_fake_proc(tmp_path):
    _fake_proc(tmp_path, [(1, 'init', 1000), (42, 'ollama', 20000000), (7, 'kthreadd', None),
                          (99, 'vllm', 30000000), (5, 'python3', 500)])
    top = top_processes(3, proc=str(tmp_path))
    assert top == [
        {'name': 'vllm', 'pid': 99, 'rss': 30000000 * 1024},
        {'name': 'ollama', 'pid': 42, 'rss': 20000000 * 1024},
        {'name': 'init', 'pid': 1, 'rss': 1000 * 1024},
    ]
    assert 'vllm (pid 99) 28.61 GiB' in format_processes(top)


def test_top_processes_real_proc_lists_this_process():
    top = top_processes(10000)
    assert any(p['pid'] == os.getpid() for p in top)
    assert all(p['rss'] >= 0 for p in top)
    assert [p['rss'] for p in top] == sorted((p['rss'] for p in top), reverse=True)
