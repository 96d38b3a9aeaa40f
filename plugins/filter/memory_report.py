# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report of playbooks/memory_report.yml, from openclaw.gx10.memory_info results: the
memory table, the versions table that shows drift, the same as data (JSON) and as node_exporter
textfile metrics."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import format_bytes
# The per-host summary and the textfile metrics are module_utils: the exporter on the host renders
# the same metrics with the same code.
from ansible_collections.openclaw.gx10.plugins.module_utils._report import (  # noqa: F401 pylint: disable=unused-import
    REASON_WIDTH,
    _failure,
    _short,
    memory_report_host,
    memory_report_metrics,
)

HEADERS = ('HOST', 'MemTotal', 'MemAvailable', 'MemFree', 'Ollama resident (size, expires)',
           'vLLM container', '/health', 'KV cache', 'Restart fits (required vs can be free)')

VERSION_HEADERS = ('HOST', 'Ollama', 'vLLM image', 'vLLM', 'GPU driver', 'kernel')
# The field of memory_report_data() each column of the versions table compares.
VERSION_FIELDS = ('ollama_version', 'vllm_image', 'vllm_version', 'gpu_driver', 'kernel')
DRIFT_MARK = ' !'

_STAMP_RE = re.compile(r'^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(.*)$')


def _short_time(value):
    if not value:
        return 'no expiry given'
    match = _STAMP_RE.match(str(value))
    if not match:
        return str(value)
    zone = match.group(3)
    if zone in ('Z', '+00:00'):
        zone = 'Z'
    return '%s %s%s' % (match.group(1), match.group(2), zone)


def _ollama_cell(ollama):
    if not ollama.get('reachable'):
        status = ollama.get('status') or 'error'
        if status == 'refused':
            return 'none (Ollama refuses connections)'
        return 'UNKNOWN (Ollama %s)' % status
    models = sorted(ollama.get('models') or [], key=lambda m: str(m.get('name')))
    if not models:
        return 'none'
    return ', '.join('%s %s until %s' % (m.get('name'), format_bytes(m.get('size')), _short_time(m.get('expires_at')))
                     for m in models)


def _kv_cell(value):
    if value is None:
        return '-'
    return '%.1f%%' % (float(value) * 100)


def _fit_cell(fit):
    if not fit:
        return '-'
    text = '%s: %s vs %s' % ('yes' if fit.get('would_fit') else 'NO', format_bytes(fit.get('required')),
                             format_bytes(fit.get('projected')))
    if not fit.get('would_fit'):
        text += ' (short %s)' % format_bytes(fit.get('shortfall'))
    if fit.get('complete') is False:
        text += ' *'
    return text


def memory_report_row(host, info):
    """One row of cells (strings) for ``host`` from its memory_info result (or None)."""
    failure = _failure(info)
    if failure is not None:
        why = 'no data' if not isinstance(info, Mapping) or not info else 'FAILED: %s' % _short(failure)
        return [str(host), why, '', '', '', '', '', '', '']
    memory = info.get('memory') or {}
    vllm = info.get('vllm') or {}
    container = vllm.get('container') or {}
    return [
        str(host),
        format_bytes(memory.get('total')),
        format_bytes(memory.get('available')),
        format_bytes(memory.get('free')),
        _ollama_cell(info.get('ollama') or {}),
        str(container.get('state') or 'unknown'),
        str(vllm.get('health') or '-'),
        _kv_cell(vllm.get('kv_cache_usage')),
        _fit_cell(info.get('restart_fit')),
    ]


def _image_cell(container):
    image = container.get('image')
    if not image:
        return '-'
    digests = container.get('image_digests') or []
    if digests:  # what the tag resolved to in the registry
        return '%s@%s' % (image, _short_id(digests[0].split('@', 1)[-1]))
    if container.get('image_id'):  # an image without a registry digest (built or loaded locally)
        return '%s (id %s)' % (image, _short_id(container['image_id']))
    return str(image)


def _short_id(ident):
    algo, _sep, hexa = str(ident).partition(':')
    return '%s:%s' % (algo, hexa[:12]) if hexa else str(ident)[:19]


