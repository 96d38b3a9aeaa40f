# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""MemFree, the page cache and vLLM's load window on GB10 (private to openclaw.gx10).

On GB10 the driver allocates from free pages: ``MemAvailable`` counts reclaimable page cache as
available, so vLLM's start-up check can pass while its allocations during the load fail
(``NV_ERR_NO_MEMORY``) because ``MemFree`` is low.  The page cache is typically the weights vLLM
has just read.  Two rules, one implementation for the host gate, ``ollama_unload`` and
``memory_info``:

* before a start (``close_gap``): when MemAvailable covers the requirement but MemFree does not,
  drop the page cache only as far as needed (``sync``; ``drop_caches`` 1, the page cache; then 2,
  reclaimable slab, only when 1 did not close the gap; ``compact_memory`` after each), with the
  figures before and after; still short: refused with the figures.  No drop when MemFree already
  covers it, or when MemAvailable does not (dropping cannot close that gap).
* during the load (``LoadGuard``): whenever MemFree falls under a floor, drop caches and compact,
  at most once per ``interval`` seconds, until the start ends (served or failed).

The arithmetic (``free_gap``, ``predict_free``) is pure; the /proc writes, ``sync``, the readings
and the clock are injectable.  Standard library only: it runs inside the gate on the host.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import threading
import time

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    GIB,
    SizeError,
    format_bytes,
    parse_size,
    snapshot,
)

DROP_CACHES_PATH = '/proc/sys/vm/drop_caches'
COMPACT_MEMORY_PATH = '/proc/sys/vm/compact_memory'

# drop_caches levels, the smaller first: 1 frees clean page cache, 2 reclaimable slab (dentries
# and inodes), 3 both.
PAGECACHE = 1
SLAB = 2
BOTH = 3

# The floor of the field report that made GB10 loads reliable (a guard dropping caches whenever
# MemFree < 8 GiB, from the launch until start-up completed).
DEFAULT_FLOOR = 8 * GIB
# How often the guard reads MemFree, and the least time between two of its drops: a drop
# and compaction take seconds on a full 128 GB host; more would only stall the load.
GUARD_POLL = 1.0
GUARD_INTERVAL = 15.0

# The figures that cannot be changed by writing to /proc/sys: no point trying again.
_NOT_PERMITTED = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT)


def write_proc(path, text):
    """Write ``text`` to a /proc/sys file (the real writer; tests inject another)."""
    with open(path, 'w') as handle:
        handle.write(text)


def _sync():
    try:
        os.sync()
    except (AttributeError, OSError):
        pass


# ---------------------------------------------------------------------------- arithmetic
def free_gap(mem, required):
    """What the page cache rule says for ``mem`` (``snapshot()``) and ``required`` bytes.

    Returns a dict of bytes: ``required``, ``available``, ``free``, ``free_short`` (MemFree
    missing), ``available_short`` (MemAvailable missing), ``droppable`` (MemAvailable - MemFree:
    the kernel's estimate of what reclaim frees), ``drop`` (the page cache to drop: what MemFree
    misses, 0 unless ``action`` is ``drop``) and ``action``: ``none`` (MemFree covers it),
    ``drop`` (MemAvailable covers it, MemFree does not) or ``short`` (MemAvailable does not:
    dropping the page cache cannot close that gap).  A reading without MemFree counts as
    MemFree = MemAvailable (nothing to drop).
    """
    required = int(required)
    available = int(mem['available'])
    free = mem.get('free')
    free = available if free is None else int(free)
    result = dict(required=required, available=available, free=free,
                  free_short=max(0, required - free), available_short=max(0, required - available),
                  droppable=max(0, available - free), drop=0)
    if result['available_short']:
        result['action'] = 'short'
    elif result['free_short']:
        result['action'] = 'drop'
        result['drop'] = result['free_short']
    else:
        result['action'] = 'none'
    return result


