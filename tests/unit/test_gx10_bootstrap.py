# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/gx10_bootstrap.py, what scripts/bootstrap.sh needs Python for: the venv221 step's
requirements merge, on the repository's own requirements files."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, 'scripts', 'gx10_bootstrap.py')
REQS = [os.path.join(REPO, 'tests', name) for name in
        ('requirements-2.21.txt', 'requirements.txt', 'requirements-ollama.txt')]


def _load():
    spec = importlib.util.spec_from_file_location('openclaw_gx10_bootstrap', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gb = _load()


def _lines(path):
    with open(path, encoding='utf-8') as f:
        return list(f)


@pytest.mark.parametrize('line, name', [
    ('ansible-core==2.21.5\n', 'ansible-core'),
    ('molecule-plugins[docker]==26.10.12', 'molecule-plugins'),
    ('  Ansible_Core.Extra>=2.19  # why it is pinned', 'ansible-core-extra'),
    ('requests', 'requests'),
    ('# Ansible 14.x is the bundle built on ansible-core 2.21', None),
    ('', None),
    ('   \n', None),
    ('-r requirements.txt', None),
    ('--index-url https://example.invalid/simple', None),
])
def test_requirement_name_is_the_normalised_package_or_none(line, name):
    assert gb.requirement_name(line) == name


def test_the_merge_of_the_repository_files_keeps_the_221_pins_and_adds_the_rest():
    merged = gb.merge_requirements(_lines(REQS[0]), [_lines(REQS[1]), _lines(REQS[2])])
    names = [gb.requirement_name(line) for line in merged]
    # the 2.21 pins first and only them for their packages: not ansible-core 2.19 nor ansible 12
    first = [line.strip() for line in _lines(REQS[0]) if gb.requirement_name(line)]
    assert merged[:len(first)] == first
    assert [line for line in merged if gb.requirement_name(line) in ('ansible-core', 'ansible')] == first
    # every other package of requirements.txt and requirements-ollama.txt comes along, once
    others = [gb.requirement_name(line) for path in REQS[1:] for line in _lines(path)]
    assert set(names) == set(n for n in others if n) | set(gb.requirement_name(line) for line in first)
    assert len(names) == len(set(names))
    assert None not in names and not any(line.startswith('#') or not line.strip() for line in merged)


def test_a_pin_replaces_the_line_of_any_spelling_of_its_package():
    merged = gb.merge_requirements(
        ['# the newest\n', 'Ansible_Core==2.21.5\n'],
        [['ansible-core==2.19.14\n', 'ansible.core<3\n', 'pytest==9.2.0  # tests\n', '\n'], ['gguf==0.19.0']])
    assert merged == ['Ansible_Core==2.21.5', 'pytest==9.2.0  # tests', 'gguf==0.19.0']


def test_the_command_writes_the_merged_file_as_bootstrap_runs_it(tmp_path):
    out = tmp_path / 'requirements.merged.txt'
    proc = subprocess.run([sys.executable, SCRIPT, 'merge-requirements', str(out)] + REQS,
                          capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, '', '')
    want = gb.merge_requirements(_lines(REQS[0]), [_lines(REQS[1]), _lines(REQS[2])])
    assert out.read_text() == '\n'.join(want) + '\n'
    assert out.read_text().startswith('ansible-core==2.21.5\nansible==14.5.0\n')


def test_the_command_without_its_arguments_is_a_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, 'merge-requirements', str(tmp_path / 'out')],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert 'merge-requirements OUT FIRST' in proc.stderr
    assert not (tmp_path / 'out').exists()
    assert gb.main(['--help']) == 0


def test_a_missing_requirements_file_fails(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, 'merge-requirements', str(tmp_path / 'out'),
                           REQS[0], str(tmp_path / 'absent.txt')], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert 'absent.txt' in proc.stderr
