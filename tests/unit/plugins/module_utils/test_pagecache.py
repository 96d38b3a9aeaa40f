"""_pagecache: MemFree and the page cache before a start (close_gap), the memory_info prediction,
and the load-window guard (LoadGuard), with scripted readings, /proc writes and clock."""

import errno
import threading

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils import _pagecache
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import MeminfoError

GIB = 1 << 30


def mem(available, free, total=128 * GIB):
    return dict(total=total, available=available * GIB, free=None if free is None else free * GIB)


class Proc(object):
    """A fake /proc/sys: records the writes; ``refuse`` makes them fail with that errno.
    ``after_drop`` maps a drop_caches level to the reading that follows it."""

    def __init__(self, first, after_drop=None, refuse=None, refuse_compact=None):
        self.writes = []
        self.reading = first
        self.after_drop = after_drop or {}
        self.refuse = refuse
        self.refuse_compact = refuse_compact
        self.syncs = 0

    def write(self, path, text):
        if self.refuse is not None:
            raise OSError(self.refuse, 'refused', path)
        if path == _pagecache.COMPACT_MEMORY_PATH and self.refuse_compact is not None:
            raise OSError(self.refuse_compact, 'no such file', path)
        self.writes.append((path, text))
        if path == _pagecache.DROP_CACHES_PATH:
            self.reading = self.after_drop.get(int(text), self.reading)

    def read(self):
        return self.reading

    def sync(self):
        self.syncs += 1


# ---------------------------------------------------------------------------- arithmetic
@pytest.mark.parametrize("available, free, action, drop", [
    (100, 100, 'none', 0),       # MemFree covers it
    (100, 90, 'none', 0),        # exactly the requirement
    (100, 30, 'drop', 60),       # MemAvailable covers it, MemFree short by 60 GiB: drop that much
    (89, 30, 'short', 0),        # MemAvailable short: dropping cannot close it
    (100, None, 'none', 0),      # no MemFree line: counted as MemAvailable
])
def test_free_gap(available, free, action, drop):
    gap = _pagecache.free_gap(mem(available, free), 90 * GIB)
    assert gap['action'] == action
    assert gap['drop'] == drop * GIB
    assert gap['droppable'] == (available - (available if free is None else free)) * GIB
    assert gap['free_short'] == max(0, 90 - (available if free is None else free)) * GIB
    assert gap['available_short'] == max(0, 90 - available) * GIB


def test_free_gap_counts_bytes_exactly():
    gap = _pagecache.free_gap(dict(available=1000, free=999), 1000)
    assert (gap['action'], gap['drop']) == ('drop', 1)
    assert _pagecache.free_gap(dict(available=1000, free=1000), 1000)['action'] == 'none'
    assert _pagecache.free_gap(dict(available=999, free=999), 1000)['action'] == 'short'


def test_predict_free_adds_what_the_restart_frees_to_both():
    # 20 GiB of Ollama models come back as free pages; the page cache stays
    gap = _pagecache.predict_free(10 * GIB, 80 * GIB, 95 * GIB, reclaimable=20 * GIB)
    assert gap['projected_free'] == 30 * GIB
    assert (gap['available'], gap['action'], gap['drop']) == (100 * GIB, 'drop', 65 * GIB)
    assert _pagecache.predict_free(None, 80 * GIB, 95 * GIB, 20 * GIB)['action'] == 'none'
    assert _pagecache.predict_free(10 * GIB, 70 * GIB, 95 * GIB, 20 * GIB)['action'] == 'short'