def predict_free(free_now, available_now, required, reclaimable=0):
    """MemFree after a restart frees ``reclaimable`` bytes (Ollama's models, the old vLLM), as
    ``free_gap`` judges it: their memory comes back as free pages, the page cache stays.

    Returns ``free_gap``'s dict for the projected figures plus ``projected_free``.
    """
    reclaimable = int(reclaimable or 0)
    free = int(available_now if free_now is None else free_now) + reclaimable
    gap = free_gap(dict(available=int(available_now) + reclaimable, free=free), required)
    gap['projected_free'] = free
    return gap


def describe_prediction(gap):
    """The prediction's page cache sentence (``memory_info``'s summary)."""
    if gap['action'] == 'drop':
        return ('MemFree after the evictions about %s: fits after dropping %s of page cache '
                '(MemAvailable - MemFree = %s can be dropped).'
                % (format_bytes(gap['free']), format_bytes(gap['drop']), format_bytes(gap['droppable'])))
    if gap['action'] == 'none':
        return 'MemFree after the evictions about %s covers it: no page cache to drop.' % format_bytes(gap['free'])
    return ('MemFree after the evictions about %s; dropping the page cache cannot make up what '
            'MemAvailable lacks.' % format_bytes(gap['free']))


def restart_free_fit(memory, fit):
    """``memory_info``'s ``restart_fit``, the MemFree half: ``memory`` is ``snapshot()``, ``fit`` the
    MemAvailable prediction (``required``, ``available_now``, ``reclaimable``, ``would_fit``).

    Returns ``free_now``, ``projected_free`` (MemFree once the restart freed what it frees),
    ``pagecache_drop`` (bytes of page cache the gate would drop; 0 when MemFree covers it or when
    the start does not fit anyway) and ``pagecache_summary`` (the sentence the summary ends with).
    """
    gap = predict_free(memory.get('free'), fit['available_now'], fit['required'], fit['reclaimable'])
    return dict(free_now=memory.get('free'), projected_free=gap['projected_free'],
                pagecache_drop=gap['drop'] if fit['would_fit'] else 0,
                pagecache_summary=describe_prediction(gap))


def figures(mem):
    """``MemFree 3.00 GiB, MemAvailable 90.00 GiB``."""
    free = mem.get('free')
    return 'MemFree %s, MemAvailable %s' % (format_bytes(mem['available'] if free is None else free),
                                            format_bytes(mem['available']))


# ---------------------------------------------------------------------------- the /proc writes
def drop(level=BOTH, compact=True, write=write_proc, sync=_sync):
    """``sync``, write ``level`` to drop_caches, then 1 to compact_memory (when ``compact``).

    Never raises for a refused write: returns ``{'dropped', 'compacted', 'permitted', 'error'}``;
    ``permitted`` is false when the host does not let this process write (no root, read-only
    /proc/sys in a container): trying again cannot help.
    """
    outcome = dict(dropped=False, compacted=False, permitted=True, error=None, level=level)
    sync()
    try:
        write(DROP_CACHES_PATH, '%d\n' % level)
        outcome['dropped'] = True
    except (IOError, OSError) as exc:
        outcome['permitted'] = getattr(exc, 'errno', None) not in _NOT_PERMITTED
        outcome['error'] = 'cannot write %s: %s' % (DROP_CACHES_PATH, exc)
        return outcome
    if compact:
        try:
            write(COMPACT_MEMORY_PATH, '1\n')
            outcome['compacted'] = True
        except (IOError, OSError) as exc:
            # a kernel without CONFIG_COMPACTION has no such file: the drop still counts
            outcome['error'] = 'cannot write %s: %s' % (COMPACT_MEMORY_PATH, exc)
    return outcome


