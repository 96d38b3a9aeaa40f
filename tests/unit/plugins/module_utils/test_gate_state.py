"""_gate_state: the gate's counters and last event, written atomically, tolerant of a corrupt file."""

import json
import os
import threading

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils import _gate_state


def test_counts_each_kind_and_keeps_the_last_event(tmp_path):
    state_dir = str(tmp_path / 'state')  # created on the first event
    _gate_state.record_event(state_dir, 'vllm', 'start', 'memory gate passed', now=100)
    _gate_state.record_event(state_dir, 'vllm', 'refusal', 'REFUSED: short\n by 3 GiB', now=200)
    state = _gate_state.record_event(state_dir, 'vllm', 'refusal', 'again', now=300)
    assert state['counters'] == {'start': 1, 'refusal': 2}
    assert state['last'] == {'event': 'refusal', 'detail': 'again', 'time': 300.0}
    assert state['since'] == 100.0 and state['reset'] is None
    read, problem = _gate_state.read_state(state_dir, 'vllm')
    assert problem is None and read == state
    # one container's file, another container's counters apart
    _gate_state.record_event(state_dir, 'vllm-b', 'hold', None, now=400)
    assert _gate_state.read_state(state_dir, 'vllm')[0]['counters'] == {'start': 1, 'refusal': 2}
    assert _gate_state.read_state(state_dir, 'vllm-b')[0]['last']['detail'] == ''


def test_detail_is_one_short_line(tmp_path):
    state = _gate_state.record_event(str(tmp_path), 'vllm', 'eviction', 'a\nb\t c' + 'x' * 1000, now=1)
    assert '\n' not in state['last']['detail']
    assert state['last']['detail'].startswith('a b c')
    assert len(state['last']['detail']) == _gate_state.DETAIL_MAX


def test_nothing_recorded_yet_is_an_empty_state(tmp_path):
    state, problem = _gate_state.read_state(str(tmp_path), 'vllm')
    assert problem is None and state['counters'] == {} and state['last'] is None


@pytest.mark.parametrize('garbage', ['{not json', '[]', '{"version": 1}', '{"version": 99, "counters": {}}',
                                     '{"version": 1, "since": 1, "counters": {"start": -1}, "last": null}',
                                     '{"version": 1, "since": 1, "counters": {"start": "3"}, "last": null}'])
def test_a_corrupt_file_starts_over_and_says_so(tmp_path, garbage):
    path = _gate_state.state_path(str(tmp_path), 'vllm')
    with open(path, 'w') as handle:
        handle.write(garbage)
    state, problem = _gate_state.read_state(str(tmp_path), 'vllm')
    assert 'not a gate state file' in problem and state['counters'] == {}
    warnings = []
    state = _gate_state.record_event(str(tmp_path), 'vllm', 'rollback', 'rolled back', now=50, warn=warnings.append)
    assert state['counters'] == {'rollback': 1}
    assert state['reset']['time'] == 50.0 and 'not a gate state file' in state['reset']['reason']
    assert len(warnings) == 1 and 'start over' in warnings[0]
    with open(path) as handle:
        assert json.load(handle) == state


def test_written_atomically_readable_and_no_temporary_left(tmp_path):
    _gate_state.record_event(str(tmp_path), 'vllm', 'start', 'x', now=1)
    names = sorted(os.listdir(str(tmp_path)))
    assert names == ['vllm.gate-events.json', 'vllm.gate-events.json.lock']
    assert os.stat(str(tmp_path / 'vllm.gate-events.json')).st_mode & 0o777 == 0o644


def test_concurrent_writers_lose_no_count(tmp_path):
    def many():
        for _round in range(25):
            _gate_state.record_event(str(tmp_path), 'vllm', 'eviction', 'x')
    threads = [threading.Thread(target=many) for _thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _gate_state.read_state(str(tmp_path), 'vllm')[0]['counters'] == {'eviction': 100}


def test_an_unwritable_directory_warns_and_never_raises(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    warnings = []
    assert _gate_state.record_event(str(blocker), 'vllm', 'start', 'x', warn=warnings.append) is None
    assert len(warnings) == 1 and 'could not record start' in warnings[0]


def test_a_symlinked_lock_is_not_followed(tmp_path):
    target = tmp_path / 'elsewhere'
    os.symlink(str(target), str(tmp_path / 'vllm.gate-events.json.lock'))
    warnings = []
    assert _gate_state.record_event(str(tmp_path), 'vllm', 'start', 'x', warn=warnings.append) is None
    assert not target.exists() and warnings


@pytest.mark.parametrize('event', ['Start', '', 'drop cache', '1st', None, 'x' * 65])
def test_bad_event_kind_names_the_argument(tmp_path, event):
    with pytest.raises(_gate_state.GateStateError, match='event: .* known: start, refusal'):
        _gate_state.record_event(str(tmp_path), 'vllm', event, 'x')
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('container', ['../etc/x', '', '.hidden', 'a/b', None])
def test_bad_container_name_names_the_argument(tmp_path, container):
    with pytest.raises(_gate_state.GateStateError, match='container: '):
        _gate_state.record_event(str(tmp_path), container, 'start', 'x')


def test_every_known_kind_is_accepted_and_pagecache_drop_is_one(tmp_path):
    assert 'pagecache_drop' in _gate_state.EVENTS
    for event in _gate_state.EVENTS:
        _gate_state.record_event(str(tmp_path), 'vllm', event, event, now=1)
    assert set(_gate_state.read_state(str(tmp_path), 'vllm')[0]['counters']) == set(_gate_state.EVENTS)
