# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unified-memory arithmetic for GB10 hosts (private to openclaw.gx10).

Everything here works on plain integers of bytes.  The figure that answers
"will vLLM fit" on a GB10 host is ``MemAvailable`` from ``/proc/meminfo``:
vLLM on integrated GPUs takes its "free" reading from it and then demands
``ceil(MemTotal x gpu_memory_utilization)`` bytes.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import math
import os
import re
from decimal import Decimal, InvalidOperation

MEMINFO_PATH = '/proc/meminfo'
PROC_PATH = '/proc'

KIB = 1024
MIB = 1024 ** 2
GIB = 1024 ** 3
TIB = 1024 ** 4

# Exact multipliers.  Decimal (SI) units are powers of 1000, binary (IEC)
# units are powers of 1024.  A bare K/M/G/T is ambiguous and is rejected.
_UNITS = {
    '': 1,
    'b': 1,
    'kb': 1000, 'mb': 1000 ** 2, 'gb': 1000 ** 3, 'tb': 1000 ** 4,
    'kib': KIB, 'mib': MIB, 'gib': GIB, 'tib': TIB,
    'ki': KIB, 'mi': MIB, 'gi': GIB, 'ti': TIB,
}
_AMBIGUOUS = ('k', 'm', 'g', 't')

_SIZE_RE = re.compile(r'^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*$')


class MeminfoError(Exception):
    """Raised for unreadable or malformed memory information."""


class SizeError(ValueError):
    """Raised when a size does not parse."""


class UtilizationError(ValueError):
    """Raised when a gpu_memory_utilization is not a fraction vLLM accepts."""


def parse_size(value, name='size'):
    """Return the number of bytes in ``value``.

    ``value`` is an integer of bytes, or a string: a number with an optional
    unit (``110GiB``, ``3GB``, ``1.5 GiB``, ``4096``).  GB/MB/KB/TB are powers
    of 1000; GiB/MiB/KiB/TiB (and Gi/Mi/Ki/Ti) powers of 1024.  A fractional
    result is rounded up to the next whole byte.  ``name`` is used in error
    messages (e.g. the option name).
    """
    if isinstance(value, bool) or value is None:
        raise SizeError('%s: %r is not a size; use bytes or a number with a unit such as 110GiB or 3GB' % (name, value))
    if isinstance(value, int):
        if value < 0:
            raise SizeError('%s: %d is negative' % (name, value))
        return value
    if isinstance(value, float):
        if value < 0 or math.isnan(value) or math.isinf(value):
            raise SizeError('%s: %r is not a non-negative number of bytes' % (name, value))
        return int(math.ceil(value))
    text = str(value)
    match = _SIZE_RE.match(text)
    if not match:
        raise SizeError(
            '%s: cannot parse %r as a size; use bytes or a number with a unit '
            '(B, KB, MB, GB, TB = powers of 1000; KiB, MiB, GiB, TiB = powers of 1024), e.g. 110GiB' % (name, text))
    number, unit = match.group(1), match.group(2).lower()
    if unit in _AMBIGUOUS:
        raise SizeError(
            '%s: unit %r in %r is ambiguous; write %sB (powers of 1000) or %siB (powers of 1024)'
            % (name, match.group(2), text, match.group(2).upper(), match.group(2).upper()))
    if unit not in _UNITS:
        raise SizeError(
            '%s: unknown unit %r in %r; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)'
            % (name, match.group(2), text))
    try:
        amount = Decimal(number) * _UNITS[unit]
    except InvalidOperation:
        raise SizeError('%s: cannot parse %r as a size' % (name, text))
    return int(amount.to_integral_value(rounding='ROUND_CEILING'))


def format_bytes(value):
    """Human form in binary units with two decimals: ``119.52 GiB``."""
    if value is None:
        return 'unknown'
    value = int(value)
    sign = '-' if value < 0 else ''
    value = abs(value)
    for unit, size in (('TiB', TIB), ('GiB', GIB), ('MiB', MIB), ('KiB', KIB)):
        if value >= size:
            return '%s%.2f %s' % (sign, value / size, unit)
    return '%s%d B' % (sign, value)


def parse_meminfo(text):
    """Parse the text of /proc/meminfo into a dict of bytes (kB x 1024)."""
    result = {}
    for line in text.splitlines():
        if ':' not in line:
            continue
        key, rest = line.split(':', 1)
        parts = rest.split()
        if not parts:
            continue
        try:
            number = int(parts[0])
        except ValueError:
            continue
        if len(parts) > 1 and parts[1].lower() == 'kb':
            number *= 1024
        result[key.strip()] = number
    return result


def read_meminfo(path=MEMINFO_PATH):
    """Read /proc/meminfo (or ``path``) and return a dict of bytes.

    Raises MeminfoError when the file is unreadable or lacks MemTotal/MemAvailable.
    """
    try:
        with open(path, 'r') as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        raise MeminfoError('cannot read %s: %s' % (path, exc))
    info = parse_meminfo(text)
    for key in ('MemTotal', 'MemAvailable'):
        if key not in info:
            raise MeminfoError('%s has no %s line' % (path, key))
    return info


