# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One record per vLLM configuration (private to openclaw.gx10).

What the gate checks a start against, read from the container it was made for, and the record
of the configuration that last served. Standard library only (and the URL parser): the gate
reads these inside a restart's downtime, where importing an HTTP stack would cost 0.1-0.2 s.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re

from ansible_collections.openclaw.gx10.plugins.module_utils._listener import container_listener_problem
from ansible_collections.openclaw.gx10.plugins.module_utils._urls import base_url

# ------------------------------------------------------------------ one record per configuration
# What the gate checks a start against travels with the container it was made for: the command
# line says the model, the served name, the utilization and the port; the port binding says where
# this host reaches it; the environment holds the API key; the label GATE_LABEL holds the rest of
# the gate's arguments (the margin, how long a load may take). Bringing a container back (a
# rollback) brings back exactly what its gate checks, and a refused change, which creates no
# container, leaves nothing that the serving vLLM would be judged by.
GATE_LABEL = 'openclaw.gx10.gate'
# vLLM's own default; the role always renders the flag.
DEFAULT_UTILIZATION = 0.9
# For a container made before the label existed: the role's defaults then.
LEGACY_GATE = {'margin': '3GiB', 'health_timeout': 900}


class ContainerSettingsError(Exception):
    """The container cannot say what its gate checks (not made by the role, or damaged)."""


def _flag_value(args, flag):
    """The value of ``--flag VALUE`` or ``--flag=VALUE`` in a command line (the last one wins, as
    in argparse), or None."""
    value = None
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith(flag + '='):
            value = arg[len(flag) + 1:]
    return value


def container_settings(inspect_output, name):
    """What the gate checks container ``name`` against, read from ``docker inspect``'s JSON.

    Returns ``{'container_id', 'model', 'served_model_name', 'gpu_memory_utilization', 'port',
    'vllm_url', 'api_key', 'margin', 'health_timeout', 'labelled'}``; raises
    ContainerSettingsError naming what is missing.
    """
    try:
        data = json.loads(inspect_output)
    except ValueError as exc:
        raise ContainerSettingsError('docker inspect %s printed no JSON: %s' % (name, exc))
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        raise ContainerSettingsError('container %s does not exist' % name)
    config = data.get('Config') or {}
    args = [str(a) for a in (config.get('Cmd') or [])]
    if not args or args[0].startswith('-'):
        raise ContainerSettingsError(
            'container %s has no model as the first argument of its command (%r): it was not made by '
            'the role openclaw.gx10.vllm' % (name, args[:3]))
    env = dict(item.split('=', 1) for item in (config.get('Env') or []) if '=' in item)
    model = args[0]
    utilization = _flag_value(args, '--gpu-memory-utilization')
    port = _flag_value(args, '--port') or '8000'
    bindings = ((data.get('HostConfig') or {}).get('PortBindings') or {}).get('%s/tcp' % port) or []
    if not bindings:
        raise ContainerSettingsError('container %s publishes no host port for vLLM\'s port %s' % (name, port))
    binding = bindings[0] or {}
    try:
        url = base_url(binding.get('HostIp') or '0.0.0.0', binding.get('HostPort') or port,
                       name='the port binding of container %s' % name)
        utilization = float(utilization) if utilization is not None else DEFAULT_UTILIZATION
    except ValueError as exc:  # URLError is one too
        raise ContainerSettingsError('container %s: %s' % (name, exc))
    label = (config.get('Labels') or {}).get(GATE_LABEL)
    gate = dict(LEGACY_GATE)
    if label:
        try:
            gate.update(json.loads(label))
        except ValueError as exc:
            raise ContainerSettingsError('container %s: label %s is not JSON: %s' % (name, GATE_LABEL, exc))
    return {
        'container_id': data.get('Id'),
        'model': model,
        'served_model_name': _flag_value(args, '--served-model-name') or model,
        'gpu_memory_utilization': utilization,
        'port': int(port),
        'host_port': int(binding.get('HostPort') or port),
        'vllm_url': url,
        'api_key': env.get('VLLM_API_KEY') or _flag_value(args, '--api-key') or None,
        'margin': gate['margin'],
        'health_timeout': float(gate['health_timeout']),
        'labelled': bool(label),
    }


