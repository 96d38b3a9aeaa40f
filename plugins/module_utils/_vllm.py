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
from time import monotonic as _monotonic

from ansible_collections.openclaw.gx10.plugins.module_utils import _http
from ansible_collections.openclaw.gx10.plugins.module_utils._poll import SLOW_MAX, SLOW_START, poll
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_record import docker_inspect
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


def _outcome(method, url, payload=None, headers=None, validate_certs=True, timeout=10.0, listener=None):
    result = {'outcome': 'error', 'status': None, 'body': None, 'error': None}
    try:
        response = _http.request(method, url, payload=payload, headers=headers, timeout=timeout,
                                 validate_certs=validate_certs, listener=listener)
    except _http.UnprovenListener as exc:
        # nothing was sent: the outcome names who listens instead of our server
        result.update(outcome='unproven', error=exc.msg)
        return result
    except _http.Refused:
        result.update(outcome='refused', error='%s %s: connection refused' % (method, url))
        return result
    except _http.Timeout:
        result.update(outcome='timeout', error='%s %s: no answer within %s s' % (method, url, timeout))
        return result
    except _http.TransportError as exc:
        result['error'] = exc.msg
        return result
    result.update(outcome=str(response.status), status=response.status, body=response.text)
    if response.status >= 400:
        result['error'] = '%s %s: HTTP %d: %s' % (method, url, response.status,
                                                  response.text.strip()[:200] or response.reason)
    return result


def probe(url, path, headers=None, validate_certs=True, timeout=10.0, listener=None):
    """``GET url+path`` without raising.

    Returns ``{'outcome', 'status', 'body', 'error'}``: ``outcome`` is the HTTP
    status as text (``'200'``, ``'503'``), or ``'refused'`` (nothing listens),
    ``'timeout'`` (no connection or no answer within ``timeout`` seconds),
    ``'unproven'`` (the transport's ``listener`` check did not prove the listener ours:
    nothing sent, ``error`` names it) or ``'error'`` (any other transport failure,
    described in ``error``).
    """
    return _outcome('GET', url.rstrip('/') + path, headers=headers, validate_certs=validate_certs, timeout=timeout,
                    listener=listener)


def auth_headers(api_key=None, headers=None):
    """Request headers with vLLM's bearer token when an API key is set: sent only through the
    transport with a ``listener`` check where the server is on this host."""
    result = dict(headers or {})
    if api_key:
        result['Authorization'] = 'Bearer %s' % api_key
    return result


def completion(url, model, api_key=None, headers=None, validate_certs=True, timeout=30.0, listener=None):
    """One real completion (``POST /v1/completions``, ``max_tokens: 1``) without raising.

    ``/health`` can stay 200 on a wedged engine; a completion proves the server
    serves.  Returns ``probe``'s dict plus ``ok`` (a 200 with ``choices``). ``listener``:
    the transport's check, asked before the request (it carries the API key).
    """
    target = url.rstrip('/') + '/v1/completions'
    result = _outcome('POST', target, payload={'model': model, 'prompt': 'ping', 'max_tokens': 1, 'temperature': 0},
                      headers=auth_headers(api_key, headers), validate_certs=validate_certs, timeout=timeout,
                      listener=listener)
    result['ok'] = False
    if result['status'] == 200:
        try:
            data = json.loads(result['body'] or '')
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get('choices'), list) and data['choices']:
            result['ok'] = True
        else:
            result['error'] = 'POST %s: HTTP 200 without choices: %r' % (target, (result['body'] or '')[:200])
    return result


class VLLMClient(object):
    """One vLLM server: its URL and the options every probe carries. ``/health``, ``/metrics`` and
    ``/version`` go without the API key; a ``keyed`` probe carries it (``Authorization: Bearer``),
    through the transport's ``listener`` check: a key is sent only to a proven listener."""

    def __init__(self, url=DEFAULT_URL, api_key=None, headers=None, validate_certs=True, request_timeout=10.0,
                 listener=None):
        self.url = url.rstrip('/')
        self.api_key, self.headers, self.listener = api_key, headers, listener
        self.validate_certs, self.request_timeout = validate_certs, request_timeout

    @classmethod
    def from_params(cls, params, url='url', api_key=None, listener=None):
        """The client of a module's options: ``params[url]`` and the shared ``headers``,
        ``validate_certs``, ``request_timeout`` (``_options.HTTP_ARGUMENT_SPEC``)."""
        return cls(params[url], api_key=api_key, headers=params.get('headers'),
                   validate_certs=params.get('validate_certs', True),
                   request_timeout=params.get('request_timeout') or 10.0, listener=listener)

    def probe(self, path, keyed=False):
        """``probe``'s dict for ``GET url+path``."""
        if keyed and self.api_key:
            return probe(self.url, path, headers=auth_headers(self.api_key, self.headers),
                         validate_certs=self.validate_certs, timeout=self.request_timeout, listener=self.listener)
        return probe(self.url, path, headers=self.headers, validate_certs=self.validate_certs,
                     timeout=self.request_timeout)


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