def test_restart_free_fit_says_how_much_page_cache_to_drop():
    fit = dict(required=95 * GIB, available_now=80 * GIB, reclaimable=20 * GIB, would_fit=True)
    part = _pagecache.restart_free_fit(dict(free=10 * GIB, available=80 * GIB), fit)
    assert part['pagecache_drop'] == 65 * GIB and part['free_now'] == 10 * GIB and part['projected_free'] == 30 * GIB
    assert 'fits after dropping 65.00 GiB of page cache' in part['pagecache_summary']
    fit_free = _pagecache.restart_free_fit(dict(free=90 * GIB, available=90 * GIB), fit)
    assert fit_free['pagecache_drop'] == 0 and 'no page cache to drop' in fit_free['pagecache_summary']
    # not fitting at all: no drop promised
    short = _pagecache.restart_free_fit(dict(free=10 * GIB, available=60 * GIB),
                                        dict(fit, available_now=60 * GIB, would_fit=False))
    assert short['pagecache_drop'] == 0 and 'cannot make up' in short['pagecache_summary']


# ---------------------------------------------------------------------------- the /proc writes
def test_drop_syncs_then_writes_the_level_then_compacts():
    proc = Proc(mem(100, 10))
    done = _pagecache.drop(1, write=proc.write, sync=proc.sync)
    assert done == dict(dropped=True, compacted=True, permitted=True, error=None, level=1)
    assert proc.syncs == 1
    assert proc.writes == [(_pagecache.DROP_CACHES_PATH, '1\n'), (_pagecache.COMPACT_MEMORY_PATH, '1\n')]


@pytest.mark.parametrize("code, permitted", [(errno.EROFS, False), (errno.EACCES, False), (errno.EPERM, False),
                                             (errno.EIO, True)])
def test_drop_refused_says_whether_trying_again_can_help(code, permitted):
    done = _pagecache.drop(3, write=Proc(None, refuse=code).write, sync=lambda: None)
    assert not done['dropped'] and done['permitted'] is permitted
    assert _pagecache.DROP_CACHES_PATH in done['error']


def test_drop_without_compaction_still_counts():
    done = _pagecache.drop(3, write=Proc(None, refuse_compact=errno.ENOENT).write, sync=lambda: None)
    assert done['dropped'] and not done['compacted'] and _pagecache.COMPACT_MEMORY_PATH in done['error']


def test_the_real_writer_writes_the_file(tmp_path):
    target = tmp_path / 'drop_caches'
    _pagecache.write_proc(str(target), '1\n')
    assert target.read_text() == '1\n'


# ---------------------------------------------------------------------------- close_gap
def test_close_gap_does_nothing_when_memfree_covers_it():
    proc = Proc(mem(100, 95))
    lines = []
    out = _pagecache.close_gap(90 * GIB, read=proc.read, write=proc.write, sync=proc.sync, say=lines.append)
    assert out['met'] and out['action'] == 'none' and out['dropped_levels'] == []
    assert proc.writes == [] and proc.syncs == 0 and lines == []


def test_close_gap_does_not_drop_when_memavailable_is_short():
    proc = Proc(mem(80, 10))
    out = _pagecache.close_gap(90 * GIB, read=proc.read, write=proc.write, sync=proc.sync)
    assert not out['met'] and out['action'] == 'short' and proc.writes == []
    assert 'MemAvailable 80.00 GiB is short of 90.00 GiB by 10.00 GiB' in out['msg']


def test_close_gap_drops_the_page_cache_only_when_that_is_enough():
    proc = Proc(mem(100, 30), after_drop={1: mem(100, 95), 2: mem(100, 99)})
    lines = []
    out = _pagecache.close_gap(90 * GIB, read=proc.read, write=proc.write, sync=proc.sync, say=lines.append)
    assert out['met'] and out['dropped_levels'] == [1]
    assert [w for w in proc.writes if w[0] == _pagecache.DROP_CACHES_PATH] == [(_pagecache.DROP_CACHES_PATH, '1\n')]
    assert out['freed'] == 65 * GIB and out['after']['free'] == 95 * GIB
    # the journal has both figures, before and after
    assert 'MemFree 30.00 GiB is short of 90.00 GiB' in lines[0] and 'MemAvailable 100.00 GiB' in lines[0]
    assert 'MemFree 95.00 GiB, MemAvailable 100.00 GiB, was MemFree 30.00 GiB, MemAvailable 100.00 GiB' in lines[1]


