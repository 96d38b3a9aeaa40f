# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host's lock around a gated restart of vLLM (private to openclaw.gx10).

Two actors on one host (an AWX job and an operator) must not restart vLLM at the same time: the
rescue of one would stop the other's start and remove its rollback container. A restart spans
many Ansible tasks (many processes), so the lock is a file, not a process's flock: it names its
holder, when it was taken and until when its lease runs. A lock whose lease ran out (its holder
died: a killed controller never releases) is taken over, and the taker says so. The file is only
read or replaced under an flock of a guard file beside it, so that two takers never both win.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import fcntl
import json
import os
import time
import uuid


class LockBusy(Exception):
    """Another holder kept the lock until the deadline."""


def describe(lock):
    """'since 2026-12-03T12:00:00Z (by HOLDER), lease until ...' for a message."""
    return 'since %s (by %s), its lease runs until %s' % (
        _stamp(lock.get('since')), lock.get('holder') or 'an unnamed holder', _stamp(lock.get('expires')))


def _stamp(value):
    try:
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(float(value)))
    except (TypeError, ValueError):
        return '?'


class HostLock:
    """``HostLock(path).acquire(holder, lease, wait)`` -> ``(token, note)``; ``release(token)``."""

    def __init__(self, path, clock=time.time, sleep=time.sleep, interval=1.0):
        self.path = path
        self.guard = path + '.guard'
        self.clock = clock
        self.sleep = sleep
        self.interval = interval

    def _locked(self, action):
        folder = os.path.dirname(self.path)
        if folder and not os.path.isdir(folder):
            os.makedirs(folder, 0o755)
        fd = os.open(self.guard, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return action()
        finally:
            os.close(fd)  # closing drops the flock

    def read(self):
        """The current lock as a dict, None when free; a damaged file counts as free (it holds
        nobody's identity) and is reported as ``{'damaged': reason}``."""
        try:
            with open(self.path) as handle:
                text = handle.read()
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise
        try:
            lock = json.loads(text)
            if not isinstance(lock, dict) or not lock.get('token'):
                raise ValueError('no token')
            float(lock.get('expires'))
        except (ValueError, TypeError) as exc:
            return {'damaged': '%s (%s)' % (exc, text[:80].strip())}
        return lock

    def _write(self, lock):
        tmp = '%s.tmp.%d' % (self.path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0), 0o644)
        try:
            os.write(fd, json.dumps(lock, sort_keys=True).encode('utf-8'))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, self.path)

    def try_acquire(self, holder, lease):
        """One attempt: ``(token, note)`` when taken, ``(None, current_lock)`` when held."""
        def attempt():
            now = self.clock()
            current = self.read()
            note = None
            if current and 'damaged' in current:
                note = 'replaced a damaged lock file %s: %s' % (self.path, current['damaged'])
            elif current and float(current['expires']) > now:
                return None, current
            elif current:
                note = 'took over the lock of a holder that is gone: %s' % describe(current)
            lock = {'token': uuid.uuid4().hex, 'holder': holder, 'since': now, 'expires': now + float(lease)}
            self._write(lock)
            return lock['token'], note
        return self._locked(attempt)

    def acquire(self, holder, lease, wait, what='restart of vLLM'):
        """Take the lock, waiting up to ``wait`` seconds for its holder. Raises LockBusy with the
        holder's identity at the deadline."""
        deadline = self.clock() + float(wait)
        while True:
            token, other = self.try_acquire(holder, lease)
            if token:
                return token, other
            if self.clock() >= deadline:
                raise LockBusy('another %s runs %s; waited %d s for it (lock %s)'
                               % (what, describe(other), int(float(wait)), self.path))
            self.sleep(min(self.interval, max(0.0, deadline - self.clock())))

    def release(self, token):
        """Drop the lock when ``token`` still holds it. Returns True when released, False when it
        was not held by this token (taken over after its lease, or already released)."""
        def attempt():
            current = self.read()
            if not current or current.get('token') != token:
                return False
            os.unlink(self.path)
            return True
        return self._locked(attempt)
