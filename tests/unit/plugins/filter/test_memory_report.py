# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report filters: a failed host's short reason and full message, the versions table
that marks drift, the JSON data and the node_exporter textfile metrics."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import math
import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.filter.memory_report import (
    REASON_WIDTH, VERSION_HEADERS, memory_report_data, memory_report_metrics, memory_report_table,
)

GIB = 1 << 30
LONG_ERROR = ('Cannot read the memory figures: /proc/meminfo: permission denied while opening the file '
              'on a host that mounts proc with hidepid=2 and a very long explanation\nsecond line of it')


def info(ollama_version='0.5.4', image='vllm/vllm-openai:v0.21.0', image_id='sha256:' + 'a' * 64,
         digests=('vllm/vllm-openai@sha256:' + 'b' * 64,), vllm_version='0.21.0', driver='580.95.05',
         kernel='6.11.0-1016-nvidia', healthy=True, fits=True):
    return dict(
        changed=False,
        memory=dict(total=120 * GIB, available=100 * GIB, free=10 * GIB),
        ollama=dict(reachable=True, status='ok', version=ollama_version, resident_bytes=2 * GIB,
                    models=[dict(name='big:latest', size=2 * GIB, size_vram=2 * GIB,
                                 expires_at='2026-01-01T12:00:00Z')]),
        vllm=dict(container=dict(name='vllm', exists=True, state='running', running=True, image=image,
                                 image_id=image_id, image_digests=list(digests), memory_usage=GIB),
                  health='200' if healthy else 'refused', healthy=healthy, kv_cache_usage=0.25,
                  version=vllm_version),
        host=dict(kernel=kernel, gpu_driver=driver, gpu_driver_error=None),
        restart_fit=dict(would_fit=fits, required=110 * GIB, projected=103 * GIB if not fits else 112 * GIB,
                         shortfall=0 if fits else 7 * GIB, complete=True, requested=107 * GIB),
    )


def hostvars(**hosts):
    return dict((name, {'m': value} if value is not None else {}) for name, value in hosts.items())


def table(**hosts):
    return memory_report_table(list(hosts), hostvars(**hosts), 'm')


def versions_block(lines):
    start = next(i for i, line in enumerate(lines) if line.startswith('HOST') and 'kernel' in line)
    return lines[start], lines[start + 2:]


def test_failed_host_row_has_one_short_reason_and_the_full_message_below():
    lines = table(a=info(), b=dict(failed=True, msg=LONG_ERROR))
    row = next(line for line in lines if line.startswith('b '))
    reason = row.split(None, 1)[1].strip()
    assert reason.startswith('FAILED: Cannot read the memory figures')
    assert len(reason) <= len('FAILED: ') + REASON_WIDTH and reason.endswith('...')
    assert 'second line' not in row
    # the reason runs across the row: the columns stay where the healthy hosts put them
    healthy = next(line for line in lines if line.startswith('a '))
    assert len(row) <= len(healthy)
    alone = table(a=info())
    assert lines[0] == alone[0] and lines[1] == alone[1]
    below = lines[lines.index('Failed hosts (full messages):') + 1:]
    assert below == ['b: ' + ' '.join(LONG_ERROR.split())]


def test_short_message_is_kept_whole():
    lines = table(b=dict(failed=True, msg='docker: permission denied'))
    assert any(line.rstrip().endswith('FAILED: docker: permission denied') for line in lines)


def test_unreachable_and_missing_hosts():
    lines = table(a=info(), gone=None, u=dict(unreachable=True, msg='Failed to create temporary directory'))
    assert next(line for line in lines if line.startswith('gone ')).split(None, 1)[1].strip() == 'no data'
    assert 'FAILED: unreachable: Failed to create temporary directory' in next(
        line for line in lines if line.startswith('u '))
    below = lines[lines.index('Failed hosts (full messages):') + 1:]
    assert [line.split(':')[0] for line in below] == ['gone', 'u']


def test_versions_table_lists_versions_and_marks_no_drift_when_equal():
    lines = table(a=info(), b=info())
    header, rows = versions_block(lines)
    assert '!' not in header
    assert 'Versions: the same on every host that answered.' in lines
    cells = re.split(r'\s{2,}', rows[0])
    assert cells == ['a', '0.5.4', 'vllm/vllm-openai:v0.21.0@sha256:bbbbbbbbbbbb', '0.21.0', '580.95.05',
                     '6.11.0-1016-nvidia']


@pytest.mark.parametrize('field, column, changed', [
    ('ollama_version', 'Ollama', dict(ollama_version='0.12.3')),
    ('vllm_image', 'vLLM image', dict(image='vllm/vllm-openai:v0.20.1')),
    # the same tag, pulled at another time: another image
    ('vllm_image', 'vLLM image', dict(image_id='sha256:' + 'c' * 64, digests=('vllm/vllm-openai@sha256:' + 'd' * 64,))),
    ('vllm_version', 'vLLM', dict(vllm_version='0.20.1')),
    ('gpu_driver', 'GPU driver', dict(driver='575.57.08')),
    ('kernel', 'kernel', dict(kernel='6.8.0-1011-nvidia')),
])
def test_a_differing_column_is_marked(field, column, changed):
    lines = table(a=info(), b=info(), c=info(**changed))
    header, _rows = versions_block(lines)
    marked = [h for h in VERSION_HEADERS[1:] if (h + ' !') in header]
    assert marked == [column], header
    assert '!  differs between hosts: %s' % column in lines
    assert memory_report_data(['a', 'b', 'c'], hostvars(a=info(), b=info(), c=info(**changed)), 'm')['drift'] == [field]