def container_addresses(inspect_output):
    """The container's own addresses on its networks (none while it is stopped)."""
    data = json.loads(inspect_output)
    data = data[0] if isinstance(data, list) and data else data
    networks = ((data or {}).get('NetworkSettings') or {})
    found = [net.get('IPAddress') for net in (networks.get('Networks') or {}).values() if net.get('IPAddress')]
    if networks.get('IPAddress') and networks['IPAddress'] not in found:
        found.append(networks['IPAddress'])
    return found


def docker_inspect(run, name):
    """The one ``docker inspect`` of a container: ``run(argv) -> (rc, stdout, stderr)``, where
    ``argv[0]`` is ``docker`` (a module's ``run`` puts the CLI's path there: ``_memory_info.docker_run``)."""
    return run(['docker', 'inspect', '--type', 'container', name])


def own_listener_check(run, name, settings, proc='/proc'):
    """A check for ``_vllm.wait_serving``: None while the listener on the container's host port is
    docker's proxy for THIS container (or none: NAT), else the sentence naming who holds it. Run
    before every request that decides: the completion carries the API key, and a stranger's answer
    must not make a start look healthy."""
    def check():
        rc, out, err = docker_inspect(run, name)
        addresses = container_addresses(out) if rc == 0 else []
        return container_listener_problem(settings['host_port'], name, addresses, settings['port'], proc=proc)
    return check


def read_container_settings(run, name):
    """``container_settings`` through ``run(argv) -> (rc, stdout, stderr)``."""
    rc, out, err = docker_inspect(run, name)
    if rc != 0:
        raise ContainerSettingsError('docker inspect %s failed (rc=%d): %s' % (name, rc, (err or out).strip()))
    return container_settings(out, name)


# The record of the configuration that last served (the gate writes it once vLLM serves; a
# gated restart reads it before anything stops, to know whether the running container can be
# kept for a rollback).
RECORD_KEYS = ('container_id', 'image', 'model', 'served_model_name', 'serving_since')
_ID_RE = re.compile(r'^[0-9a-f]{64}$')


class RecordError(Exception):
    """The record exists but cannot be trusted."""


def read_record(path, opener=open):
    """The record at ``path``: a dict, or None when there is none. Raises RecordError, naming the
    file and what is wrong with it, for an empty, corrupt or incomplete one."""
    try:
        with opener(path, 'r') as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        if getattr(exc, 'errno', None) == 2:
            return None
        raise RecordError('cannot read %s: %s' % (path, exc))
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise RecordError('%s is not JSON (%s bytes): %s' % (path, len(text), exc))
    if not isinstance(record, dict):
        raise RecordError('%s holds %s, not a record' % (path, type(record).__name__))
    missing = [key for key in RECORD_KEYS if not record.get(key)]
    if missing:
        raise RecordError('%s lacks %s' % (path, ', '.join(missing)))
    if not _ID_RE.match(str(record['container_id'])):
        raise RecordError('%s: container_id %r is not a docker container id' % (path, record['container_id']))
    return record


def write_record(path, record, fs=None):
    """Write ``record`` at ``path`` so that a reader finds the old one or the new one, whole, also
    after a power loss: a temporary file in the same directory, fsync, rename, fsync of the
    directory. Raises OSError (the caller fails the start: a lost record is a lost rollback)."""
    fs = fs or os
    missing = [key for key in RECORD_KEYS if not record.get(key)]
    if missing:
        raise ValueError('record lacks %s' % ', '.join(missing))
    folder = os.path.dirname(path) or '.'
    tmp = '%s.tmp.%d' % (path, fs.getpid())
    data = json.dumps(record, sort_keys=True).encode('utf-8')
    fd = fs.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0), 0o600)
    try:
        written = 0
        while written < len(data):
            written += fs.write(fd, data[written:])
        fs.fsync(fd)
    except Exception:
        fs.close(fd)
        fs.unlink(tmp)
        raise
    fs.close(fd)
    fs.rename(tmp, path)
    dfd = fs.open(folder, os.O_RDONLY)
    try:
        fs.fsync(dfd)
    finally:
        fs.close(dfd)
