# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One poll-with-a-deadline loop for the collection (private to openclaw.gx10).

Every wait in the collection (a model leaving ``/api/ps``, MemAvailable reaching
what vLLM asks for, vLLM answering) is this loop: ask, and if the answer is not
final, sleep a growing interval, never past the deadline.  Standard library only:
it also runs on the managed host inside the vLLM gate.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time

# Short first: Ollama answers an unload before the eviction, and the model leaves /api/ps a few
# milliseconds later (0.4-8 ms measured against a real server).
FAST_START = 0.005
FAST_MAX = 0.25
# For servers that take seconds to minutes (vLLM loading a model).
SLOW_START = 0.5
SLOW_MAX = 5.0


class Deadline(object):
    """A monotonic deadline ``timeout`` seconds from now."""

    def __init__(self, timeout, clock=time.monotonic):
        self.clock = clock
        self.started = clock()
        self.timeout = float(timeout)
        self.at = self.started + self.timeout

    def remaining(self):
        return self.at - self.clock()

    def passed(self):
        return self.remaining() <= 0

    def elapsed(self):
        return self.clock() - self.started


def poll(check, timeout, start=FAST_START, maximum=FAST_MAX, factor=2.0,
         sleep=time.sleep, clock=time.monotonic):
    """Call ``check()`` until it returns ``(True, value)`` or ``timeout`` seconds pass.

    ``check`` returns ``(done, value)``.  Returns ``(done, value, elapsed)`` where
    ``value`` is the last one ``check`` returned: on a timeout the caller still has
    the last observation to explain what it waited for.  ``check`` is always called
    at least once, and once more at the deadline.
    """
    deadline = Deadline(timeout, clock=clock)
    interval = start
    while True:
        done, value = check()
        if done:
            return True, value, deadline.elapsed()
        remaining = deadline.remaining()
        if remaining <= 0:
            return False, value, deadline.elapsed()
        sleep(min(interval, remaining))
        interval = min(interval * factor, maximum)