def test_close_gap_goes_on_to_slab_when_the_page_cache_was_not_enough():
    proc = Proc(mem(100, 30), after_drop={1: mem(100, 85), 2: mem(100, 92)})
    out = _pagecache.close_gap(90 * GIB, read=proc.read, write=proc.write, sync=proc.sync)
    assert out['met'] and out['dropped_levels'] == [1, 2] and proc.syncs == 2


def test_close_gap_refuses_with_the_figures_when_dropping_does_not_close_it():
    proc = Proc(mem(100, 30), after_drop={1: mem(100, 70), 2: mem(100, 75)})
    out = _pagecache.close_gap(90 * GIB, read=proc.read, write=proc.write, sync=proc.sync)
    assert not out['met'] and out['dropped_levels'] == [1, 2]
    assert out['msg'].startswith('MemFree 75.00 GiB is short of 90.00 GiB (%d bytes) by 15.00 GiB even after '
                                 'dropping the page cache and reclaimable slab' % (90 * GIB))
    assert 'before: MemFree 30.00 GiB, MemAvailable 100.00 GiB; after: MemFree 75.00 GiB' in out['msg']


def test_close_gap_not_permitted_goes_on_memavailable_and_says_so():
    proc = Proc(mem(100, 30), refuse=errno.EROFS)
    out = _pagecache.close_gap(90 * GIB, read=proc.read, write=proc.write, sync=proc.sync)
    assert out['met'] and not out['permitted'] and out['dropped_levels'] == []
    assert 'cannot be dropped here' in out['msg'] and 'going on MemAvailable 100.00 GiB alone' in out['msg']


def test_close_gap_uses_the_reading_given():
    def never():
        raise AssertionError('read before a drop')
    out = _pagecache.close_gap(90 * GIB, read=never, mem=mem(100, 95))
    assert out['met'] and out['before']['free'] == 95 * GIB


# ---------------------------------------------------------------------------- the load guard
class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def guard(readings, clock, proc=None, **kwargs):
    proc = proc or Proc(None)
    feed = iter(readings)
    events = []
    lines = []
    g = _pagecache.LoadGuard(floor=8 * GIB, interval=15, read=lambda: next(feed), write=proc.write,
                             sync=proc.sync, say=lines.append, clock=clock,
                             record=lambda event, **d: events.append((event, d)), **kwargs)
    return g, proc, events, lines


def test_guard_drops_under_the_floor_only():
    clock = Clock()
    g, proc, events, lines = guard([mem(20, 9), mem(20, 7), mem(20, 18)], clock)
    assert g.check() is None                       # 9 GiB >= 8 GiB
    assert g.check() == 'dropped'                  # 7 GiB < 8 GiB; the reading after is 18 GiB
    assert g.counters == dict(checks=2, drops=1, deferred=0, failed=0)
    assert (_pagecache.DROP_CACHES_PATH, '3\n') in proc.writes
    assert (_pagecache.COMPACT_MEMORY_PATH, '1\n') in proc.writes
    assert events == [('pagecache_drop', dict(source='load_guard', free_before=7 * GIB, free_after=18 * GIB,
                                              floor=8 * GIB))]
    assert lines == ['load guard: drop 1: MemFree 7.00 GiB < floor 8.00 GiB: caches dropped and memory compacted: '
                     'MemFree 18.00 GiB, MemAvailable 20.00 GiB']


def test_guard_never_drops_more_often_than_its_rate():
    clock = Clock()
    low = mem(20, 2)
    g, proc, _events, _lines = guard([low] * 100, clock)
    actions = []
    for _step in range(60):                        # 60 readings a second apart, all under the floor
        actions.append(g.check())
        clock.now += 1.0
    drop_times = [i for i, a in enumerate(actions) if a == 'dropped']
    assert drop_times == [0, 15, 30, 45]
    assert all(b - a >= 15 for a, b in zip(drop_times, drop_times[1:]))
    assert g.counters['drops'] == 4 and g.counters['deferred'] == 56
    assert len([w for w in proc.writes if w[0] == _pagecache.DROP_CACHES_PATH]) == 4