def close_gap(required, read=snapshot, write=write_proc, sync=_sync, say=None, mem=None):
    """Drop the page cache only as far as MemFree needs to reach ``required`` bytes.

    ``mem``: a reading just taken (else ``read()`` is called).  ``say(line)`` gets the journal
    lines: the figures before and after every drop.  Returns a dict: ``action`` (``free_gap``'s
    before any drop), ``met`` (MemFree and MemAvailable cover ``required`` at the end; with a
    drop that was not permitted, MemAvailable alone decides, and ``permitted`` is false),
    ``dropped_levels``, ``before``, ``after`` (readings), ``freed`` (MemFree gained), ``error``
    and ``msg`` (the figures in words: the refusal when not ``met``).
    """
    say = say or (lambda line: None)
    before = mem if mem is not None else read()
    gap = free_gap(before, required)
    outcome = dict(action=gap['action'], met=gap['action'] == 'none', permitted=True, dropped_levels=[],
                   before=before, after=before, freed=0, error=None, msg='', required=int(required))
    if gap['action'] == 'none':
        outcome['msg'] = '%s cover %s: no page cache dropped' % (figures(before), format_bytes(required))
        return outcome
    if gap['action'] == 'short':
        outcome['msg'] = ('MemAvailable %s is short of %s by %s: dropping the page cache cannot close that'
                          % (format_bytes(gap['available']), format_bytes(required),
                             format_bytes(gap['available_short'])))
        return outcome
    say('MemFree %s is short of %s (%d bytes) by %s while MemAvailable %s covers it: dropping the page cache '
        '(sync, drop_caches, compact_memory) as far as needed'
        % (format_bytes(gap['free']), format_bytes(required), int(required), format_bytes(gap['free_short']),
           format_bytes(gap['available'])))
    after = before
    for level in (PAGECACHE, SLAB):
        done = drop(level, write=write, sync=sync)
        if not done['dropped']:
            outcome.update(permitted=done['permitted'], error=done['error'])
            break
        outcome['dropped_levels'].append(level)
        if done['error']:
            outcome['error'] = done['error']
        after = read()
        say('dropped %s (drop_caches=%d%s): %s, was %s'
            % ('the page cache' if level == PAGECACHE else 'reclaimable slab too', level,
               ', memory compacted' if done['compacted'] else '', figures(after), figures(before)))
        if free_gap(after, required)['action'] == 'none':
            break
    outcome['after'] = after
    outcome['freed'] = max(0, int(after.get('free') or 0) - int(before.get('free') or 0))
    final = free_gap(after, required)
    if final['action'] == 'none':
        outcome['met'] = True
        outcome['msg'] = '%s cover %s after dropping %s' % (
            figures(after), format_bytes(required), format_bytes(outcome['freed']))
    elif not outcome['dropped_levels'] and not outcome['permitted']:
        # The host does not let us drop (no root, read-only /proc/sys): the start goes on the
        # MemAvailable gate alone, as before this rule, and says so.
        outcome['met'] = final['action'] != 'short'
        outcome['msg'] = ('MemFree %s is short of %s by %s but the page cache cannot be dropped here (%s): '
                          'going on MemAvailable %s alone'
                          % (format_bytes(final['free']), format_bytes(required), format_bytes(final['free_short']),
                             outcome['error'], format_bytes(final['available'])))
    else:
        outcome['msg'] = ('MemFree %s is short of %s (%d bytes) by %s even after dropping the page cache%s '
                          '(before: %s; after: %s)'
                          % (format_bytes(final['free']), format_bytes(required), int(required),
                             format_bytes(final['free_short']),
                             ' and reclaimable slab' if SLAB in outcome['dropped_levels'] else
                             (' (%s)' % outcome['error'] if outcome['error'] else ''),
                             figures(before), figures(after)))
    return outcome


