# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the vLLM gate decided, counted (private to openclaw.gx10).

The gate on the host (roles/vllm/files/vllm_gate.py) calls ``record_event`` at each point that
decides (a start passed or refused, an eviction, a hold and its release, vLLM serving or not, a
drop of the page cache, a rollback); the metrics exporter reads the counters with ``read_state``
and publishes them, so that a refusal at 3 a.m. is a metric rather than a journal line nobody
reads. One small JSON file per container:

    {"version": 1, "since": T, "counters": {"start": 3, "refusal": 1, ...},
     "last": {"event": "refusal", "detail": "...", "time": T}, "reset": null}

Written atomically (a temporary file in the same directory, fsync, rename, fsync of the
directory) under a lock, so that two gate steps never lose a count and a reader never sees half
a file. A file that cannot be parsed is started over, and the new state says so (``reset``):
counters that go back to zero are what Prometheus' ``increase()`` expects of a restart. Standard
library only: the gate runs this inside vLLM's downtime.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import fcntl
import json
import os
import re
import sys
import tempfile
import time

VERSION = 1

# The kinds of event the gate records; the exporter publishes each (0 until it happens), so that
# an alert on increase() has a series from the first scrape. Another kind is accepted and
# published too once it happened.
EVENTS = (
    'start',           # the memory gate passed: vLLM starts
    'refusal',         # the gate refused the start (not enough memory, Ollama could not be evicted)
    'eviction',        # a model Ollama held was evicted before a start
    'hold',            # Ollama was stopped (held) until vLLM serves or fails
    'release',         # a held Ollama was started again
    'serving',         # vLLM served after a start
    'start_failed',    # vLLM did not serve after a start
    'pagecache_drop',  # the page cache was dropped to make MemAvailable reach the requirement
    'rollback',        # the gated restart rolled back to the configuration that served
)

_EVENT_RE = re.compile(r'^[a-z][a-z0-9_]{0,63}$')
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$')
DETAIL_MAX = 300


class GateStateError(ValueError):
    """A bad argument (an event kind or container name that cannot be a file or a metric)."""


def state_path(state_dir, container):
    """The state file of ``container`` in ``state_dir``."""
    if not isinstance(container, str) or not _NAME_RE.match(container):
        raise GateStateError('container: %r is not a container name (letters, digits, _ . -)' % (container,))
    return os.path.join(state_dir, '%s.gate-events.json' % container)


def _warn_stderr(msg):
    sys.stderr.write('vllm-gate: warning: %s\n' % msg)


def empty_state(now=None):
    return dict(version=VERSION, since=float(time.time() if now is None else now), counters={}, last=None,
                reset=None)


def _valid(state):
    if not isinstance(state, dict) or state.get('version') != VERSION:
        return False
    counters = state.get('counters')
    if not isinstance(counters, dict) or not isinstance(state.get('since'), (int, float)):
        return False
    if not all(isinstance(k, str) and _EVENT_RE.match(k) and isinstance(v, int) and not isinstance(v, bool)
               and v >= 0 for k, v in counters.items()):
        return False
    last = state.get('last')
    if last is not None and not (isinstance(last, dict) and isinstance(last.get('event'), str)
                                 and isinstance(last.get('time'), (int, float))):
        return False
    return True


def parse_state(text):
    """The state in ``text``, or None when it is not a state file of this version."""
    try:
        state = json.loads(text)
    except ValueError:
        return None
    return state if _valid(state) else None


def read_state(state_dir, container):
    """``(state, problem)``: the recorded state (an empty one when there is none yet) and why it
    could not be read (None when it could, or when nothing was recorded yet)."""
    path = state_path(state_dir, container)
    try:
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        if getattr(exc, 'errno', None) == errno.ENOENT:
            return empty_state(0), None
        return empty_state(0), 'cannot read %s: %s' % (path, exc)
    state = parse_state(text)
    if state is None:
        return empty_state(0), '%s is not a gate state file (corrupt?): it starts over at the next event' % path
    return state, None


def _one_line(detail):
    text = ' '.join(str(detail if detail is not None else '').split())
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX - 3] + '...'


def _write_atomic(path, state):
    folder = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            json.dump(state, handle, sort_keys=True)
            handle.write('\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def record_event(state_dir, container, event, detail=None, now=None, warn=None):
    """Count ``event`` for ``container`` and make it the last event, with ``detail`` (one line)
    and the time. Returns the new state, or None when it could not be written: a gate's decision
    never fails for its counter (the reason goes to ``warn``, by default standard error, which is
    the unit's journal). A bad ``event`` or ``container`` raises GateStateError."""
    warn = warn or _warn_stderr
    if not isinstance(event, str) or not _EVENT_RE.match(event):
        raise GateStateError('event: %r is not an event kind (lower case letters, digits and _; known: %s)'
                             % (event, ', '.join(EVENTS)))
    path = state_path(state_dir, container)
    now = float(time.time() if now is None else now)
    try:
        os.makedirs(state_dir, mode=0o755, exist_ok=True)
        lock_fd = os.open(path + '.lock', os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            state, problem = read_state(state_dir, container)
            if problem is not None or not state.get('since'):
                fresh = empty_state(now)
                if problem is not None:
                    warn('gate state: %s; the counters start over' % problem)
                    fresh['reset'] = dict(time=now, reason=problem)
                state = fresh
            state['counters'][event] = state['counters'].get(event, 0) + 1
            state['last'] = dict(event=event, detail=_one_line(detail), time=now)
            _write_atomic(path, state)
        finally:
            os.close(lock_fd)
    except (IOError, OSError) as exc:
        warn('gate state: could not record %s in %s: %s' % (event, path, exc))
        return None
    return state
