# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The node_exporter textfile metrics of a GX10 host (private to openclaw.gx10): one rendering for
playbooks/memory_report.yml (filter openclaw.gx10.memory_report_metrics) and for the exporter the
vllm role installs on the host (roles/vllm/files/gx10_metrics.py), from an
openclaw.gx10.memory_info result, plus the gate's counters (``_gate_state``) on the host.
Standard library only (the host has no Ansible)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import math
from collections.abc import Mapping

REASON_WIDTH = 60


def _failure(info):
    """The full failure message of a host's result, or None when it has figures."""
    if isinstance(info, Mapping) and not info.get('failed') and 'memory' in info:
        return None
    if not isinstance(info, Mapping) or not info:
        return 'no result (the host was unreachable, or the task did not run there)'
    if info.get('unreachable'):
        return 'unreachable: %s' % (info.get('msg') or 'no message')
    return str(info.get('msg') or 'failed without a message')


def _short(text, width=REASON_WIDTH):
    """The first line of ``text``, cut to ``width`` characters."""
    line = (str(text).strip().splitlines() or [''])[0].strip()
    if len(line) > width:
        line = line[:width - 3].rstrip() + '...'
    return line


def memory_report_host(host, info):
    """The machine-readable summary of one host (what the JSON report and the metrics carry)."""
    failure = _failure(info)
    data = dict(host=str(host), ok=failure is None, error=failure, reason=_short(failure) if failure else None)
    if failure is not None:
        return data
    memory = info.get('memory') or {}
    ollama = info.get('ollama') or {}
    vllm = info.get('vllm') or {}
    container = vllm.get('container') or {}
    fit = info.get('restart_fit') or {}
    hostinfo = info.get('host') or {}
    data.update(
        mem_total=memory.get('total'), mem_available=memory.get('available'), mem_free=memory.get('free'),
        ollama_status=ollama.get('status'), ollama_version=ollama.get('version'),
        ollama_resident_bytes=ollama.get('resident_bytes') or 0,
        ollama_models=[dict(name=m.get('name'), size=m.get('size'), expires_at=m.get('expires_at'))
                       for m in ollama.get('models') or []],
        vllm_container_state=container.get('state') or 'unknown',
        vllm_image=container.get('image'), vllm_image_id=container.get('image_id'),
        vllm_image_digests=container.get('image_digests'),
        vllm_health=vllm.get('health'), vllm_healthy=bool(vllm.get('healthy') or vllm.get('health') == '200'),
        vllm_version=vllm.get('version'), vllm_kv_cache_usage=vllm.get('kv_cache_usage'),
        restart_fits=fit.get('would_fit'), restart_required=fit.get('required'),
        restart_projected=fit.get('projected'), restart_shortfall=fit.get('shortfall'),
        restart_fit_complete=fit.get('complete'),
        gpu_driver=hostinfo.get('gpu_driver'), kernel=hostinfo.get('kernel'),
    )
    # What the drift comparison of the image looks at: the tag and what it resolves to.
    data['vllm_image'] = container.get('image')
    data['_image_key'] = (container.get('image'), container.get('image_id'))
    return data


def _prom_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


_METRICS = (
    # name, help, field
    ('openclaw_gx10_report_ok', 'Whether memory_info read this host (1) or failed (0).', 'ok'),
    ('openclaw_gx10_mem_total_bytes', 'MemTotal from /proc/meminfo.', 'mem_total'),
    ('openclaw_gx10_mem_available_bytes', 'MemAvailable from /proc/meminfo (what vLLM checks at start on GB10).',
     'mem_available'),
    ('openclaw_gx10_mem_free_bytes', 'MemFree from /proc/meminfo (page cache counts as used).', 'mem_free'),
    ('openclaw_gx10_ollama_up', 'Whether Ollama answered GET /api/ps.', 'ollama_up'),
    ('openclaw_gx10_ollama_resident_bytes', 'Bytes the models Ollama holds take (sum of /api/ps size).',
     'ollama_resident_bytes'),
    ('openclaw_gx10_ollama_models_loaded', 'Models Ollama holds.', 'ollama_models_loaded'),
    ('openclaw_gx10_vllm_container_running', 'Whether the vLLM container runs (docker inspect).',
     'vllm_container_running'),
    ('openclaw_gx10_vllm_healthy', 'Whether vLLM answered 200 on /health.', 'vllm_healthy'),
    ('openclaw_gx10_vllm_kv_cache_usage_ratio', 'vLLM KV cache usage (1 is full).', 'vllm_kv_cache_usage'),
    ('openclaw_gx10_vllm_restart_fits', 'Whether a gated vLLM restart would fit now.', 'restart_fits'),
    ('openclaw_gx10_vllm_restart_required_bytes', 'ceil(MemTotal x gpu_memory_utilization) + margin.',
     'restart_required'),
    ('openclaw_gx10_vllm_restart_projected_bytes',
     'MemAvailable + Ollama resident + running vLLM container: what a restart could have.', 'restart_projected'),
    ('openclaw_gx10_vllm_restart_shortfall_bytes', 'Bytes missing for a restart; 0 when it fits.',
     'restart_shortfall'),
)


