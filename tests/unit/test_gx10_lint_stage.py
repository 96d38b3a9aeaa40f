# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lint stage of scripts/gx10_test.py: its four checks (ansible-lint, antsibull-changelog lint,
galaxy-importer and antsibull-docs on the built tarball) as one test each, with the commands
faked, so that what counts as a failure is pinned down here."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _runner_module():
    spec = importlib.util.spec_from_file_location('openclaw_gx10_test_lint', os.path.join(REPO, 'scripts', 'gx10_test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gx = _runner_module()


@pytest.fixture
def lint(tmp_path, monkeypatch):
    """Run the lint step in tmp_path with faked commands: {program: (rc, log text)}."""
    monkeypatch.setattr(gx, 'REPO', str(tmp_path))
    (tmp_path / '.cache' / 'logs').mkdir(parents=True)

    def run(names=(), outcomes=None):
        outcomes = outcomes or {}
        runner = gx.Runner(gx.parse_args(['lint'] + list(names)), {'GX10_SKIP_BOOTSTRAP': '1'})
        calls = []

        def run_cmd(args, env, log, cwd=None):
            key = args[2] if args[0] == 'python' else ' '.join(args[:3]) if args[0] == 'ansible-galaxy' else args[0]
            calls.append((key, env, cwd))
            rc, text = outcomes.get(key, (0, ''))
            if key == 'ansible-galaxy collection build' and rc == 0:
                out = args[args.index('--output-path') + 1]
                with open(os.path.join(out, 'openclaw-gx10-9.9.9.tar.gz'), 'w') as handle:
                    handle.write('x')
            with open(log, 'w') as handle:
                handle.write(text)
            return rc

        runner.run_cmd = run_cmd
        step = gx.Step('lint', 'lint', stage='lint', names=runner.selection['lint'])
        record = runner.step_lint(step, gx.Context({}, '.cache/logs', ''))
        return record, calls

    return run


def test_four_checks_pass(lint):
    record, calls = lint()
    assert (record.passed, record.failed) == (4, 0)
    assert [c[0] for c in calls] == [
        'ansible-lint', 'antsibull-changelog', 'ansible-galaxy collection build', 'galaxy_importer.main',
        'ansible-galaxy collection install', 'antsibull-docs']
    importer = calls[3]
    assert importer[1]['GALAXY_IMPORTER_CONFIG'].endswith('tests/galaxy-importer.cfg')
    assert importer[2].endswith('.cache/publish/importer')
    docs = calls[5]
    assert docs[2].endswith('.cache/publish/collections/ansible_collections/openclaw/gx10')
    assert docs[1]['GIT_CEILING_DIRECTORIES'].endswith('.cache/publish/collections')
    assert record.note.startswith('ansible-lint ')


def test_an_importer_error_line_fails_even_with_exit_0(lint):
    output = 'Importing\nERROR: Error running ansible-doc: x\nImporter processing completed successfully\n'
    record, _calls = lint(outcomes={'galaxy_importer.main': (0, output)})
    assert (record.passed, record.failed) == (3, 1)
    assert record.note.startswith('failed: galaxy-importer (log .cache/logs/test-lint-galaxy-importer.log)')
    assert record.show.endswith('test-lint-galaxy-importer.log')


def test_importer_warnings_pass(lint):
    record, _calls = lint(outcomes={'galaxy_importer.main': (0, 'WARNING: something\n')})
    assert record.failed == 0


def test_a_failed_build_fails_both_tarball_checks(lint):
    record, calls = lint(outcomes={'ansible-galaxy collection build': (1, 'no')})
    assert (record.passed, record.failed) == (2, 2)
    assert 'galaxy-importer (log .cache/logs/test-lint-build.log), docs (log .cache/logs/test-lint-build.log)' in record.note
    assert [c[0] for c in calls] == ['ansible-lint', 'antsibull-changelog', 'ansible-galaxy collection build']


def test_docs_and_changelog_failures_count(lint):
    record, _calls = lint(outcomes={'antsibull-docs': (3, 'plugins/x.py: bad'), 'antsibull-changelog': (3, 'bad')})
    assert (record.passed, record.failed) == (2, 2)


def test_names_select_checks(lint):
    record, calls = lint(names=['changelog'])
    assert (record.passed, record.failed) == (1, 0)
    assert [c[0] for c in calls] == ['antsibull-changelog']
    record, calls = lint(names=['nonsense'])
    assert record.failed == 1 and 'unknown lint check nonsense' in record.note and calls == []


def test_importer_errors():
    assert gx.importer_errors(['WARNING: a', 'ERROR: b', ' ERROR: not at the start']) == ['ERROR: b']


def test_the_importer_settings_leave_out_docker_and_the_network():
    with open(os.path.join(REPO, 'tests', 'galaxy-importer.cfg')) as handle:
        text = handle.read()
    for line in ('run_ansible_test = false', 'ansible_test_local_image = false', 'local_image_docker = false',
                 'offline_ansible_lint = true', 'run_ansible_doc = true', 'check_changelog = true'):
        assert line in text.splitlines()
