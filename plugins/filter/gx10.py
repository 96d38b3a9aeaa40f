# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters that check values the way Ollama itself will parse them.

Thin wrappers: the parsers and Ollama's rules by version live in module_utils/_ollama_env.py.
Every input gives a value or an AnsibleFilterError that names the filter and the input.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.openclaw.gx10.plugins.module_utils._ollama_env import (
    EnvValueError, check_environment, duration_seconds, env_text, parse_version, rules_for,
)


def _refuse(name, exc):
    raise AnsibleFilterError('%s: %s' % (name, exc))


def go_duration_seconds(value):
    """Seconds that Ollama reads from an OLLAMA_* duration setting, or None where it would not."""
    try:
        return duration_seconds(value)
    except EnvValueError as exc:
        _refuse('go_duration_seconds', exc)


def systemd_env_value(value):
    """The string written for an Environment= value (booleans as true/false)."""
    try:
        return env_text(value)
    except EnvValueError as exc:
        _refuse('systemd_env_value', exc)


def systemd_quote(value):
    """Escape a value for a double-quoted systemd Environment= assignment."""
    try:
        text = env_text(value)
    except EnvValueError as exc:
        _refuse('systemd_quote', exc)
    return text.replace('\\', '\\\\').replace('"', '\\"').replace('%', '%%')


def ollama_version(value):
    """The version in `ollama -v` output or an /api/version reply, or None."""
    if value is not None and not isinstance(value, (str, int, float)):
        _refuse('ollama_version', 'expected text, got %s' % type(value).__name__)
    return parse_version(value)


def ollama_env_rules(version):
    """The rules that apply to an installed Ollama version (newest known when unknown)."""
    if version is not None and not isinstance(version, str):
        _refuse('ollama_env_rules', 'expected a version string, got %s' % type(version).__name__)
    return rules_for(version)


def ollama_env_check(settings, environment=None, version=None, labels=None):
    """Errors and warnings for drop-in settings against the installed Ollama's rules."""
    if labels is not None and not isinstance(labels, dict):
        _refuse('ollama_env_check', 'labels: expected a mapping, got %s' % type(labels).__name__)
    if version is not None and not isinstance(version, str):
        _refuse('ollama_env_check', 'version: expected a string, got %s' % type(version).__name__)
    try:
        return check_environment(settings, environment, version, labels)
    except EnvValueError as exc:
        _refuse('ollama_env_check', exc)


class FilterModule(object):
    def filters(self):
        return {
            'go_duration_seconds': go_duration_seconds,
            'systemd_env_value': systemd_env_value,
            'systemd_quote': systemd_quote,
            'ollama_version': ollama_version,
            'ollama_env_rules': ollama_env_rules,
            'ollama_env_check': ollama_env_check,
        }
