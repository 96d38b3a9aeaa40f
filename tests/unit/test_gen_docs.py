# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""README.md and roles/*/README.md carry the variable tables scripts/gen_docs.py writes from
meta/argument_specs.yml: a hand edit of a table, or a spec changed without regenerating, fails."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _gen_docs():
    spec = importlib.util.spec_from_file_location('openclaw_gen_docs', os.path.join(REPO, 'scripts', 'gen_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_docs = _gen_docs()
TARGETS = gen_docs.targets()


@pytest.mark.parametrize('path', sorted(TARGETS), ids=lambda p: os.path.relpath(p, REPO))
def test_generated_docs_are_up_to_date(path):
    text, generated = TARGETS[path]
    assert generated is not None, '%s is missing' % path
    assert text == generated, 'out of date: run python scripts/gen_docs.py'


@pytest.mark.parametrize('role', gen_docs.roles())
def test_every_role_has_a_readme_with_every_variable(role):
    specs, _defaults = gen_docs.load_role(role)
    for path in (os.path.join(REPO, 'README.md'), os.path.join(REPO, 'roles', role, 'README.md')):
        with open(path) as handle:
            text = handle.read()
        table = gen_docs.variables_table(role)
        assert table in text, '%s lacks the generated table of %s' % (path, role)
        for name in specs['main']['options']:
            assert '| `%s` |' % name in table


def test_a_hand_edit_is_detected():
    text, generated = TARGETS[os.path.join(REPO, 'README.md')]
    edited = generated.replace('| `vllm_port` | int | `8000` |', '| `vllm_port` | int | `8001` |')
    assert edited != generated
    assert gen_docs.render(edited) == generated  # regenerating restores the table


@pytest.mark.parametrize('text,expected', [
    ('C(ceil(MemTotal x utilization)) bytes', '`ceil(MemTotal x utilization)` bytes'),
    ('O(gx10_primary_server=vllm), V(0)', '`gx10_primary_server=vllm`, `0`'),
    ('filter P(openclaw.gx10.size_bytes#filter)', 'filter `openclaw.gx10.size_bytes`'),
    ('I(only) B(this) L(docs, https://x.invalid) U(https://y.invalid)',
     '*only* **this** [docs](https://x.invalid) https://y.invalid'),
    ('ABC(x) stays', 'ABC(x) stays'),
])
def test_markup(text, expected):
    assert gen_docs.markdown(text) == expected
