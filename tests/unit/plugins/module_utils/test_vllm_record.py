# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the gate checks a start against, read from the container; the record of what served;
the host's restart lock."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import threading

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils import _vllm_record as rec
from ansible_collections.openclaw.gx10.plugins.module_utils import _hostlock

ID = 'ab' * 32


def inspect(cmd, env=(), labels=None, bindings=None):
    return json.dumps([{
        'Id': ID,
        'Config': {'Cmd': cmd, 'Env': list(env), 'Labels': labels},
        'HostConfig': {'PortBindings': bindings if bindings is not None
                       else {'8000/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8000'}]}},
    }])


def test_settings_come_from_the_command_line_binding_environment_and_label():
    out = inspect(['org/m', '--served-model-name', 'fast', '--gpu-memory-utilization', '0.85', '--host', '0.0.0.0',
                   '--port', '9000', '--enable-prefix-caching'],
                  env=['PATH=/bin', 'VLLM_API_KEY=s3=cret'],
                  labels={rec.GATE_LABEL: json.dumps({'margin': '2GiB', 'health_timeout': 1200})},
                  bindings={'9000/tcp': [{'HostIp': '0.0.0.0', 'HostPort': '9100'}]})
    s = rec.container_settings(out, 'vllm')
    assert s == {'container_id': ID, 'model': 'org/m', 'served_model_name': 'fast', 'gpu_memory_utilization': 0.85,
                 'port': 9000, 'host_port': 9100, 'vllm_url': 'http://127.0.0.1:9100', 'api_key': 's3=cret', 'margin': '2GiB',
                 'health_timeout': 1200.0, 'labelled': True}


def test_defaults_the_way_vllm_and_the_role_of_that_time_had_them():
    s = rec.container_settings(inspect(['org/m', '--gpu-memory-utilization=0.5'],
                                       bindings={'8000/tcp': [{'HostIp': '::1', 'HostPort': '8000'}]}), 'vllm')
    assert s['served_model_name'] == 'org/m' and s['gpu_memory_utilization'] == 0.5
    assert s['vllm_url'] == 'http://[::1]:8000' and s['api_key'] is None
    assert (s['margin'], s['health_timeout'], s['labelled']) == ('3GiB', 900.0, False)
    # the last of a repeated flag wins, as in argparse
    assert rec.container_settings(inspect(['m', '--gpu-memory-utilization', '0.5', '--gpu-memory-utilization',
                                           '0.6']), 'v')['gpu_memory_utilization'] == 0.6


@pytest.mark.parametrize('out, why', [
    ('[]', 'container vllm does not exist'),
    ('nope', 'printed no JSON'),
    (inspect(['--model', 'x']), 'has no model as the first argument'),
    (inspect(['m'], bindings={}), "publishes no host port for vLLM's port 8000"),
    (inspect(['m', '--gpu-memory-utilization', 'lots']), 'could not convert'),
    (inspect(['m'], labels={rec.GATE_LABEL: '{'}), 'label openclaw.gx10.gate is not JSON'),
])
def test_a_container_that_cannot_say_is_an_error(out, why):
    with pytest.raises(rec.ContainerSettingsError, match=why):
        rec.container_settings(out, 'vllm')


RECORD = {'container_id': ID, 'image': 'vllm/vllm-openai:v0.32.0', 'model': 'm', 'served_model_name': 'm',
          'serving_since': '2026-12-03T12:00:00Z'}


def test_a_record_written_is_read_back_whole_and_leaves_no_temporary_file(tmp_path):
    path = str(tmp_path / 'vllm.last-good.json')
    assert rec.read_record(path) is None
    rec.write_record(path, RECORD)
    assert rec.read_record(path) == RECORD
    assert os.listdir(str(tmp_path)) == ['vllm.last-good.json']
    assert oct(os.stat(path).st_mode & 0o777) == '0o600'


def test_a_failed_write_raises_and_keeps_the_old_record(tmp_path):
    path = str(tmp_path / 'vllm.last-good.json')
    rec.write_record(path, RECORD)

    class Full(object):
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def write(fd, data):
            raise OSError(28, 'No space left on device')

    with pytest.raises(OSError, match='No space left'):
        rec.write_record(path, dict(RECORD, model='new'), fs=Full())
    assert rec.read_record(path) == RECORD
    assert os.listdir(str(tmp_path)) == ['vllm.last-good.json']
    with pytest.raises(ValueError, match='record lacks image'):
        rec.write_record(path, {'container_id': ID})


@pytest.mark.parametrize('text, why', [
    ('', r'is not JSON \(0 bytes\)'), ('{', 'is not JSON'), ('"x"', 'holds str, not a record'),
    (json.dumps(dict(RECORD, model='')), 'lacks model'),
    (json.dumps(dict(RECORD, container_id='c0ffee')), "container_id 'c0ffee' is not a docker container id"),
])
def test_a_record_that_cannot_be_trusted_names_the_file(tmp_path, text, why):
    path = tmp_path / 'r.json'
    path.write_text(text)
    with pytest.raises(rec.RecordError, match=str(path).replace('.', '[.]') + '.*' + why):
        rec.read_record(str(path))


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_the_lock_is_one_holder_at_a_time_with_a_lease(tmp_path):
    clock = Clock()
    lock = _hostlock.HostLock(str(tmp_path / 'run' / 'vllm.restart.lock'), clock=clock, sleep=clock.sleep)
    token, note = lock.acquire('awx job 1', lease=100, wait=0)
    assert token and note is None
    with pytest.raises(_hostlock.LockBusy, match=r'another restart of vLLM runs since 1970-01-01T00:16:40Z '
                                                 r'\(by awx job 1\), its lease runs until 1970-01-01T00:18:20Z; '
                                                 r'waited 30 s'):
        lock.acquire('operator', lease=100, wait=30)
    assert clock.now == 1030.0  # waited its deadline, polling
    clock.now = 1101.0  # the lease ran out: the holder is gone
    second, note = lock.acquire('operator', lease=100, wait=0)
    assert second != token and note.startswith('took over the lock of a holder that is gone: since')
    assert lock.release(token) is False and lock.release(second) is True
    assert lock.read() is None


def test_a_damaged_lock_file_is_replaced_saying_so(tmp_path):
    path = tmp_path / 'l'
    path.write_text('garbage')
    token, note = _hostlock.HostLock(str(path)).acquire('me', lease=10, wait=0)
    assert token and note.startswith('replaced a damaged lock file')


def test_two_takers_at_once_never_both_win(tmp_path):
    path = str(tmp_path / 'l')
    won = []

    def take(name):
        token, _other = _hostlock.HostLock(path).try_acquire(name, 600)
        if token:
            won.append(name)

    threads = [threading.Thread(target=take, args=('t%d' % i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
