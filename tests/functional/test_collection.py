# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection as a user meets it: it builds, and every public piece has rendered docs."""
import glob
import json
import os
import subprocess
import tarfile

import pytest
from gx10_functional import REPO, ansible_env

MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO, 'plugins', 'modules', '*.py'))
                 if not os.path.basename(p).startswith('_'))
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
               for p in glob.glob(os.path.join(REPO, 'roles', '*', 'meta', 'argument_specs.yml')))
FILTERS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(REPO, 'plugins', 'filter', '*.yml')))


def run(*cmd, cwd=None):
    return subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, env=ansible_env(), timeout=300,
                          check=False)


def test_public_pieces_found():
    assert {'ollama_unload', 'memory_info'} <= set(MODULES)
    assert {'ollama', 'vllm'} <= set(ROLES)
    assert 'go_duration_seconds' in FILTERS


@pytest.mark.parametrize('module', MODULES)
def test_module_docs_render(module):
    out = run('ansible-doc', '--json', 'openclaw.gx10.' + module)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)['openclaw.gx10.' + module]
    assert doc['doc']['options'] and doc['examples'] and doc['return']


@pytest.mark.parametrize('role', ROLES)
def test_role_docs_render(role):
    out = run('ansible-doc', '-t', 'role', 'openclaw.gx10.' + role)
    assert out.returncode == 0, out.stderr
    with open(os.path.join(REPO, 'roles', role, 'defaults', 'main.yml')) as f:
        public = [line.split(':', 1)[0] for line in f if line[:1].isalpha()]
    missing = [name for name in public if name not in out.stdout]
    assert missing == []


@pytest.mark.parametrize('name', FILTERS)
def test_filter_docs_render(name):
    out = run('ansible-doc', '-t', 'filter', 'openclaw.gx10.' + name)
    assert out.returncode == 0, out.stderr
    assert 'EXAMPLES' in out.stdout


def test_collection_builds_without_build_outputs(tmp_path):
    out = run('ansible-galaxy', 'collection', 'build', '--output-path', str(tmp_path), REPO)
    assert out.returncode == 0, out.stderr
    [artifact] = glob.glob(str(tmp_path / 'openclaw-gx10-*.tar.gz'))
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
    assert 'plugins/modules/ollama_unload.py' in names
    assert 'roles/ollama/meta/argument_specs.yml' in names
    assert 'playbooks/site.yml' in names
    assert not [n for n in names if n.startswith(('.cache', '.venv', '.git/', 'lab/'))]
