# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read-only probes of a vLLM server and its docker container (private to openclaw.gx10).

``/health`` answers 200 with an empty body when ready and 503 when the engine
is dead; while the model loads, connections are REFUSED.  ``probe`` therefore
reports an outcome rather than raising: ``200``, ``503`` (any status code as
text), ``refused``, ``timeout`` or ``error``.

``/metrics`` is Prometheus text; the KV cache usage is the gauge
``vllm:kv_cache_usage_perc`` (a fraction: 1 means 100 percent), one series per
engine.  Builds older than about 0.10 called it ``vllm:gpu_cache_usage_perc``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import math
import re

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    HAS_REQUESTS,
    _is_refused,
    requests,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    SizeError,
    parse_size,
)

DEFAULT_URL = 'http://127.0.0.1:8000'
KV_CACHE_METRIC = 'vllm:kv_cache_usage_perc'
LEGACY_KV_CACHE_METRIC = 'vllm:gpu_cache_usage_perc'

# name{labels} value [timestamp]; label values are quoted strings with \" \\ \n escapes
_SAMPLE_RE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(?:\{(?P<labels>(?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?'
    r'\s+(?P<value>\S+)(?:\s+(?P<ts>-?[0-9]+))?\s*$')
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def probe(url, path, headers=None, validate_certs=True, timeout=10.0):
    """``GET url+path`` without raising.

    Returns ``{'outcome', 'status', 'body', 'error'}``: ``outcome`` is the HTTP
    status as text (``'200'``, ``'503'``), or ``'refused'`` (nothing listens),
    ``'timeout'`` (no connection or no answer within ``timeout`` seconds) or
    ``'error'`` (any other transport failure, described in ``error``).
    """
    result = {'outcome': 'error', 'status': None, 'body': None, 'error': None}
    if not HAS_REQUESTS:
        result['error'] = 'the Python library "requests" is required'
        return result
    target = url.rstrip('/') + path
    try:
        with requests.Session() as session:
            response = session.get(target, headers=dict(headers or {}), timeout=(timeout, timeout),
                                   verify=validate_certs, allow_redirects=False)
            body = response.content
    except requests.exceptions.Timeout:
        result.update(outcome='timeout', error='GET %s: no answer within %s s' % (target, timeout))
        return result
    except requests.exceptions.ConnectionError as exc:
        if _is_refused(exc):
            result.update(outcome='refused', error='GET %s: connection refused' % target)
        else:
            result['error'] = 'GET %s: connection failed: %s' % (target, exc)
        return result
    except requests.exceptions.RequestException as exc:
        result['error'] = 'GET %s: request failed: %s' % (target, exc)
        return result
    result.update(outcome=str(response.status_code), status=response.status_code,
                  body=body.decode('utf-8', 'replace'))
    if response.status_code >= 400:
        result['error'] = 'GET %s: HTTP %d: %s' % (target, response.status_code,
                                                   result['body'].strip()[:200] or response.reason)
    return result


def _unescape(value):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n' else m.group(1), value)


def parse_samples(text, name):
    """The samples of metric ``name`` in Prometheus text: a list of ``(labels dict, float)``.

    Comment lines, other metrics and lines that do not parse are skipped;
    ``NaN``/``+Inf`` parse as Python floats.
    """
    samples = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line.startswith('#') or not line.startswith(name):
            continue
        match = _SAMPLE_RE.match(line)
        if not match or match.group('name') != name:
            continue
        try:
            value = float(match.group('value'))
        except ValueError:
            continue
        labels = dict((k, _unescape(v)) for k, v in _LABEL_RE.findall(match.group('labels') or ''))
        samples.append((labels, value))
    return samples


def kv_cache_usage(text):
    """The KV cache usage (a fraction, 1.0 = full) from ``/metrics`` text, or ``None``.

    With several engines (data parallel) the fullest one counts.  Falls back to
    the pre-0.10 name ``vllm:gpu_cache_usage_perc``.  NaN samples are ignored.
    """
    for name in (KV_CACHE_METRIC, LEGACY_KV_CACHE_METRIC):
        values = [v for _labels, v in parse_samples(text, name) if not math.isnan(v)]
        if values:
            return max(values)
    return None


def parse_docker_mem_usage(text):
    """Bytes used from ``docker stats --format '{{.MemUsage}}'`` (``1.953GiB / 119.5GiB``), or ``None``."""
    text = (text or '').strip()
    if text.replace(' ', '') == '0B/0B':  # docker's answer when it has no memory cgroup figures
        return None
    used = text.split('/')[0].strip()
    if not used or used == '--':
        return None
    try:
        return parse_size(used, 'docker stats MemUsage')
    except SizeError:
        return None


def container_state(inspect_output, name):
    """The state of one container from the JSON ``docker inspect`` prints.

    Returns ``{'name', 'exists', 'state', 'running', 'started_at', 'image', 'id'}``;
    ``state`` is docker's ``State.Status`` (``running``, ``exited``, ``restarting``...).
    """
    data = json.loads(inspect_output)
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        return absent_container(name)
    state = data.get('State') or {}
    config = data.get('Config') or {}
    started = state.get('StartedAt')
    if started and started.startswith('0001-01-01'):
        started = None
    return {
        'name': (data.get('Name') or name).lstrip('/'),
        'exists': True,
        'state': state.get('Status') or ('running' if state.get('Running') else 'unknown'),
        'running': bool(state.get('Running')),
        'started_at': started,
        'image': config.get('Image') or data.get('Image'),
        'id': data.get('Id'),
    }


def absent_container(name):
    return {'name': name, 'exists': False, 'state': 'absent', 'running': False,
            'started_at': None, 'image': None, 'id': None}


def unknown_container(name):
    return {'name': name, 'exists': None, 'state': 'unknown', 'running': None,
            'started_at': None, 'image': None, 'id': None}