def _label(value):
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def memory_report_metrics(info, host=None, timestamp=None):
    """node_exporter textfile metrics (Prometheus text format) from one memory_info result."""
    summary = memory_report_host(host or '', info)
    if summary['ok']:
        summary['ollama_up'] = summary.get('ollama_status') == 'ok'
        summary['ollama_models_loaded'] = len(summary.get('ollama_models') or [])
        state = summary.get('vllm_container_state')
        summary['vllm_container_running'] = None if state == 'unknown' else state == 'running'
    lines = []
    for name, text, field in _METRICS:
        value = _prom_value(summary.get(field))
        if value is None:
            continue
        lines.append('# HELP %s %s' % (name, text))
        lines.append('# TYPE %s gauge' % name)
        lines.append('%s %s' % (name, value))
    if summary['ok'] and summary['ollama_models']:
        lines.append('# HELP openclaw_gx10_ollama_model_bytes Bytes each model Ollama holds takes (/api/ps size).')
        lines.append('# TYPE openclaw_gx10_ollama_model_bytes gauge')
        for model in sorted(summary['ollama_models'], key=lambda m: str(m.get('name'))):
            lines.append('openclaw_gx10_ollama_model_bytes{model="%s"} %s'
                         % (_label(model.get('name')), _prom_value(int(model.get('size') or 0))))
    if summary['ok']:
        labels = dict(ollama_version=summary.get('ollama_version'), vllm_image=summary.get('vllm_image'),
                      vllm_image_id=summary.get('vllm_image_id'), vllm_version=summary.get('vllm_version'),
                      gpu_driver=summary.get('gpu_driver'), kernel=summary.get('kernel'))
        lines.append('# HELP openclaw_gx10_versions_info Versions on this host (drift across a fleet), always 1.')
        lines.append('# TYPE openclaw_gx10_versions_info gauge')
        lines.append('openclaw_gx10_versions_info{%s} 1' % ','.join(
            '%s="%s"' % (k, _label(v if v is not None else '')) for k, v in sorted(labels.items())))
    if timestamp is not None:
        lines.append('# HELP openclaw_gx10_report_timestamp_seconds When the report read this host (Unix time).')
        lines.append('# TYPE openclaw_gx10_report_timestamp_seconds gauge')
        lines.append('openclaw_gx10_report_timestamp_seconds %s' % _prom_value(float(timestamp)))
    return '\n'.join(lines) + '\n'


def _sample(lines, name, kind, text, samples):
    """HELP and TYPE once, then each ``(labels, value)`` of ``samples`` that has a value."""
    rendered = [(labels, _prom_value(value)) for labels, value in samples]
    rendered = [(labels, value) for labels, value in rendered if value is not None]
    if not rendered:
        return
    lines.append('# HELP %s %s' % (name, text))
    lines.append('# TYPE %s %s' % (name, kind))
    for labels, value in rendered:
        label_text = ','.join('%s="%s"' % (k, _label(v)) for k, v in sorted(labels.items()))
        lines.append('%s%s %s' % (name, '{%s}' % label_text if label_text else '', value))


def gate_metrics(state, problem=None, events=(), held_since=None, start_timeout=None):
    """The gate's counters and last event (a ``_gate_state`` state; ``problem``: why it could not be
    read), whether Ollama is held stopped and since when (Unix time, None: not held), and the
    start timeout of the vLLM unit (what "longer than a start should take" compares with).
    ``events``: the kinds published even before they first happen."""
    counters = dict((name, 0) for name in events)
    counters.update((state or {}).get('counters') or {})
    last = (state or {}).get('last') or None
    lines = []
    _sample(lines, 'openclaw_gx10_gate_state_ok', 'gauge',
            'Whether the gate\'s state file could be read (0: unreadable or corrupt; it starts over at the next event).',
            [({}, problem is None)])
    _sample(lines, 'openclaw_gx10_gate_events_total', 'counter',
            'Decisions of the vLLM memory gate by kind (start, refusal, eviction, hold, release, serving, '
            'start_failed, pagecache_drop, rollback).',
            [(dict(event=name), int(counters[name])) for name in sorted(counters)])
    if last:
        _sample(lines, 'openclaw_gx10_gate_last_event_timestamp_seconds', 'gauge',
                'When the gate recorded its last event (Unix time).', [({}, float(last['time']))])
        _sample(lines, 'openclaw_gx10_gate_last_event_info', 'gauge',
                'The gate\'s last event and what it said, always 1.',
                [(dict(event=last.get('event') or '', detail=last.get('detail') or ''), 1)])
    _sample(lines, 'openclaw_gx10_ollama_held', 'gauge',
            'Whether the gate holds Ollama stopped until vLLM serves or fails.', [({}, held_since is not None)])
    if held_since is not None:
        _sample(lines, 'openclaw_gx10_ollama_held_since_timestamp_seconds', 'gauge',
                'Since when the gate holds Ollama stopped (Unix time).', [({}, float(held_since))])
    if start_timeout is not None:
        _sample(lines, 'openclaw_gx10_vllm_start_timeout_seconds', 'gauge',
                'How long a start of vLLM may take (the unit\'s TimeoutStartSec: gate, load, first answer).',
                [({}, float(start_timeout))])
    return '\n'.join(lines) + '\n' if lines else ''