def test_guard_gives_up_once_when_the_host_does_not_permit_drops():
    clock = Clock()
    g, _proc, events, lines = guard([mem(20, 2)] * 10, clock, proc=Proc(None, refuse=errno.EROFS))
    assert g.check() == 'failed' and g.gave_up
    clock.now += 100
    assert g.check() is None                       # no more tries, no more lines
    assert events == [] and len(lines) == 1 and 'guard off for this start' in lines[0]


def test_guard_stops_with_a_successful_start():
    proc = Proc(None)
    reads = []
    started = threading.Event()

    def read():
        reads.append(1)
        started.set()
        return mem(20, 2)
    lines = []
    g = _pagecache.LoadGuard(floor=8 * GIB, interval=0, poll=0.001, read=read, write=proc.write,
                             sync=proc.sync, say=lines.append)
    with g:
        assert started.wait(10)                    # the thread reads while "vLLM loads"
        outcome = 'serving'
    n = len(reads)
    assert outcome == 'serving' and g._thread is None
    assert len(reads) == n                         # nothing after the end
    assert lines[0].startswith('load guard: on until the start ends')
    assert lines[-1].startswith('load guard: off (the start ended): %d drops' % g.counters['drops'])
    assert g.counters['drops'] >= 1


def test_guard_stops_when_the_start_fails():
    proc = Proc(None)
    started = threading.Event()

    def read():
        started.set()
        return mem(20, 20)
    lines = []
    g = _pagecache.LoadGuard(floor=8 * GIB, poll=0.001, read=read, write=proc.write, sync=proc.sync,
                             say=lines.append)
    with pytest.raises(RuntimeError):
        with g:
            assert started.wait(10)
            raise RuntimeError('vLLM does not serve')
    assert g._thread is None and g._stop.is_set()
    assert lines[-1].startswith('load guard: off (the start ended with an error): 0 drops')
    assert proc.writes == []


def test_guard_stops_on_an_unreadable_meminfo():
    def read():
        raise MeminfoError('cannot read /proc/meminfo')
    lines = []
    g = _pagecache.LoadGuard(read=read, say=lines.append)
    assert g.check() == 'failed' and g.gave_up
    assert 'cannot read the memory figures' in lines[0]


@pytest.mark.parametrize("cfg, floor", [
    ({}, 8 * GIB),
    ({'load_guard': True, 'load_free_floor': '6GiB'}, 6 * GIB),
    ({'load_guard': 'true', 'load_free_floor': '4096'}, 4096),
    ({'load_guard': 'True', 'load_free_floor': ''}, 8 * GIB),
])
def test_guard_from_settings(cfg, floor):
    assert _pagecache.guard_from_settings(cfg).floor == floor


@pytest.mark.parametrize("value", [False, 'false', 'False', 'no', '0'])
def test_guard_off_from_settings(value):
    assert _pagecache.guard_from_settings({'load_guard': value}) is None


def test_guard_from_settings_bad_floor_says_so_and_keeps_the_default():
    lines = []
    g = _pagecache.guard_from_settings({'load_free_floor': '8G'}, say=lines.append)
    assert g.floor == 8 * GIB and 'load_free_floor' in lines[0] and 'ambiguous' in lines[0]


# ---------------------------------------------------------------------------- ollama_unload's drop_caches
def eviction(monkeypatch, proc, required=90 * GIB):
    from ansible_collections.openclaw.gx10.plugins.module_utils import _evict
    monkeypatch.setattr(_evict, 'close_gap', lambda required, mem, say: _pagecache.close_gap(
        required, mem=mem, say=say, read=proc.read, write=proc.write, sync=proc.sync))
    warnings, notes = [], []
    ev = _evict.Eviction(dict(require_available=required, margin=0, drop_caches=True),
                         warn=warnings.append, note=notes.append)
    ev.required = required
    return ev, warnings, notes


