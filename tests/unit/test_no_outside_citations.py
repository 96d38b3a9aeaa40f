# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The repository cites nothing outside itself: no tracked file names the engineers' private notes
(the domain and test-infrastructure notes beside the checkout) or a path up into a `shared` folder
that is not one of the repository's own folders. A fact goes into the project in its own words, or with its
public source (an upstream file, issue or document)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Spelled in pieces so that this file does not cite them itself.
NOTES = ('domain' + '.md', 'test-infra' + '.md', 'shared' + '/reference')
UP = '..' + '/shared'
SHARED_RE = re.compile(r'((?:\.\./)+shared)((?:/[A-Za-z0-9_.-]+)*)')


def tracked_files():
    out = subprocess.run(['git', 'ls-files', '-z'], cwd=REPO, capture_output=True, check=True).stdout
    return sorted(p for p in out.decode('utf-8', 'surrogateescape').split('\0') if p)


def _inside(path):
    real = os.path.realpath(path)
    return real == REPO or real.startswith(REPO + os.sep)


def shared_path_ok(rel, cited):
    """A path up into `shared` is the repository's own when it names an existing path inside the
    repository, seen from the citing file's folder or one of its subfolders (Molecule resolves a
    scenario's paths from the scenario's folder: extensions/molecule/shared for a scenario)."""
    cited = cited.rstrip('.')
    base = os.path.join(REPO, os.path.dirname(rel))
    bases = [base] + [os.path.join(base, d) for d in sorted(os.listdir(base)) if os.path.isdir(os.path.join(base, d))]
    for start in bases:
        target = os.path.normpath(os.path.join(start, cited))
        if _inside(target) and os.path.exists(target):
            return True
    return False


def citations(rel, text):
    """The outside citations in one file's text: (line number, what)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for note in NOTES:
            if note in line:
                found.append((number, note))
        for match in SHARED_RE.finditer(line):
            cited = match.group(1) + match.group(2)
            if not shared_path_ok(rel, cited):
                found.append((number, cited))
    return found


def test_no_tracked_file_cites_a_file_outside_the_repository():
    found = []
    for rel in tracked_files():
        path = os.path.join(REPO, rel)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, 'rb') as handle:
            data = handle.read()
        if b'\0' in data:
            continue
        for number, what in citations(rel, data.decode('utf-8', 'replace')):
            found.append('%s:%d cites %s' % (rel, number, what))
    assert found == [], 'write the fact in the project\'s own words, or cite its public source:\n' + '\n'.join(found)


@pytest.mark.parametrize('rel,text,expected', [
    ('plugins/module_utils/_poll.py', '# within 0.4-8 ms (' + 'domain' + '.md).', [(1, 'domain' + '.md')]),
    ('tests/ollama/README.md', 'x\nnot in ' + 'test-infra' + '.md', [(2, 'test-infra' + '.md')]),
    ('tests/emulators/x.py', 'docs in ' + UP + '/reference/notes',
     [(1, 'shared' + '/reference'), (1, UP + '/reference/notes')]),
    ('README.md', 'see ' + UP + '/notes.txt', [(1, UP + '/notes.txt')]),
    ('extensions/molecule/config.yml', 'create: ' + UP + '/create.yml', []),
    ('extensions/molecule/drills/molecule.yml', '# ' + UP + '/create.yml.', []),
    ('extensions/molecule/drills/molecule.yml', '# ' + UP + '/nothing.yml', [(1, UP + '/nothing.yml')]),
])
def test_citations_are_found(rel, text, expected):
    assert citations(rel, text) == expected
