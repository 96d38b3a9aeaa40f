# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The alert rules the collection ships (extensions/prometheus/gx10.rules.yml): `promtool check
rules`, then `promtool test rules` with series for each alert, firing (labels and the exact
summary an operator reads) and not firing; every series named in the rules is one the host's
exporter writes (the rules cannot watch a metric nobody produces). The Molecule scenario vllm runs
the same rules on textfiles the exporter wrote on a systemd target."""
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.openclaw.gx10.plugins.module_utils import _gate_state, _report

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'extensions', 'molecule', 'shared'))
import gx10_prom  # noqa: E402  pylint: disable=wrong-import-position

GIB = 1 << 30
with open(gx10_prom.RULES) as _handle:
    RULES = {rule['alert']: rule for group in yaml.safe_load(_handle)['groups'] for rule in group['rules']}
ALERTS = sorted(RULES)


def _series(name, values, instance='a', job='node', **labels):
    labels.update(instance=instance, job=job)
    return dict(series='%s{%s}' % (name, ','.join('%s="%s"' % item for item in sorted(labels.items()))),
                values=values)


def _alert(name, summary, **labels):
    rule = RULES[name]
    labels.update(rule['labels'])
    description = rule['annotations']['description'].strip()
    for key, value in labels.items():
        description = description.replace('{{ $labels.%s }}' % key, value)
    assert '{{' not in description, 'the test renders only $labels in descriptions: %s' % description
    return dict(exp_labels=labels, exp_annotations=dict(summary=summary, description=description))


def _case(series, checks):
    return dict(interval='1m', input_series=series,
                alert_rule_test=[dict(eval_time=t, alertname=a, exp_alerts=e) for t, a, e in checks])


FLEET = [('a', '0.5.4', 'sha256:aaa', '6.11.0-1016-nvidia'), ('b', '0.5.4', 'sha256:aaa', '6.11.0-1016-nvidia'),
         ('c', '0.5.4', 'sha256:aaa', '6.11.0-1016-nvidia')]


def _versions(hosts, values='1x200'):
    return [_series('openclaw_gx10_versions_info', values, instance=host, ollama_version=ollama,
                    vllm_image='vllm/vllm-openai:v0.32.0', vllm_image_id=image, vllm_version='0.32.0',
                    gpu_driver='580.95.05', kernel=kernel)
            for host, ollama, image, kernel in hosts]


CASES = {
    'GX10VllmNotServing': _case(
        [_series('openclaw_gx10_vllm_healthy', '0x20'),
         _series('openclaw_gx10_vllm_healthy', '1x20', instance='b'),
         # down for 5 minutes (a restart), then serving again: no page
         _series('openclaw_gx10_vllm_healthy', '0x5 1x15', instance='c')],
        [('9m', 'GX10VllmNotServing', []),
         ('12m', 'GX10VllmNotServing', [_alert(
             'GX10VllmNotServing', 'vLLM on a has not answered /health with 200 for 10 minutes.',
             alertname='GX10VllmNotServing', instance='a', job='node')])]),
    'GX10VllmRestartWouldNotFit': _case(
        [_series('openclaw_gx10_vllm_restart_shortfall_bytes', '%dx20' % (7 * GIB)),
         _series('openclaw_gx10_vllm_restart_shortfall_bytes', '0x20', instance='b')],
        [('3m', 'GX10VllmRestartWouldNotFit', []),
         ('10m', 'GX10VllmRestartWouldNotFit', [_alert(
             'GX10VllmRestartWouldNotFit',
             'A restart of vLLM on a would not fit now: 7GiB short of ceil(MemTotal x gpu_memory_utilization) '
             '+ margin, even with Ollama emptied.', alertname='GX10VllmRestartWouldNotFit', instance='a', job='node')])]),
    'GX10OllamaHoldsMemoryWhileVllmDown': _case(
        [_series('openclaw_gx10_ollama_resident_bytes', '%dx20' % (2 * GIB)),
         _series('openclaw_gx10_vllm_healthy', '0x20'),
         # Ollama holds memory but vLLM serves: the normal fallback state
         _series('openclaw_gx10_ollama_resident_bytes', '%dx20' % (2 * GIB), instance='b'),
         _series('openclaw_gx10_vllm_healthy', '1x20', instance='b'),
         # vLLM down but Ollama empty
         _series('openclaw_gx10_ollama_resident_bytes', '0x20', instance='c'),
         _series('openclaw_gx10_vllm_healthy', '0x20', instance='c')],
        [('3m', 'GX10OllamaHoldsMemoryWhileVllmDown', []),
         ('10m', 'GX10OllamaHoldsMemoryWhileVllmDown', [_alert(
             'GX10OllamaHoldsMemoryWhileVllmDown', 'Ollama on a holds 2GiB while vLLM is down or starting.',
             alertname='GX10OllamaHoldsMemoryWhileVllmDown', instance='a', job='node')])]),
    'GX10GateRefusedStart': _case(
        [_series('openclaw_gx10_gate_events_total', '0x5 1x40', event='refusal'),
         _series('openclaw_gx10_gate_events_total', '0x5 1x40', event='start', instance='a'),
         _series('openclaw_gx10_gate_events_total', '0x45', event='refusal', instance='b')],
        [('4m', 'GX10GateRefusedStart', []),
         ('8m', 'GX10GateRefusedStart', [_alert(
             'GX10GateRefusedStart', 'The memory gate on a refused a start of vLLM in the last 15 minutes.',
             alertname='GX10GateRefusedStart', instance='a', job='node', event='refusal')]),
         # no refusal for more than 15 minutes: resolved
         ('40m', 'GX10GateRefusedStart', [])]),
    'GX10VllmRolledBack': _case(
        [_series('openclaw_gx10_gate_events_total', '0x10 1x100', event='rollback'),
         _series('openclaw_gx10_gate_events_total', '0x110', event='rollback', instance='b')],
        [('5m', 'GX10VllmRolledBack', []),
         ('30m', 'GX10VllmRolledBack', [_alert(
             'GX10VllmRolledBack', 'A vLLM change on a did not serve and was rolled back in the last hour.',
             alertname='GX10VllmRolledBack', instance='a', job='node', event='rollback')]),
         ('100m', 'GX10VllmRolledBack', [])]),
    'GX10OllamaHeldTooLong': _case(
        # held since t=60 s; a start may take 600 s
        [_series('openclaw_gx10_ollama_held_since_timestamp_seconds', '60x30'),
         _series('openclaw_gx10_vllm_start_timeout_seconds', '600x30'),
         # held since t=1500 s: within the start's time at 30 minutes
         _series('openclaw_gx10_ollama_held_since_timestamp_seconds', '_x24 1500x5', instance='b'),
         _series('openclaw_gx10_vllm_start_timeout_seconds', '600x30', instance='b')],
        [('10m', 'GX10OllamaHeldTooLong', []),
         ('20m', 'GX10OllamaHeldTooLong', [_alert(
             'GX10OllamaHeldTooLong', 'The gate on a has held Ollama stopped for 19m 0s, longer than a start of '
             'vLLM may take.', alertname='GX10OllamaHeldTooLong', instance='a', job='node')]),
         ('28m', 'GX10OllamaHeldTooLong', [_alert(
             'GX10OllamaHeldTooLong', 'The gate on a has held Ollama stopped for 27m 0s, longer than a start of '
             'vLLM may take.', alertname='GX10OllamaHeldTooLong', instance='a', job='node')])]),
    'GX10VersionDrift': _case(
        _versions(FLEET[:2] + [('c', '0.5.4', 'sha256:aaa', '6.11.0-1017-nvidia')]),
        [('1h', 'GX10VersionDrift', []),
         ('150m', 'GX10VersionDrift', [_alert(
             'GX10VersionDrift', '2 different values of kernel across the GX10 fleet for 2 hours.',
             alertname='GX10VersionDrift', field='kernel')])]),
    'GX10MetricsStale': _case(
        [_series('openclaw_gx10_report_timestamp_seconds', '0+60x30'),
         # the timer stopped writing at t=0
         _series('openclaw_gx10_report_timestamp_seconds', '0x30', instance='b')],
        [('8m', 'GX10MetricsStale', []),
         ('15m', 'GX10MetricsStale', [_alert(
             'GX10MetricsStale', 'The openclaw.gx10 metrics of b are 15m 0s old.',
             alertname='GX10MetricsStale', instance='b', job='node')])]),
}


def test_promtool_checks_the_rules():
    proc = subprocess.run([gx10_prom.promtool(), 'check', 'rules', gx10_prom.RULES], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and 'SUCCESS: %d rules found' % len(RULES) in proc.stdout, proc.stdout + proc.stderr


def test_every_alert_has_a_test_and_words_for_the_operator():
    assert sorted(CASES) == ALERTS
    for name, rule in RULES.items():
        assert rule['labels']['severity'] in ('critical', 'warning', 'info'), name
        assert len(rule['annotations']['summary']) > 30 and len(rule['annotations']['description']) > 80, name


@pytest.mark.parametrize('name', ALERTS)
def test_alert_fires_and_stays_quiet(name):
    gx10_prom.test_rules([CASES[name]])


def test_the_same_fleet_does_not_drift():
    gx10_prom.test_rules([_case(_versions(FLEET), [('150m', 'GX10VersionDrift', [])])])


def test_a_test_can_fail():
    case = _case([_series('openclaw_gx10_vllm_healthy', '1x20')], [('12m', 'GX10VllmNotServing', [_alert(
        'GX10VllmNotServing', 'vLLM on a has not answered /health with 200 for 10 minutes.',
        alertname='GX10VllmNotServing', instance='a', job='node')])])
    with pytest.raises(AssertionError, match='GX10VllmNotServing'):
        gx10_prom.test_rules([case])
    labels = gx10_prom.alerts_at([_series('openclaw_gx10_vllm_healthy', '0x20')], '12m', 'GX10VllmNotServing')
    assert labels == [dict(alertname='GX10VllmNotServing', instance='a', job='node', severity='critical')]


def _exporter_names():
    """Every metric name the exporter's rendering can write (a host with figures, Ollama holding a
    model, the gate having recorded an event and holding Ollama)."""
    info = dict(memory=dict(total=1, available=1, free=1),
                ollama=dict(reachable=True, status='ok', resident_bytes=1, models=[dict(name='m', size=1)]),
                vllm=dict(container=dict(state='running'), health='200', healthy=True, kv_cache_usage=0.1),
                host=dict(), restart_fit=dict(would_fit=True, required=1, projected=1, shortfall=0))
    state = _gate_state.empty_state(1)
    state['last'] = dict(event='start', detail='x', time=1)
    text = _report.memory_report_metrics(info, 'a', 1) + _report.gate_metrics(
        state, events=_gate_state.EVENTS, held_since=1, start_timeout=1)
    return set(re.findall(r'^# TYPE (\S+) ', text, re.M))


def test_the_rules_watch_only_what_the_exporter_writes():
    names = _exporter_names()
    used = set()
    for rule in RULES.values():
        used |= set(re.findall(r'\b(openclaw_gx10_[a-z0-9_]+)', rule['expr']))
    assert used and sorted(used - names) == []
    for case in CASES.values():
        for series in case['input_series']:
            assert series['series'].split('{')[0] in names, series['series']
    events = set(re.findall(r'event="([a-z_]+)"', ' '.join(rule['expr'] for rule in RULES.values())))
    assert events and events <= set(_gate_state.EVENTS)