def test_unload_drop_caches_closes_the_gap_and_reports_the_figures(monkeypatch):
    proc = Proc(mem(100, 30), after_drop={1: mem(100, 95)})
    ev, warnings, notes = eviction(monkeypatch, proc)
    ev.close_free_gap(proc.read())
    page = ev.result['memory']['pagecache']
    assert ev.result['changed'] and ev.result['memory']['caches_dropped']
    assert (page['action'], page['dropped_levels'], page['free_before'], page['free_after']) == \
        ('drop', [1], 30 * GIB, 95 * GIB)
    assert ev.result['memory']['free'] == 95 * GIB and warnings == [] and len(notes) == 2


def test_unload_drop_caches_never_drops_when_memfree_covers_it(monkeypatch):
    proc = Proc(mem(100, 95))
    ev, _warnings, _notes = eviction(monkeypatch, proc)
    ev.close_free_gap(proc.read())
    assert proc.writes == [] and not ev.result['changed'] and not ev.result['memory']['caches_dropped']


def test_unload_drop_caches_fails_with_the_figures_when_the_gap_stays(monkeypatch):
    from ansible_collections.openclaw.gx10.plugins.module_utils._evict import EvictionFailed
    proc = Proc(mem(100, 30), after_drop={1: mem(100, 40), 2: mem(100, 41)})
    ev, _warnings, _notes = eviction(monkeypatch, proc)
    with pytest.raises(EvictionFailed) as err:
        ev.close_free_gap(proc.read())
    assert 'even after dropping the page cache' in err.value.msg
    assert err.value.result['memory']['pagecache']['free_after'] == 41 * GIB


def test_unload_drop_caches_not_permitted_warns_and_goes_on(monkeypatch):
    proc = Proc(mem(100, 30), refuse=errno.EROFS)
    ev, warnings, _notes = eviction(monkeypatch, proc)
    ev.close_free_gap(proc.read())
    assert not ev.result['memory']['caches_dropped'] and 'cannot be dropped here' in warnings[0]


# ---------------------------------------------------------------------------- memory_info's prediction
def test_memory_info_restart_fit_says_fits_after_dropping_page_cache():
    from ansible_collections.openclaw.gx10.plugins.module_utils._memory_info import restart_fit
    container = dict(name='vllm', exists=False, running=False, memory_usage=None, state='absent')
    no_ollama = dict(status='refused', models=[], resident_bytes=0)
    fit = restart_fit(dict(total=128 * GIB, available=110 * GIB, free=20 * GIB), no_ollama,
                      dict(container=container), 0.5, 3 * GIB)
    assert fit['would_fit'] and fit['free_now'] == 20 * GIB and fit['projected_free'] == 20 * GIB
    assert fit['pagecache_drop'] == 47 * GIB                       # 64 + 3 GiB required, 20 GiB free
    assert fit['summary'].endswith('fits after dropping 47.00 GiB of page cache '
                                   '(MemAvailable - MemFree = 90.00 GiB can be dropped).')
    # Ollama's 30 GiB come back as free pages: less to drop
    with_ollama = dict(status='ok', models=[dict(name='big:latest', size=30 * GIB)], resident_bytes=30 * GIB)
    fit = restart_fit(dict(total=128 * GIB, available=80 * GIB, free=20 * GIB), with_ollama,
                      dict(container=container), 0.5, 3 * GIB)
    assert fit['would_fit'] and fit['projected_free'] == 50 * GIB and fit['pagecache_drop'] == 17 * GIB
    fit = restart_fit(dict(total=128 * GIB, available=110 * GIB, free=100 * GIB), no_ollama,
                      dict(container=container), 0.5, 3 * GIB)
    assert fit['pagecache_drop'] == 0 and 'no page cache to drop' in fit['summary']
