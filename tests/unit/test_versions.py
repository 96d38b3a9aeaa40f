# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Versions that tell the truth: what shipped in 0.1.0 says 0.1.0, everything added since says the
version that brings it (after 0.1.0, at most galaxy.yml's), galaxy.yml is above the last release
once there are changes to release, and the changelog fragments stay short."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import glob
import os
import re

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRST = '0.1.0'

# What the 0.1.0 release held (the tree of 2026-11-25, its release date in
# changelogs/changelog.yaml): the modules with their options, the filters with theirs.
SHIPPED_MODULES = {
    'memory_info': {'api_key', 'gpu_memory_utilization', 'headers', 'margin', 'ollama_url', 'request_timeout',
                    'validate_certs', 'vllm_container_name', 'vllm_url'},
    'ollama_unload': {'drop_caches', 'headers', 'margin', 'models', 'on_unreachable', 'request_timeout',
                      'require_available', 'require_fraction', 'restart_unit', 'url', 'validate_certs', 'wait',
                      'wait_timeout'},
}
SHIPPED_FILTERS = {
    'go_duration_seconds': {'_input'},
    'systemd_env_value': {'_input'},
    'systemd_quote': {'_input'},
    'memory_report_table': {'_input', 'hostvars', 'var'},
}
# antsibull-changelog renders each entry as one bullet: two lines of about 120 characters.
MAX_FRAGMENT_ENTRY = 240


def version(text):
    return tuple(int(part) for part in str(text).split('.'))


def galaxy_version():
    with open(os.path.join(REPO, 'galaxy.yml')) as handle:
        return str(yaml.safe_load(handle)['version'])


def _python_doc(path):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == 'DOCUMENTATION':
            return yaml.safe_load(node.value.value)
    raise AssertionError('%s has no DOCUMENTATION' % path)


def _fragments():
    """{'openclaw.gx10.common[.name]': options} from plugins/doc_fragments/*.py."""
    result = {}
    for path in glob.glob(os.path.join(REPO, 'plugins', 'doc_fragments', '*.py')):
        base = 'openclaw.gx10.' + os.path.basename(path)[:-3]
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                name = node.targets[0].id
                key = base if name == 'DOCUMENTATION' else base + '.' + name.lower()
                result[key] = (yaml.safe_load(node.value.value) or {}).get('options') or {}
    return result


def _flat(options, prefix=''):
    out = {}
    for name, spec in (options or {}).items():
        out[prefix + name] = spec.get('version_added')
        out.update(_flat(spec.get('suboptions'), prefix + name + '.'))
    return out


def modules():
    """{name: (version_added, {option: version_added})}, doc fragments merged in."""
    fragments = _fragments()
    result = {}
    for path in sorted(glob.glob(os.path.join(REPO, 'plugins', 'modules', '*.py'))):
        doc = _python_doc(path)
        options = dict(doc.get('options') or {})
        for fragment in doc.get('extends_documentation_fragment') or []:
            options.update(fragments.get(fragment, {}))
        result[os.path.basename(path)[:-3]] = (doc.get('version_added'), _flat(options))
    return result


def filters():
    result = {}
    for path in sorted(glob.glob(os.path.join(REPO, 'plugins', 'filter', '*.yml'))):
        with open(path) as handle:
            doc = yaml.safe_load(handle)['DOCUMENTATION']
        result[doc['name']] = (doc.get('version_added'), _flat(doc.get('options')))
    return result


def problems(plugins, shipped, current):
    """What is wrong with the version_added of `plugins` ({name: (version_added, options)})."""
    found = []
    for name, (added, options) in sorted(plugins.items()):
        if name in shipped:
            if str(added) != FIRST:
                found.append('%s shipped in %s but says version_added %s' % (name, FIRST, added))
            expected_low = version(FIRST)
        else:
            if added is None or not version(FIRST) < version(added) <= version(current):
                found.append('%s is new since %s: version_added must be after %s and at most %s (galaxy.yml), not %s'
                             % (name, FIRST, FIRST, current, added))
                continue
            expected_low = version(added)
        for option, option_added in sorted(options.items()):
            old = name in shipped and option in shipped[name]
            if old:
                if option_added is not None and str(option_added) != FIRST:
                    found.append('%s option %s shipped in %s but says version_added %s' % (name, option, FIRST, option_added))
            elif name in shipped and option_added is None:
                found.append('%s option %s is new since %s: give it version_added: %s' % (name, option, FIRST, current))
            elif option_added is not None and not expected_low <= version(option_added) <= version(current):
                low = '.'.join(map(str, expected_low))
                found.append('%s option %s says version_added %s: outside %s..%s' % (name, option, option_added, low, current))
    return found


def test_modules_say_when_they_came():
    assert set(SHIPPED_MODULES) <= set(modules()), 'a module of %s is gone: that is a breaking change' % FIRST
    assert problems(modules(), SHIPPED_MODULES, galaxy_version()) == []


def test_filters_say_when_they_came():
    assert set(SHIPPED_FILTERS) <= set(filters()), 'a filter of %s is gone: that is a breaking change' % FIRST
    assert problems(filters(), SHIPPED_FILTERS, galaxy_version()) == []


@pytest.mark.parametrize('plugins,expected', [
    ({'old': ('0.1.0', {'a': None})}, []),
    ({'old': ('0.2.0', {'a': None})}, ['old shipped in 0.1.0 but says version_added 0.2.0']),
    ({'old': ('0.1.0', {'a': None, 'b': None})}, ['old option b is new since 0.1.0: give it version_added: 0.2.0']),
    ({'old': ('0.1.0', {'a': None, 'b': '0.2.0'})}, []),
    ({'old': ('0.1.0', {'a': None, 'b': '0.3.0'})}, ['old option b says version_added 0.3.0: outside 0.1.0..0.2.0']),
    ({'new': ('0.1.0', {})}, ['new is new since 0.1.0: version_added must be after 0.1.0 and at most 0.2.0 (galaxy.yml), not 0.1.0']),
    ({'new': (None, {})}, ['new is new since 0.1.0: version_added must be after 0.1.0 and at most 0.2.0 (galaxy.yml), not None']),
    ({'new': ('0.2.0', {'x': None, 'y': '0.2.0'})}, []),
])
def test_problems_are_found(plugins, expected):
    assert problems(plugins, {'old': {'a'}}, '0.2.0') == expected


def _released():
    with open(os.path.join(REPO, 'changelogs', 'changelog.yaml')) as handle:
        return sorted((yaml.safe_load(handle).get('releases') or {}), key=version)


def _fragment_files():
    return sorted(p for p in glob.glob(os.path.join(REPO, 'changelogs', 'fragments', '*'))
                  if p.endswith(('.yml', '.yaml')))


def test_galaxy_version_is_above_the_last_release_when_there_is_news():
    released = _released()
    assert released and released[0] == FIRST
    if _fragment_files():
        assert version(galaxy_version()) > version(released[-1]), \
            'changelogs/fragments holds unreleased changes: raise galaxy.yml above %s' % released[-1]


@pytest.mark.parametrize('path', _fragment_files(), ids=os.path.basename)
def test_changelog_fragments_are_short(path):
    with open(path) as handle:
        data = yaml.safe_load(handle) or {}
    for section, entries in data.items():
        if section == 'release_summary':  # a paragraph by design
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            text = ' '.join(str(entry).split())
            assert len(text) <= MAX_FRAGMENT_ENTRY, \
                '%s: a %s entry of %d characters; one or two lines (%d) each: %s' % (
                    os.path.basename(path), section, len(text), MAX_FRAGMENT_ENTRY, text[:80])


def test_the_execution_environment_installs_this_version():
    """execution-environment.yml copies the tarball `ansible-galaxy collection build` writes for
    galaxy.yml's version (a version raised without it breaks the image's build)."""
    with open(os.path.join(REPO, 'execution-environment.yml')) as handle:
        text = handle.read()
    tarball = 'openclaw-gx10-%s.tar.gz' % galaxy_version()
    named = set(re.findall(r'openclaw-gx10-[0-9][0-9.]*[0-9]\.tar\.gz', text))
    assert named == {tarball}, 'execution-environment.yml names %s; galaxy.yml builds %s' % (sorted(named), tarball)
