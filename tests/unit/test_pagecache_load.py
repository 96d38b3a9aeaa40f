# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MemFree and the page cache against the vLLM stand-in's driver (VLLM_STANDIN_DRIVER_MEMFREE), as processes.

The stand-in and the collection's code (plugins/module_utils/_pagecache.py) read one meminfo file;
a "drop" of the page cache rewrites its MemFree (what the kernel's drop_caches does to the real
one), so that nothing here moves this machine's memory. A start that passes vLLM's own check on
MemAvailable fails in the load as the driver does when MemFree is short; the gate's rule before the
start, or the load guard, makes it load; a gap that dropping cannot close is refused with figures.
"""

import os
import subprocess
import sys

import pytest

from gx10_functional import PortTaken, address_in_use, serve_on_free_port, wait_for

from ansible_collections.openclaw.gx10.plugins.module_utils import _pagecache
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import GIB, parse_meminfo

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
STANDIN = os.path.join(REPO, 'tests', 'vllm_standin', 'vllm_standin.py')
TOTAL_KB = 24_000_000          # 22.89 GiB; utilization 0.5 asks 11.44 GiB
AVAILABLE_KB = 20_000_000      # MemAvailable covers it: vLLM's start-up check passes
SHORT_FREE_KB = 5_000_000      # covers the first of 3 load steps (3.81 GiB), not the second (7.63 GiB)
DRIVER_MESSAGE = 'Out of memory [NV_ERR_NO_MEMORY]'


class Host(object):
    """A meminfo file, and the /proc/sys writes that change it: a drop makes MemFree ``after_drop_kb``."""

    def __init__(self, path, free_kb, after_drop_kb=AVAILABLE_KB):
        self.path = str(path)
        self.after_drop_kb = after_drop_kb
        self.writes = []
        self.set_free(free_kb)

    def set_free(self, free_kb):
        with open(self.path, 'w') as handle:
            handle.write('MemTotal:       %d kB\nMemFree:        %d kB\nMemAvailable:   %d kB\n'
                         % (TOTAL_KB, free_kb, AVAILABLE_KB))

    def read(self):
        with open(self.path) as handle:
            info = parse_meminfo(handle.read())
        return dict(total=info['MemTotal'], available=info['MemAvailable'], free=info['MemFree'])

    def write(self, path, text):
        self.writes.append((path, text))
        if path == _pagecache.DROP_CACHES_PATH:
            self.set_free(self.after_drop_kb)


def load(host, tmp_path):
    """The stand-in's start and load with the driver on (no waiting: load time 0): (rc, log)."""
    env = dict(os.environ, VLLM_STANDIN_MEMINFO=host.path, VLLM_STANDIN_DRIVER_MEMFREE='1', VLLM_STANDIN_LOAD_STEPS='3',
               VLLM_STANDIN_CUDA_CONTEXT_BYTES='0', VLLM_STANDIN_STARTUP_SECONDS='0')

    def attempt(port):
        log_path = tmp_path / ('standin-%d.log' % port)
        with open(str(log_path), 'w') as log:
            proc = subprocess.Popen([sys.executable, STANDIN, '--gpu-memory-utilization', '0.5', '--port', str(port)],
                                    env=env, stdout=subprocess.DEVNULL, stderr=log)
        text = ''

        def loaded_or_exited():
            return proc.poll() is not None or 'Starting vLLM API server' in log_path.read_text()
        try:
            wait_for('the stand-in to load or exit', loaded_or_exited, timeout=60)
        finally:
            text = log_path.read_text()
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        if address_in_use(text):
            raise PortTaken(address_in_use(text))
        return (proc.returncode if 'Starting vLLM API server' not in text else 0), text
    return serve_on_free_port('the vLLM stand-in', attempt)


def required():
    # what the gate requires with a margin of 0 (vLLM's request: ceil(MemTotal x 0.5))
    return -(-TOTAL_KB * 1024 // 2)


def test_memavailable_passes_but_the_load_fails_on_memfree(tmp_path):
    host = Host(tmp_path / 'meminfo', SHORT_FREE_KB)
    rc, log = load(host, tmp_path)
    assert rc == 1
    assert 'Memory check passed' in log and DRIVER_MESSAGE in log
    assert 'load step 2/3' in log


def test_the_gate_drops_the_page_cache_before_the_start_and_the_load_succeeds(tmp_path):
    host = Host(tmp_path / 'meminfo', SHORT_FREE_KB)
    lines = []
    outcome = _pagecache.close_gap(required(), read=host.read, write=host.write, sync=lambda: None, say=lines.append)
    assert outcome['met'] and outcome['dropped_levels'] == [1]
    assert 'MemFree 4.77 GiB is short of 11.44 GiB' in lines[0]
    assert 'MemFree 19.07 GiB, MemAvailable 19.07 GiB, was MemFree 4.77 GiB' in lines[1]
    rc, log = load(host, tmp_path)
    assert rc == 0 and DRIVER_MESSAGE not in log


def test_a_gap_dropping_cannot_close_is_refused_with_figures(tmp_path):
    host = Host(tmp_path / 'meminfo', SHORT_FREE_KB, after_drop_kb=6_000_000)
    outcome = _pagecache.close_gap(required(), read=host.read, write=host.write, sync=lambda: None)
    assert not outcome['met'] and outcome['dropped_levels'] == [1, 2]
    assert outcome['msg'].startswith('MemFree 5.72 GiB is short of 11.44 GiB')
    assert 'before: MemFree 4.77 GiB, MemAvailable 19.07 GiB; after: MemFree 5.72 GiB' in outcome['msg']


@pytest.mark.parametrize('guard_on', [False, True])
def test_the_load_guard_makes_the_load_succeed(tmp_path, guard_on):
    host = Host(tmp_path / 'meminfo', SHORT_FREE_KB)
    lines = []
    guard = _pagecache.LoadGuard(floor=8 * GIB, poll=0.05, read=host.read, write=host.write, sync=lambda: None,
                                 say=lines.append) if guard_on else None
    if guard:
        guard.start()
        # the guard acts from the container's start: its first reading is under the floor
        wait_for('the guard to drop caches', lambda: guard.counters['drops'] >= 1, timeout=30)
    try:
        rc, log = load(host, tmp_path)
    finally:
        if guard:
            guard.stop('the start ended')
    if not guard_on:
        assert rc == 1 and DRIVER_MESSAGE in log
        return
    assert rc == 0 and DRIVER_MESSAGE not in log
    assert guard.counters['drops'] == 1                        # MemFree stayed above the floor after it
    assert any(line.startswith('load guard: drop 1: MemFree 4.77 GiB < floor 8.00 GiB') for line in lines)
    assert lines[-1].startswith('load guard: off (the start ended): 1 drops')
    assert (_pagecache.COMPACT_MEMORY_PATH, '1\n') in host.writes
