# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Every role's meta/argument_specs.yml must stay in step with its defaults/main.yml:
# ansible-doc and the argument validation read the specs, the plays read the defaults.
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
               for p in glob.glob(os.path.join(REPO, 'roles', '*', 'meta', 'argument_specs.yml')))


def _load(role):
    with open(os.path.join(REPO, 'roles', role, 'defaults', 'main.yml')) as f:
        defaults = yaml.safe_load(f) or {}
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml')) as f:
        options = yaml.safe_load(f)['argument_specs']['main']['options']
    return defaults, options


def test_roles_found():
    assert 'ollama' in ROLES


@pytest.mark.parametrize('role', ROLES)
def test_every_default_is_documented(role):
    defaults, options = _load(role)
    public = {k for k in defaults if not k.startswith('_')}
    assert sorted(public - set(options)) == []


@pytest.mark.parametrize('role', ROLES)
def test_every_option_has_a_default(role):
    defaults, options = _load(role)
    assert sorted(set(options) - set(defaults)) == []


@pytest.mark.parametrize('role', ROLES)
def test_static_defaults_match(role):
    defaults, options = _load(role)
    mismatched = []
    for name, spec in options.items():
        value = defaults.get(name)
        if isinstance(value, str) and '{{' in value:
            # Computed defaults are described in prose, not given as a literal default.
            if 'default' in spec:
                mismatched.append((name, 'templated default also has a literal spec default'))
            continue
        if 'default' not in spec:
            mismatched.append((name, 'no default in spec'))
        elif spec['default'] != value:
            mismatched.append((name, spec['default'], value))
    assert mismatched == []


@pytest.mark.parametrize('role', ROLES)
def test_choices_contain_default(role):
    defaults, options = _load(role)
    for name, spec in options.items():
        if 'choices' in spec and name in defaults and '{{' not in str(defaults[name]):
            assert defaults[name] in spec['choices'], name