def _drift(hosts):
    """The VERSION_FIELDS whose values differ between the hosts that have figures."""
    drift = []
    for field in VERSION_FIELDS:
        key = '_image_key' if field == 'vllm_image' else field
        values = set(repr(h.get(key)) for h in hosts if h['ok'])
        if len(values) > 1:
            drift.append(field)
    return drift


def _check_input(name, hosts, hostvars):
    if isinstance(hosts, (str, bytes)) or not hasattr(hosts, '__iter__'):
        raise AnsibleFilterError('%s: the input must be a list of host names, got %r' % (name, hosts))
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('%s: the first argument must be hostvars (a mapping)' % name)


def _results(hosts, hostvars, var):
    for host in hosts:
        host_vars = hostvars[host] if host in hostvars else {}
        yield host, host_vars.get(var) if isinstance(host_vars, Mapping) else None


def memory_report_data(hosts, hostvars, var='memory_info'):
    """``{'hosts': [per-host summary], 'drift': [fields that differ], 'failed': [host names]}``."""
    _check_input('memory_report_data', hosts, hostvars)
    rows = [memory_report_host(host, info) for host, info in _results(hosts, hostvars, var)]
    drift = _drift(rows)
    for row in rows:
        row.pop('_image_key', None)
    return dict(hosts=rows, drift=drift, failed=[r['host'] for r in rows if not r['ok']])


def _aligned(rows, spans=()):
    """Aligned lines with a rule under the header; the rows whose index is in ``spans`` (a failed
    host's reason) run across the columns after the first and do not widen them."""
    fitted = [row for index, row in enumerate(rows) if index not in spans]
    widths = [max(len(row[i]) for row in fitted) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        if index in spans:
            lines.append(('%s  %s' % (row[0].ljust(widths[0]), ' '.join(c for c in row[1:] if c))).rstrip())
        else:
            lines.append('  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append('  '.join('-' * w for w in widths))
    return lines


def _version_row(summary, info):
    if not summary['ok']:
        return [summary['host'], '-', '-', '-', '-', '-']
    container = ((info.get('vllm') or {}).get('container') or {})
    return [summary['host'], str(summary.get('ollama_version') or '-'), _image_cell(container),
            str(summary.get('vllm_version') or '-'), str(summary.get('gpu_driver') or '-'),
            str(summary.get('kernel') or '-')]


def memory_report_table(hosts, hostvars, var='memory_info'):
    """Lines of the report: the memory table (one row per host in ``hosts``, from
    ``hostvars[host][var]``), its legend, the versions table with drifting columns marked, and the
    full message of each failed host."""
    _check_input('memory_report_table', hosts, hostvars)
    results = list(_results(hosts, hostvars, var))
    summaries = [memory_report_host(host, info) for host, info in results]
    drift = _drift(summaries)
    rows = [list(HEADERS)]
    incomplete = False
    for host, info in results:
        if isinstance(info, Mapping) and (info.get('restart_fit') or {}).get('complete') is False:
            incomplete = True
        rows.append(memory_report_row(host, info))
    lines = _aligned(rows, spans=[i + 1 for i, summary in enumerate(summaries) if not summary['ok']])
    lines.append('Restart fits: ceil(MemTotal x gpu_memory_utilization) + margin, against MemAvailable '
                 '+ Ollama resident + running vLLM container.')
    if incomplete:
        lines.append('* Ollama or the vLLM container could not be read on that host: the prediction may be optimistic.')
    header = [h + (DRIFT_MARK if i and VERSION_FIELDS[i - 1] in drift else '')
              for i, h in enumerate(VERSION_HEADERS)]
    lines.append('')
    lines.extend(_aligned([header] + [_version_row(s, info) for s, (_h, info) in zip(summaries, results)]))
    if drift:
        names = [VERSION_HEADERS[VERSION_FIELDS.index(f) + 1] for f in drift]
        lines.append('!  differs between hosts: %s' % ', '.join(names))
    else:
        lines.append('Versions: the same on every host that answered.')
    failed = [s for s in summaries if not s['ok']]
    if failed:
        lines.append('')
        lines.append('Failed hosts (full messages):')
        for summary in failed:
            lines.append('%s: %s' % (summary['host'], ' '.join(summary['error'].split())))
    return lines


class FilterModule(object):
    def filters(self):
        return {
            'memory_report_table': memory_report_table,
            'memory_report_data': memory_report_data,
            'memory_report_metrics': memory_report_metrics,
        }