# ---------------------------------------------------------------------------- the load guard
class LoadGuard(object):
    """Drop caches and compact whenever MemFree < ``floor``, at most every ``interval`` seconds.

    ``check()`` is one step (read, decide, act) and is what the tests drive with a fake clock;
    ``start()``/``stop()`` run it every ``poll`` seconds in a thread; as a context manager it
    starts on entry and stops on exit, whatever ends the block (served, failed, an exception).
    ``say(line)``: a journal line per action; ``record(event, **details)``: a counter hook
    (event ``pagecache_drop``).  A drop the host does not permit ends the guard (trying again
    cannot help), with one line saying so.  ``counters``: ``checks``, ``drops``, ``deferred``
    (readings under the floor within ``interval`` of the last drop), ``failed``.
    """

    def __init__(self, floor=DEFAULT_FLOOR, interval=GUARD_INTERVAL, poll=GUARD_POLL, read=snapshot,
                 write=write_proc, sync=_sync, say=None, record=None, clock=time.monotonic):
        self.floor = int(floor)
        self.interval = float(interval)
        self.poll = float(poll)
        self.read = read
        self.write = write
        self.sync = sync
        self.say = say or (lambda line: None)
        self.record = record
        self.clock = clock
        self.last_drop = None
        self.gave_up = False
        self.counters = dict(checks=0, drops=0, deferred=0, failed=0)
        self._stop = threading.Event()
        self._thread = None

    def check(self):
        """One reading; drops when MemFree < floor and the rate allows.  Returns the action taken:
        ``None``, ``'deferred'``, ``'dropped'`` or ``'failed'``."""
        if self.gave_up:
            return None
        try:
            mem = self.read()
        except Exception as exc:  # pylint: disable=broad-except
            self.counters['failed'] += 1
            self.gave_up = True
            self.say('load guard: cannot read the memory figures (%s): guard off for this start' % exc)
            return 'failed'
        self.counters['checks'] += 1
        free = mem.get('free')
        if free is None or free >= self.floor:
            return None
        now = self.clock()
        if self.last_drop is not None and now - self.last_drop < self.interval:
            self.counters['deferred'] += 1
            return 'deferred'
        self.last_drop = now
        done = drop(BOTH, write=self.write, sync=self.sync)
        if not done['dropped']:
            self.counters['failed'] += 1
            self.gave_up = not done['permitted']
            self.say('load guard: MemFree %s < floor %s but %s%s'
                     % (format_bytes(free), format_bytes(self.floor), done['error'],
                        ': guard off for this start' if self.gave_up else ''))
            return 'failed'
        self.counters['drops'] += 1
        after = self.read()
        self.say('load guard: drop %d: MemFree %s < floor %s: caches dropped%s: %s'
                 % (self.counters['drops'], format_bytes(free), format_bytes(self.floor),
                    ' and memory compacted' if done['compacted'] else '', figures(after)))
        if self.record:
            try:
                self.record('pagecache_drop', source='load_guard', free_before=free,
                            free_after=after.get('free'), floor=self.floor)
            except Exception as exc:  # pylint: disable=broad-except
                self.say('load guard: could not record the drop: %s' % exc)
        return 'dropped'

    def _loop(self):
        while not self._stop.is_set():
            self.check()
            if self.gave_up:
                return
            self._stop.wait(self.poll)

    def start(self):
        self.say('load guard: on until the start ends (drops caches when MemFree < %s, at most every %d s)'
                 % (format_bytes(self.floor), self.interval))
        self._thread = threading.Thread(target=self._loop, name='load-guard')
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self, outcome='ended'):
        """Stop the thread (waits for a drop in progress) and say what it did."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.say('load guard: off (%s): %d drops, %d deferred by the rate limit, %d failed, %d readings'
                 % (outcome, self.counters['drops'], self.counters['deferred'], self.counters['failed'],
                    self.counters['checks']))
        return self.counters

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop('the start ended' if exc_type is None else 'the start ended with an error')
        return False


def _flag(value):
    """A boolean from the gate's settings (older Ansible writes templated booleans as strings)."""
    return str(value).strip().lower() in ('true', '1', 'yes', 'on')


def guard_from_settings(cfg, **kwargs):
    """The load guard the gate's settings ask for (``load_guard``, default on; ``load_free_floor``, a
    size, default 8 GiB), or None when it is off.  ``kwargs`` go to ``LoadGuard``.  A floor that does
    not parse (the role's preflight refuses it first) is said and the default used."""
    if not _flag(cfg.get('load_guard', True)):
        return None
    floor = cfg.get('load_free_floor')
    try:
        floor = DEFAULT_FLOOR if floor in (None, '') else parse_size(floor, 'load_free_floor')
    except SizeError as exc:
        # vLLM is already loading: a guard on the default floor beats none (the role refuses it first)
        (kwargs.get('say') or (lambda line: None))('load guard: %s; using %s' % (exc, format_bytes(DEFAULT_FLOOR)))
        floor = DEFAULT_FLOOR
    return LoadGuard(floor=floor, **kwargs)