class DockerUnavailable(Exception):
    """docker itself did not answer (dockerd restarting, say): no verdict on the container."""


def inspect_container(run, name):
    """The container's state through ``run(argv) -> (rc, stdout, stderr)`` and ``docker inspect``.

    An absent container is ``absent_container``; a docker that does not answer raises
    ``DockerUnavailable``, so a waiter can tell "gone" from "cannot tell".
    """
    rc, out, err = docker_inspect(run, name)
    if rc != 0:
        text = (err or out or '').strip()
        if 'No such' in text:
            return absent_container(name)
        raise DockerUnavailable(text or 'docker inspect exited %d' % rc)
    try:
        info = container_state(out, name)
        data = json.loads(out)
    except ValueError as exc:
        raise DockerUnavailable('docker inspect printed no JSON: %s' % exc)
    data = data[0] if isinstance(data, list) and data else {}
    # What a waiter and a rollback need beyond container_state: the exit code, the image by id.
    info.update(exit_code=(data.get('State') or {}).get('ExitCode'), image_id=data.get('Image'))
    return info


def parse_unit_show(text):
    """``systemctl show -p A -p B UNIT`` output as a dict."""
    result = {}
    for line in (text or '').splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            result[key.strip()] = value.strip()
    return result


# Seconds after which a container or unit still stopped is a verdict even if never seen starting.
UNIT_SETTLE = 15.0

UNIT_PROPERTIES = ('LoadState', 'ActiveState', 'SubState', 'Result', 'NRestarts', 'ExecMainStatus', 'InvocationID')


def unit_state(run, unit):
    """The systemd unit's state (``UNIT_PROPERTIES``) through ``run``; ``{}`` when systemctl fails."""
    argv = ['systemctl', 'show']
    for prop in UNIT_PROPERTIES:
        argv += ['-p', prop]
    rc, out, _err = run(argv + [unit])
    return parse_unit_show(out) if rc == 0 else {}