def snapshot(path=MEMINFO_PATH):
    """Return ``{'total', 'available', 'free'}`` in bytes."""
    info = read_meminfo(path)
    return {
        'total': info['MemTotal'],
        'available': info['MemAvailable'],
        'free': info.get('MemFree'),
    }


def parse_utilization(value, name='gpu_memory_utilization'):
    """Return ``value`` as a float in (0, 1], the interval vLLM's CacheConfig accepts (gt=0, le=1).

    ``value`` is a number or a numeric string (``0.85``, ``.9``, ``1``); booleans, NaN and
    anything outside (0, 1] raise UtilizationError naming ``name``.
    """
    text = value if isinstance(value, str) else repr(value)
    try:
        if isinstance(value, bool) or value is None:
            raise ValueError(text)
        fraction = float(value)
    except (TypeError, ValueError):
        raise UtilizationError('%s: %s is not a number; use a fraction of MemTotal in (0, 1] such as 0.90'
                               % (name, text))
    if not 0 < fraction <= 1:  # NaN fails this too
        raise UtilizationError('%s: %s is outside (0, 1]; it is a fraction of MemTotal such as 0.90' % (name, text))
    return fraction


def fraction_bytes(mem_total, fraction):
    """vLLM's request: ``math.ceil(total * gpu_memory_utilization)`` (float arithmetic, as vLLM does)."""
    return int(math.ceil(mem_total * fraction))


def required_bytes(mem_total, fraction=None, available=None, margin=0):
    """Bytes of MemAvailable needed: the fraction of MemTotal (vLLM's formula) or an absolute figure, plus margin.

    Returns None when neither ``fraction`` nor ``available`` is given.
    """
    if fraction is not None and available is not None:
        raise ValueError('give either a fraction or an absolute requirement, not both')
    if fraction is not None:
        base = fraction_bytes(mem_total, parse_utilization(fraction, 'fraction'))
    elif available is not None:
        base = int(available)
    else:
        return None
    return base + int(margin or 0)


def predict_fit(available_now, required, ollama_resident_bytes=0, other_reclaimable_bytes=0):
    """Predict whether ``required`` bytes will be available once Ollama (and others) release memory.

    ``available_now`` is MemAvailable now; ``ollama_resident_bytes`` the sum of the
    ``size`` of the models that will be evicted; ``other_reclaimable_bytes`` anything
    else that will be released first (e.g. a vLLM container about to be stopped).
    Returns a dict: ``fits`` (bool), ``projected`` (bytes), ``required``,
    ``shortfall`` (bytes missing, 0 when it fits).
    """
    projected = int(available_now) + int(ollama_resident_bytes or 0) + int(other_reclaimable_bytes or 0)
    required = int(required)
    return {
        'fits': projected >= required,
        'projected': projected,
        'required': required,
        'shortfall': max(0, required - projected),
    }


def top_processes(count=5, proc=PROC_PATH):
    """The ``count`` largest processes by resident memory: list of ``{name, pid, rss}`` (rss in bytes).

    Processes that vanish or cannot be read while scanning are skipped.
    """
    found = []
    try:
        entries = os.listdir(proc)
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        name = None
        rss = None
        try:
            with open(os.path.join(proc, entry, 'status'), 'r') as handle:
                for line in handle:
                    if line.startswith('Name:'):
                        name = line.split(':', 1)[1].strip()
                    elif line.startswith('VmRSS:'):
                        parts = line.split()
                        rss = int(parts[1]) * 1024
                        break
        except (IOError, OSError, ValueError, IndexError):
            continue
        if rss is None:
            continue  # kernel threads have no VmRSS
        found.append({'name': name, 'pid': int(entry), 'rss': rss})
    found.sort(key=lambda item: (-item['rss'], item['pid']))
    return found[:count]


def format_processes(processes):
    """``python3 (pid 123) 1.50 GiB, dockerd (pid 9) 80.00 MiB``."""
    if not processes:
        return 'none readable'
    return ', '.join('%s (pid %d) %s' % (p['name'], p['pid'], format_bytes(p['rss'])) for p in processes)


def describe_fit(fit, total, ollama_models=()):
    """The restart prediction in words, the figures as the gate prints them.

    ``fit`` is ``memory_info``'s ``restart_fit`` (``gpu_memory_utilization``, ``requested``,
    ``required``, ``projected``, ``available_now``, ``reclaimable_ollama``, ``reclaimable_vllm``).
    """
    names = ', '.join(ollama_models) if ollama_models else 'nothing'
    return ('Needed ceil(MemTotal x %s) = %s + margin %s = %s (%d bytes); at best %s (%d bytes) = '
            'MemAvailable %s + Ollama %s (%s) + current vLLM %s, of MemTotal %s.'
            % (fit['gpu_memory_utilization'], format_bytes(fit['requested']),
               format_bytes(fit['required'] - fit['requested']), format_bytes(fit['required']), fit['required'],
               format_bytes(fit['projected']), fit['projected'], format_bytes(fit['available_now']),
               format_bytes(fit['reclaimable_ollama']), names, format_bytes(fit['reclaimable_vllm']),
               format_bytes(total)))