def test_failed_hosts_do_not_count_as_drift():
    lines = table(a=info(), b=dict(failed=True, msg='x'))
    header, rows = versions_block(lines)
    assert '!' not in header
    assert re.split(r'\s{2,}', rows[1]) == ['b', '-', '-', '-', '-', '-']


def test_image_without_registry_digest_shows_its_id():
    lines = table(a=info(image='openclaw/vllm-standin:test', digests=(), image_id='sha256:' + 'e' * 64))
    assert any('openclaw/vllm-standin:test (id sha256:eeeeeeeeeeee)' in line for line in lines)


def test_missing_driver_and_version_show_a_dash():
    lines = table(a=info(driver=None, vllm_version=None))
    _header, rows = versions_block(lines)
    cells = re.split(r'\s{2,}', rows[0])
    assert cells[3] == '-' and cells[4] == '-'


def test_data_is_json_and_carries_the_figures():
    data = memory_report_data(['a', 'b'], hostvars(a=info(fits=False), b=dict(failed=True, msg=LONG_ERROR)), 'm')
    assert json.loads(json.dumps(data)) == data
    a, b = data['hosts']
    assert data['failed'] == ['b'] and data['drift'] == []
    assert a['ok'] is True and a['error'] is None
    assert a['mem_available'] == 100 * GIB and a['ollama_resident_bytes'] == 2 * GIB
    assert a['ollama_models'] == [dict(name='big:latest', size=2 * GIB, expires_at='2026-01-01T12:00:00Z')]
    assert a['vllm_healthy'] is True and a['vllm_version'] == '0.21.0'
    assert a['vllm_image_digests'] == ['vllm/vllm-openai@sha256:' + 'b' * 64]
    assert a['restart_fits'] is False and a['restart_shortfall'] == 7 * GIB
    assert a['kernel'] == '6.11.0-1016-nvidia' and a['gpu_driver'] == '580.95.05'
    assert b['ok'] is False and b['error'] == LONG_ERROR and len(b['reason']) <= REASON_WIDTH


def parse_prom(text):
    """name{labels} -> float, checking every sample has HELP and TYPE gauge before it."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith('# TYPE '):
            _hash, _kw, name, kind = line.split()
            assert kind == 'gauge'
            typed.add(name)
        elif line and not line.startswith('#'):
            key, value = line.rsplit(' ', 1)
            assert key.split('{')[0] in typed, line
            samples[key] = float(value)
    return samples


def test_metrics_of_a_healthy_host():
    text = memory_report_metrics(info(), 'a', 1767268800.5)
    assert text.endswith('\n')
    samples = parse_prom(text)
    assert samples['openclaw_gx10_report_ok'] == 1
    assert samples['openclaw_gx10_mem_available_bytes'] == 100 * GIB
    assert samples['openclaw_gx10_ollama_resident_bytes'] == 2 * GIB
    assert samples['openclaw_gx10_ollama_up'] == 1 and samples['openclaw_gx10_ollama_models_loaded'] == 1
    assert samples['openclaw_gx10_vllm_healthy'] == 1
    assert samples['openclaw_gx10_vllm_restart_fits'] == 1
    assert samples['openclaw_gx10_vllm_kv_cache_usage_ratio'] == 0.25
    assert samples['openclaw_gx10_report_timestamp_seconds'] == 1767268800.5
    info_key = next(k for k in samples if k.startswith('openclaw_gx10_versions_info{'))
    assert 'kernel="6.11.0-1016-nvidia"' in info_key and 'vllm_version="0.21.0"' in info_key


def test_metrics_of_an_unhealthy_host_that_would_not_fit():
    samples = parse_prom(memory_report_metrics(info(healthy=False, fits=False), 'a'))
    assert samples['openclaw_gx10_vllm_healthy'] == 0
    assert samples['openclaw_gx10_vllm_restart_fits'] == 0
    assert samples['openclaw_gx10_vllm_restart_shortfall_bytes'] == 7 * GIB
    assert 'openclaw_gx10_report_timestamp_seconds' not in samples


def test_metrics_of_a_failed_host_say_only_that():
    samples = parse_prom(memory_report_metrics(dict(failed=True, msg='x'), 'a'))
    assert samples == {'openclaw_gx10_report_ok': 0.0}


def test_metrics_label_values_are_escaped():
    text = memory_report_metrics(info(kernel='6.8 "custom"\\build'), 'a')
    assert 'kernel="6.8 \\"custom\\"\\\\build"' in text
    assert not any(math.isnan(v) for v in parse_prom(text).values())


@pytest.mark.parametrize('bad', ['host-a', None, 3])
def test_bad_input_is_refused(bad):
    with pytest.raises(AnsibleFilterError, match='list of host names'):
        memory_report_data(bad, {}, 'm')
    with pytest.raises(AnsibleFilterError, match='list of host names'):
        memory_report_table(bad, {}, 'm')