class ServingWait(object):
    """One wait until vLLM serves, or a verdict saying why not.

    Each look (``look``, polled) asks, in order, the rules below; the first that reaches a verdict
    ends the wait:

    ``not_restarted_yet``   with ``previous_invocation``: until the unit has another InvocationID the
                            old server may still answer, and nothing counts.
    ``ask_server``          ``/health`` 200 (then the listener proved ours, then one completion of
                            ``model``: ``/health`` can stay 200 on a wedged engine); 503 is a dead
                            engine; a completion refused with 400/401/403/404 never gets better.
    ``container_ended``     the ``container`` gone or exited, once it was seen running (or after
                            ``settle`` without a unit: its old exited state may still show).
    ``unit_verdict``        the ``unit`` failed, scheduled a restart, or restarted (another
                            invocation: that start failed); stopped while nothing answers; serving
                            counts only once the unit left ExecStartPost (the gate's own check, then
                            releasing a held Ollama).

    Refused connections are expected while vLLM loads; a docker that does not answer is waited out.
    ``run`` runs docker and systemctl. ``listener_check()``: None when the listener is the server
    this host started, else why not (``_vllm_record.own_listener_check``); asked before the
    completion, which carries the API key.
    """

    def __init__(self, url, model=None, api_key=None, headers=None, validate_certs=True, request_timeout=10.0,
                 container=None, unit=None, run=None, completion_check=True, clock=None, settle=UNIT_SETTLE,
                 previous_invocation=None, listener_check=None):
        self.base = url.rstrip('/')
        self.model, self.api_key, self.headers = model, api_key, headers
        self.validate_certs, self.request_timeout = validate_certs, request_timeout
        self.container, self.unit, self.run = container, unit, run
        self.completion_check, self.settle = completion_check, settle
        self.previous_invocation, self.listener_check = previous_invocation, listener_check
        self.clock = clock or _monotonic
        self.began = self.clock()
        self.state = {'health': None, 'completion': None, 'container': None, 'unit': None,
                      'reason': None, 'verdict': None, 'docker_error': None, 'seen_running': False,
                      'seen_container_running': False, 'invocation': None}
        self.served = False

    def elapsed(self):
        return self.clock() - self.began

    def verdict(self, verdict, reason):
        self.state['verdict'], self.state['reason'] = verdict, reason
        return True

    def look(self):
        """One look: ``(done, state)`` for ``_poll.poll``."""
        self.state['reason'] = None
        self.served = False
        for rule in (self.not_restarted_yet, self.ask_server, self.container_ended, self.unit_verdict):
            done = rule()
            if done is not None:
                return done, self.state
        return False, self.state

    def not_restarted_yet(self):
        if not (self.previous_invocation and self.unit and self.run):
            return None
        now = unit_state(self.run, self.unit)
        if now.get('InvocationID') != self.previous_invocation:
            return None
        self.state['unit'] = now
        self.state['reason'] = 'unit %s has not restarted yet (InvocationID %s)' % (self.unit, self.previous_invocation)
        return False

    def ask_server(self):
        state = self.state
        health = probe(self.base, '/health', headers=self.headers, validate_certs=self.validate_certs,
                       timeout=self.request_timeout)
        state['health'] = health['outcome']
        if health['outcome'] == '503':
            # vLLM answers 503 only once its engine died (it refuses connections while loading),
            # and a dead engine does not come back: no use waiting for the deadline.
            return self.verdict('failed', '/health answers 503: the vLLM engine is dead')
        if health['outcome'] != '200':
            return None
        # The request that decides goes through the transport's listener check: the completion
        # (it carries the API key), or without one /health again; a stranger is asked nothing.
        if self.completion_check:
            done = completion(self.base, self.model, api_key=self.api_key, headers=self.headers,
                              validate_certs=self.validate_certs, timeout=max(self.request_timeout, 30.0),
                              listener=self.listener_check)
            state['completion'] = done['outcome']
        elif self.listener_check is not None:
            done = probe(self.base, '/health', headers=self.headers, validate_certs=self.validate_certs,
                         timeout=self.request_timeout, listener=self.listener_check)
            state['health'] = done['outcome']
            if done['outcome'] != 'unproven' and done['status'] != 200:
                # Not a completion's answer: the next look judges this /health from the start.
                return None
            if done['status'] == 200:
                done = None
        else:
            done = None
        if done is not None and done['outcome'] == 'unproven':
            return self.verdict('refused', done['error'])
        self.served = done is None or done['ok']
        if self.served and not (self.unit and self.run):
            return self.verdict('serving', None)
        if not self.served and done['status'] in (400, 401, 403, 404):
            # Never better by waiting: a wrong model name or API key.
            return self.verdict('refused', '/health answers 200 but a completion of %r was refused: %s'
                                % (self.model, done['error']))
        if not self.served:
            state['reason'] = ('/health answers 200 but a completion of %r does not succeed '
                               '(a wedged engine?): %s' % (self.model, done['error']))
        return None

    def container_ended(self):
        if not (self.container and self.run) or self.served:
            return None
        state = self.state
        try:
            info = inspect_container(self.run, self.container)
            state['container'] = info
            state['docker_error'] = None
        except DockerUnavailable as exc:
            info = None
            state['docker_error'] = str(exc)
        if info is not None and info['running']:
            state['seen_container_running'] = True
        # Watched with its unit, the container may still be the stopped old one or a created
        # new one while the gate runs (ExecStartPre): only a container seen running can exit.
        # Without a unit (the gate's post step), the old exited state may still show until
        # `docker start` is through: the same settling time.
        final = state['seen_container_running'] or (not self.unit and self.elapsed() > self.settle)
        if final and info is not None and not info['exists']:
            return self.verdict('failed', 'container %s is gone' % self.container)
        if final and info is not None and info['state'] in ('exited', 'dead'):
            return self.verdict('failed', 'container %s exited with code %s' % (self.container, info['exit_code']))
        return None

    def unit_verdict(self):
        if not (self.unit and self.run):
            return None
        state, unit = self.state, self.unit
        now = unit_state(self.run, unit)
        state['unit'] = now
        running = now.get('ActiveState') in ('activating', 'active', 'deactivating', 'reloading')
        if running and not state['invocation']:
            # The start being waited for (a --no-block start may not have begun at first look).
            state['invocation'] = now.get('InvocationID') or None
        state['seen_running'] = state['seen_running'] or running
        # Another invocation than the one seen starting: systemd restarted it, that start failed.
        restarted = bool(running and state['invocation'] and now.get('InvocationID')
                         and now.get('InvocationID') != state['invocation'])
        # A unit started with --no-block may not have left its old inactive/failed state yet.
        settled = state['seen_running'] or self.elapsed() > self.settle
        if (now.get('ActiveState') == 'failed' and settled) or now.get('SubState') == 'auto-restart' or restarted:
            return self.verdict('failed', 'unit %s failed to start (ActiveState=%s, SubState=%s, Result=%s, exit status %s)'
                                % (unit, now.get('ActiveState'), now.get('SubState'), now.get('Result'),
                                   now.get('ExecMainStatus')))
        if self.served:
            # The start is over when the unit is active: its ExecStartPost (the gate's own
            # check, then releasing a held Ollama) has finished. Before that, a restart that
            # reports done would leave the fallback stopped for a moment longer.
            if now.get('SubState') == 'start-post':
                state['reason'] = ('vLLM serves; unit %s is still in ExecStartPost (the gate\'s own check, '
                                   'then releasing Ollama)' % unit)
                return False
            return self.verdict('serving', None)
        if settled and now.get('ActiveState') == 'inactive' and state['health'] != '200':
            return self.verdict('failed', 'unit %s is stopped (Result=%s)' % (unit, now.get('Result')))
        return None

    def result(self, done, waited, timeout):
        state = self.state
        if not done:
            last = state['reason'] or ('last /health answer: %s' % (
                'connection refused' if state['health'] == 'refused' else state['health']))
            state['reason'] = 'vLLM at %s did not serve within %s s (%s)%s' % (
                self.base, timeout, last,
                '; docker did not answer either: %s' % state['docker_error'] if state['docker_error'] else '')
            state['verdict'] = 'timeout'
        elif state['verdict'] == 'serving':
            state['reason'] = ('/health answered 200 and a completion of %r succeeded' % self.model
                               if self.completion_check else '/health answered 200')
        return {
            'serving': state['verdict'] == 'serving',
            'healthy': state['health'] == '200',
            'reason': state['reason'],
            'waited': round(waited, 1),
            'health': state['health'],
            'completion': state['completion'],
            'container': state['container'],
            'unit': state['unit'],
        }


