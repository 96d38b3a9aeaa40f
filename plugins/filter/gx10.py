# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters that check values the way Ollama itself will parse them."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError

# Go's time.unitMap, in nanoseconds; both spellings of "micro" are accepted by Go.
_UNITS = {
    'ns': 1,
    'us': 1000,
    u'\u00b5s': 1000,
    u'\u03bcs': 1000,
    'ms': 1000 * 1000,
    's': 1000 * 1000 * 1000,
    'm': 60 * 1000 * 1000 * 1000,
    'h': 3600 * 1000 * 1000 * 1000,
}
_INT64_MAX = (1 << 63) - 1
_NS_PER_SECOND = 1000 * 1000 * 1000
_DIGITS = '0123456789'


def _parse_go_duration(text):
    """Port of Go's time.ParseDuration; returns nanoseconds or None where Go errors."""
    s = text
    neg = False
    if s and s[0] in '+-':
        neg = s[0] == '-'
        s = s[1:]
    if s == '0':
        return 0
    if not s:
        return None
    total = 0
    while s:
        if s[0] != '.' and s[0] not in _DIGITS:
            return None
        i = 0
        while i < len(s) and s[i] in _DIGITS:
            i += 1
        whole, s = s[:i], s[i:]
        frac = ''
        if s.startswith('.'):
            j = 1
            while j < len(s) and s[j] in _DIGITS:
                j += 1
            frac, s = s[1:j], s[j:]
        if not whole and not frac:
            return None
        k = 0
        while k < len(s) and s[k] != '.' and s[k] not in _DIGITS:
            k += 1
        unit, s = s[:k], s[k:]
        if unit not in _UNITS:
            return None
        scale = _UNITS[unit]
        value = int(whole or '0')
        if value > (1 << 63) // scale:
            return None
        value *= scale
        if frac:
            # Go truncates the fractional part towards zero, in float64.
            value += int(float(int(frac)) * (float(scale) / float(10 ** len(frac))))
            if value > 1 << 63:
                return None
        total += value
        if total > 1 << 63:
            return None
    if neg:
        return -total
    if total > _INT64_MAX:
        return None
    return total


def go_duration_seconds(value):
    """Seconds that Ollama reads from an OLLAMA_* duration setting, or None.

    Ollama (envconfig) tries time.ParseDuration, then strconv.ParseInt as seconds, and
    silently falls back to its default when both fail; None marks exactly that case.
    """
    if isinstance(value, bool):
        return None
    text = u'%s' % (value,)
    nanos = _parse_go_duration(text)
    if nanos is not None:
        return nanos / float(_NS_PER_SECOND)
    body = text[1:] if text[:1] in ('+', '-') else text
    if not body or any(c not in _DIGITS for c in body):
        return None
    seconds = int(text)
    # time.Duration(n) * time.Second wraps silently past int64 nanoseconds.
    if abs(seconds) > _INT64_MAX // _NS_PER_SECOND:
        return None
    return float(seconds)


def systemd_env_value(value):
    """The string written for an Environment= value (booleans as true/false)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (dict, list, tuple)):
        raise AnsibleFilterError('systemd_env_value: expected a scalar, got %s' % type(value).__name__)
    return u'%s' % (value,)


def systemd_quote(value):
    """Escape a value for a double-quoted systemd Environment= assignment."""
    text = systemd_env_value(value)
    return text.replace('\\', '\\\\').replace('"', '\\"').replace('%', '%%')


class FilterModule(object):
    def filters(self):
        return {
            'go_duration_seconds': go_duration_seconds,
            'systemd_env_value': systemd_env_value,
            'systemd_quote': systemd_quote,
        }
