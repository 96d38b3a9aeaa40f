# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet memory table of playbooks/memory_report.yml, from openclaw.gx10.memory_info results."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import format_bytes

HEADERS = ('HOST', 'MemTotal', 'MemAvailable', 'MemFree', 'Ollama resident (size, expires)',
           'vLLM container', '/health', 'KV cache', 'Restart fits (required vs can be free)')

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
    if not isinstance(info, Mapping) or info.get('failed') or 'memory' not in info:
        why = 'no data'
        if isinstance(info, Mapping) and info.get('msg'):
            why = 'failed: %s' % info.get('msg')
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


def memory_report_table(hosts, hostvars, var='memory_info'):
    """Lines of an aligned table: one row per host in ``hosts``, from ``hostvars[host][var]``."""
    if isinstance(hosts, (str, bytes)) or not hasattr(hosts, '__iter__'):
        raise AnsibleFilterError('memory_report_table: the input must be a list of host names, got %r' % (hosts,))
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('memory_report_table: the first argument must be hostvars (a mapping)')
    rows = [list(HEADERS)]
    incomplete = False
    for host in hosts:
        host_vars = hostvars[host] if host in hostvars else {}
        info = host_vars.get(var) if isinstance(host_vars, Mapping) else None
        if isinstance(info, Mapping) and (info.get('restart_fit') or {}).get('complete') is False:
            incomplete = True
        rows.append(memory_report_row(host, info))
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for index, row in enumerate(rows):
        lines.append('  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append('  '.join('-' * w for w in widths))
    lines.append('Restart fits: ceil(MemTotal x gpu_memory_utilization) + margin, against MemAvailable '
                 '+ Ollama resident + running vLLM container.')
    if incomplete:
        lines.append('* Ollama or the vLLM container could not be read on that host: the prediction may be optimistic.')
    return lines


class FilterModule(object):
    def filters(self):
        return {
            'memory_report_table': memory_report_table,
        }