def wait_serving(url, timeout, model=None, api_key=None, headers=None, validate_certs=True,
                 request_timeout=10.0, container=None, unit=None, run=None, completion_check=True,
                 sleep=None, clock=None, settle=UNIT_SETTLE, previous_invocation=None, listener_check=None):
    """Wait until vLLM serves, or say why not (``ServingWait``'s rules). Never raises for an outcome.

    Returns ``{'serving', 'healthy', 'reason', 'waited', 'health', 'completion', 'container', 'unit'}``.
    """
    wait = ServingWait(url, model=model, api_key=api_key, headers=headers, validate_certs=validate_certs,
                       request_timeout=request_timeout, container=container, unit=unit, run=run,
                       completion_check=completion_check, clock=clock, settle=settle,
                       previous_invocation=previous_invocation, listener_check=listener_check)
    kwargs = {}
    if sleep is not None:
        kwargs['sleep'] = sleep
    if clock is not None:
        kwargs['clock'] = clock
    done, _value, waited = poll(wait.look, timeout, start=SLOW_START, maximum=SLOW_MAX, factor=1.5, **kwargs)
    return wait.result(done, waited, timeout)


def recent_logs(run, unit=None, container=None, lines=40):
    """The last ``lines`` of the unit's journal and of the container's log (the why of a failure)."""
    logs = {}
    if unit:
        rc, out, err = run(['journalctl', '--unit', unit, '--lines', str(lines), '--no-pager', '--output', 'cat'])
        logs['journal'] = (out if rc == 0 else err or out or '').splitlines()
    if container:
        rc, out, err = run(['docker', 'logs', '--tail', str(lines), container])
        # vLLM logs to stderr; docker logs keeps the streams apart.
        logs['container'] = ((out or '') + (err or '')).splitlines()[-lines:]
    return logs
