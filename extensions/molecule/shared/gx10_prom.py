# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""promtool for the tests: `promtool check metrics` on a textfile, and `promtool test rules` of the
collection's alert rules (extensions/prometheus/gx10.rules.yml) on series given by hand or taken
from textfiles the host's exporter wrote (one snapshot per minute of the test). Standard library
and PyYAML only; used by tests/unit/test_prometheus_rules.py and the Molecule scenario vllm."""
import json
import os
import re
import shutil
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RULES = os.path.join(REPO, 'extensions', 'prometheus', 'gx10.rules.yml')
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$')


def promtool():
    """The promtool binary, or an AssertionError naming the package that has it."""
    path = shutil.which('promtool')
    assert path, 'promtool is not installed: Debian package prometheus (scripts/bootstrap.sh apt)'
    return path


def check_metrics(text):
    """`promtool check metrics` on ``text``; an AssertionError with its output when it fails."""
    proc = subprocess.run([promtool(), 'check', 'metrics'], input=text, capture_output=True, text=True,
                          check=False, timeout=60)
    assert proc.returncode == 0, 'promtool check metrics:\n%s%s\n--- the textfile:\n%s' % (proc.stdout, proc.stderr, text)


def samples(text):
    """``{series: value}`` of a textfile (series as written: ``name{labels}``)."""
    found = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match and not line.startswith('#'):
            found[match.group(1) + (match.group(2) or '')] = match.group(3)
    return found


def _with_labels(series, extra):
    name, _brace, rest = series.partition('{')
    labels = rest[:-1] if rest else ''
    added = ','.join('%s="%s"' % (k, v) for k, v in sorted(extra.items()))
    return '%s{%s}' % (name, ','.join(p for p in (labels, added) if p))


def series_from_snapshots(snapshots, instance, job='node'):
    """promtool input_series from textfiles, one per minute of the test (a sample absent from a
    snapshot is a gap, '_'), each series with the scrape's ``instance`` and ``job`` labels."""
    parsed = [samples(text) for text in snapshots]
    names = sorted(set(k for s in parsed for k in s))
    result = []
    for name in names:
        values = ' '.join(s[name] if name in s else '_' for s in parsed)
        result.append(dict(series=_with_labels(name, dict(instance=instance, job=job)), values=values))
    return result


def test_rules(tests, rules=RULES, interval='1m'):
    """Run `promtool test rules` on ``tests`` (a list of promtool test groups); returns its output,
    an AssertionError with it when a test fails."""
    folder = tempfile.mkdtemp(prefix='gx10-promtool-')
    try:
        path = os.path.join(folder, 'gx10.rules.test.yml')
        with open(path, 'w') as handle:
            json.dump(dict(rule_files=[rules], evaluation_interval=interval, tests=tests), handle, indent=1)
        proc = subprocess.run([promtool(), 'test', 'rules', path], capture_output=True, text=True, check=False,
                              timeout=120)
        assert proc.returncode == 0, 'promtool test rules:\n%s%s' % (proc.stdout, proc.stderr)
        return proc.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def alerts_at(series, eval_time, alertname, interval='1m', rules=RULES):
    """The alerts ``alertname`` has at ``eval_time`` on ``series``, as labels (dicts): promtool is
    asked to expect none, and its failure message lists what it got."""
    try:
        test_rules([dict(interval=interval, input_series=series,
                         alert_rule_test=[dict(eval_time=eval_time, alertname=alertname, exp_alerts=[])])],
                   rules=rules)
    except AssertionError as exc:
        labels = re.findall(r'Labels:\{([^}]*)\}', str(exc).split('got:', 1)[-1])
        if not labels:
            raise
        return [dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', text)) for text in labels]
    return []
