# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The memory gate: wait until MemAvailable covers what vLLM will ask for (private to openclaw.gx10).

The memory half of the eviction (``_evict``), on its own and standard library only, so that the
vLLM gate on the host can run it without the HTTP stack when there is nothing to evict: with
Ollama held stopped by systemd, the start of vLLM waits for memory only, inside the restart's
downtime, where importing ``requests`` alone costs 0.13-0.2 s on a lab host (measured).
One requirement (``ceil(MemTotal x fraction) + margin``, or an absolute figure + margin), one
poll, one failure message, for the module and the host alike.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    SizeError,
    UtilizationError,
    format_bytes,
    format_processes,
    fraction_bytes,
    parse_size,
    parse_utilization,
    required_bytes,
    snapshot,
    top_processes,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._poll import poll


class BadOption(Exception):
    """An option is invalid: nothing was done."""


def gate_shortfall_message(timeout, required, mem, resident, processes):
    """The memory gate's failure, the same words in the module and on the host."""
    return ('Timed out after %s s waiting for MemAvailable to reach %s (%d bytes, margin included): '
            'MemTotal %s, MemAvailable %s, MemFree %s (short by %s); still resident in Ollama: %s; '
            'largest processes by resident memory: %s'
            % (timeout, format_bytes(required), required, format_bytes(mem['total']),
               format_bytes(mem['available']), format_bytes(mem['free']),
               format_bytes(required - mem['available']), resident, processes))


class MemoryGate(object):
    """``fraction`` (of MemTotal) or ``available`` (bytes or a size string), plus ``margin``.

    The constructor parses and raises ``BadOption`` naming the option; ``require(mem)`` turns
    the figures into bytes against this host's MemTotal (``BadOption`` when they can never be
    met); ``wait(timeout)`` polls MemAvailable until it covers them or the deadline passes.
    Neither given: no requirement, ``wait`` returns the first reading.
    """

    def __init__(self, fraction=None, available=None, margin='3GiB', sleep=None):
        if fraction is not None and available is not None:
            raise BadOption('parameters are mutually exclusive: require_available|require_fraction')
        try:
            self.fraction = parse_utilization(fraction, 'require_fraction') if fraction is not None else None
            self.margin = parse_size(margin, 'margin')
            self.available = parse_size(available, 'require_available') if available is not None else None
        except (SizeError, UtilizationError) as exc:
            raise BadOption(str(exc))
        self.required = None
        self.poll_kwargs = {'sleep': sleep} if sleep else {}

    @property
    def wanted(self):
        return self.fraction is not None or self.available is not None

    def require(self, mem):
        """The requirement in bytes for ``mem`` (a ``snapshot()``); None without one."""
        if not self.wanted:
            return None
        required = required_bytes(mem['total'], fraction=self.fraction, available=self.available,
                                  margin=self.margin)
        if required > mem['total']:
            if self.fraction is not None:
                what = 'require_fraction %s of MemTotal (%s)' % (
                    self.fraction, format_bytes(fraction_bytes(mem['total'], self.fraction)))
            else:
                what = 'require_available %s' % format_bytes(self.available)
            raise BadOption(
                '%s plus margin %s = %s (%d bytes) is more than MemTotal %s (%d bytes): it can never be met'
                % (what, format_bytes(self.margin), format_bytes(required), required,
                   format_bytes(mem['total']), mem['total']))
        self.required = required
        return required

    def wait(self, timeout, read=snapshot, on_reading=None):
        """Poll until MemAvailable >= the requirement; returns ``(met, last reading)``.

        ``read`` raises ``MeminfoError`` when /proc/meminfo cannot be read; ``on_reading(mem)``
        sees every reading (the module keeps the last one in its result).
        """
        def check():
            mem = read()
            if on_reading:
                on_reading(mem)
            return self.required is None or mem['available'] >= self.required, mem

        met, mem, _elapsed = poll(check, timeout, **self.poll_kwargs)
        return met, mem

    def shortfall(self, timeout, mem, resident):
        """Why ``wait`` gave up: the figures, what Ollama still holds (``resident``, in words) and
        the largest processes now."""
        return gate_shortfall_message(timeout, self.required, mem, resident, format_processes(top_processes(5)))
