# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters over the collection's one parser per kind of value (module_utils), so that roles and
modules accept and refuse exactly the same sizes, utilizations and URLs."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    SizeError,
    UtilizationError,
    fraction_bytes as _fraction_bytes,
    parse_size,
    parse_utilization,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._units import unit_name_problem
from ansible_collections.openclaw.gx10.plugins.module_utils._urls import URLError, base_url as _base_url
from ansible_collections.openclaw.gx10.plugins.module_utils._urls import ollama_url as _ollama_url


def size_bytes(value, name='size'):
    """Bytes in a size (``3GiB``, ``512MB``, ``4096``); the error names ``name``."""
    try:
        return parse_size(value, name)
    except SizeError as exc:
        raise AnsibleFilterError(str(exc))


def utilization(value, name='gpu_memory_utilization'):
    """A gpu_memory_utilization as a float in (0, 1], vLLM's own interval."""
    try:
        return parse_utilization(value, name)
    except UtilizationError as exc:
        raise AnsibleFilterError(str(exc))


def fraction_bytes(mem_total, value, name='gpu_memory_utilization'):
    """What vLLM asks for: ceil(MemTotal x utilization), in bytes."""
    return _fraction_bytes(int(mem_total), utilization(value, name))


def base_url(host, port, scheme='http', name='host'):
    """``http://host:port`` for a server listening on ``host`` (wildcards to loopback, IPv6 bracketed)."""
    try:
        return _base_url(host, port, scheme, name=name)
    except URLError as exc:
        raise AnsibleFilterError(str(exc))


def ollama_url(setting, name='OLLAMA_HOST'):
    """The Ollama API URL on the host for an OLLAMA_HOST setting (None or omitted: the default)."""
    try:
        return _ollama_url(setting, name=name)
    except URLError as exc:
        raise AnsibleFilterError(str(exc))


def systemd_unit_problem(value, suffix='optional'):
    """Why ``value`` is not a service name the roles can write, or '' when it is."""
    try:
        return unit_name_problem(value, suffix)
    except ValueError as exc:
        raise AnsibleFilterError('systemd_unit_problem: %s' % exc)


class FilterModule(object):
    def filters(self):
        return {
            'size_bytes': size_bytes,
            'utilization': utilization,
            'fraction_bytes': fraction_bytes,
            'base_url': base_url,
            'ollama_url': ollama_url,
            'systemd_unit_problem': systemd_unit_problem,
        }
