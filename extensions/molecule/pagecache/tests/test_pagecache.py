"""The page cache and MemFree through vLLM's load window (issue 19), on real systemd with the real
gate and the stand-in as GB10's driver (VLLM_STANDIN_DRIVER_MEMFREE=1: the load allocates from
free pages in steps and fails with NV_ERR_NO_MEMORY when MemFree is short).

Every figure comes from the live /proc/meminfo (the target reads this machine's): the utilization
is chosen so that the request fits in MemFree once the page cache is dropped, and the page cache
is filled, by reading a regular file on the target's disk, until MemFree is short of the request
while MemAvailable still covers it. What happened is read from the vLLM unit's journal (the gate's
lines and the container's own, in order) and the gate's counters, never from timing.
Tests run in file order, one target.
"""

import json
import math
import re
import shlex
import time
from pathlib import Path

import pytest
from gx10_testinfra import GIB, MIB, health, inspect, journal_cursor, meminfo, play, serves, wait_for

SCENARIO = Path(__file__).resolve().parents[1]
CONVERGE = SCENARIO / "converge.yml"
MARGIN = 256 * MIB        # vllm_restart_margin in molecule.yml
# What other work on this machine may move MemFree by between the reading that sizes a start and
# the start's own readings: MemFree is short of the load, or covers the gate, by this much.
SLACK = 2 * GIB
# MemAvailable over the gate's requirement that a test asks before a start: the requirement is
# sized from MemFree after a drop, and MemAvailable is hardly more than that then.
NOISE = 512 * MIB
INTERVAL = 15.0           # the guard's least time between two drops (_pagecache.GUARD_INTERVAL)
DRIVER = "NV_ERR_NO_MEMORY"
FIRST_LINE = "vLLM API server version"   # the stand-in's first line
# The target's disk (its overlay, on this machine's ext4), not the tmpfs /tmp: page cache, not shmem.
FILL_DIR = "/var/tmp/gx10-pagecache"
EVENTS = "/var/lib/openclaw-gx10/vllm.gate-events.json"

# A process that keeps a file's pages mapped: page cache that MemAvailable counts but drop_caches
# cannot drop (it skips mapped pages), as the weights a running process reads through mmap.
MAPPER = """import mmap, os, signal, sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as handle:
    handle.truncate(size)
fd = os.open(path, os.O_RDONLY)
region = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
for offset in range(0, size, mmap.PAGESIZE):
    region[offset]
open(path + ".ready", "w").close()
signal.pause()
"""


def gib(value):
    return "%.2f GiB" % (value / GIB)


def figures(mem):
    return "MemFree %s, MemAvailable %s" % (gib(mem["MemFree"]), gib(mem["MemAvailable"]))


def drop_all(host):
    host.check_output("sync; echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory")


def journal(host, cursor):
    """(seconds, message) of the vLLM unit's journal lines after CURSOR."""
    out = host.check_output("journalctl -u vllm.service --after-cursor=%s -o json --no-pager" % shlex.quote(cursor))
    lines = []
    for raw in out.splitlines():
        entry = json.loads(raw)
        if isinstance(entry.get("MESSAGE"), str):
            lines.append((int(entry["__REALTIME_TIMESTAMP"]) / 1e6, entry["MESSAGE"]))
    return lines


def index_of(lines, text, start=0):
    for i, (_when, line) in enumerate(lines[start:], start):
        if text in line:
            return i
    raise AssertionError("no line with %r in the journal:\n%s" % (text, "\n".join(m for _t, m in lines)))


def having(host, cursor, text):
    """The journal lines after CURSOR once one of them has TEXT, else None (for wait_for)."""
    lines = journal(host, cursor)
    return lines if any(text in line for _t, line in lines) else None


def counters(host):
    found = host.file(EVENTS)
    return json.loads(found.content_string)["counters"] if found.exists else {}


def restart(host):
    """`systemctl restart vllm.service`: it returns once ExecStartPost has said vLLM serves or not."""
    return host.run("timeout 300 systemctl restart vllm.service")


def stop_after_failure(host):
    """A failed start is restarted by systemd (Restart=always): stop it there, and forget the
    failure so that the start limit counts only what later tests do."""
    host.check_output("systemctl stop vllm.service; systemctl reset-failed vllm.service")


def wait_serving(host, timeout=120):
    wait_for("vLLM to serve", lambda: health(host) == "200" and serves(host), timeout=timeout, interval=1)


def fill(host, free_at_most):
    """Read sparse regular files on the target's disk into the page cache until MemFree <= the
    figure (their pages are clean page cache of a file on disk, as a model's weights just read are;
    sparse, so CI writes nothing to its disk). Returns the reading."""
    host.check_output("mkdir -p %s" % FILL_DIR)

    def step():
        mem = meminfo(host)
        if mem["MemFree"] <= free_at_most:
            return mem
        name = "%s/fill-%d" % (FILL_DIR, time.monotonic_ns())
        size = mem["MemFree"] - free_at_most + 128 * MIB
        host.check_output("truncate -s %d %s && cat %s > /dev/null" % (size, name, name))
        return None
    return wait_for("MemFree to fall to %s (page cache read from %s)" % (gib(free_at_most), FILL_DIR), step,
                    timeout=120, interval=0.5)


def empty_cache(host):
    """Delete the files (their pages leave the page cache with them) and stop a mapper."""
    host.run("systemctl stop gx10-mapped.service; systemctl reset-failed gx10-mapped.service")
    host.check_output("rm -rf %s" % FILL_DIR)


@pytest.fixture
def filled(host):
    yield
    empty_cache(host)


@pytest.fixture(scope="module")
def sized(host):
    """The utilization from live figures: the request fits in MemFree once the page cache is
    dropped, with SLACK to spare (MemFree after a drop is what the gate's drop can reach)."""
    empty_cache(host)
    drop_all(host)
    clean = meminfo(host)
    total = clean["MemTotal"]
    requested = clean["MemFree"] - MARGIN - SLACK
    util = math.floor(requested / total * 10000) / 10000
    requested = math.ceil(total * util)
    assert requested > 2 * SLACK, "this machine has too little free memory: %s" % figures(clean)
    return dict(util=util, requested=requested, required=requested + MARGIN, clean=clean)


def converge(host, sized, tmp_path, **settings):
    rc, out = play(CONVERGE, dict(settings, vllm_gpu_memory_utilization=sized["util"]), tmp_path=tmp_path)
    assert rc == 0, out
    wait_serving(host)


def short_of_free(host, sized):
    """Page cache until MemFree is short of what the load allocates while MemAvailable covers the
    gate's requirement; returns the reading."""
    mem = fill(host, sized["requested"] - SLACK)
    assert mem["MemAvailable"] >= sized["required"] + NOISE, (
        "MemAvailable fell with the page cache (%s; the gate needs %s): other work is holding memory"
        % (figures(mem), gib(sized["required"])))
    return mem


# ---------------------------------------------------------------- the target

def test_the_target_may_drop_the_page_cache(host):
    # 4: only silences the kernel's message of later drops; it drops nothing
    written = host.run("echo 4 > /proc/sys/vm/drop_caches")
    assert written.rc == 0, ("/proc/sys is read-only in the target: prepare.yml remounts it read-write "
                             "(molecule.yml says why): %s" % written.stderr)


# ---------------------------------------------------------------- before the start

def test_without_the_drop_and_the_guard_the_load_fails_as_the_driver_says(host, sized, filled, tmp_path):
    converge(host, sized, tmp_path, vllm_load_guard=False)
    # The gate as before issue 19: /proc/sys read-only again in the target (as docker leaves it in
    # any unprivileged container), so the gate cannot drop and goes on MemAvailable alone.
    host.check_output("mount -o remount,bind,ro /proc/sys")
    try:
        mem = short_of_free(host, sized)
        mark = journal_cursor(host)
        result = restart(host)
        stop_after_failure(host)
    finally:
        host.check_output("mount -o remount,bind,rw /proc/sys")
    assert result.rc != 0, "the start served with %s" % figures(mem)
    lines = journal(host, mark)
    cannot = index_of(lines, "cannot be dropped here")
    passed = index_of(lines, "vllm-gate: memory gate passed", cannot)
    started = index_of(lines, FIRST_LINE, passed)
    short = index_of(lines, "the driver needs", started)
    assert "MemFree" in lines[short][1] and "MemAvailable" in lines[short][1]
    failed = index_of(lines, DRIVER, short)
    index_of(lines, "vllm-gate: vLLM does not serve", failed)
    assert not any("load guard" in line for _t, line in lines), lines


def test_with_the_drop_the_same_start_serves_and_the_journal_says_so(host, sized, filled, tmp_path):
    converge(host, sized, tmp_path)     # vllm_load_guard true: the role's default
    before = counters(host).get("pagecache_drop", 0)
    mem = short_of_free(host, sized)
    mark = journal_cursor(host)
    result = restart(host)
    lines = journal(host, mark)
    assert result.rc == 0, "\n".join(m for _t, m in lines)
    text = [m for _t, m in lines]
    short = index_of(lines, "vllm-gate: MemFree")
    # the figures: what MemFree lacks of the requirement, in bytes too, and both before and after
    assert "is short of" in text[short] and "(%d bytes)" % sized["required"] in text[short], text[short]
    dropped = index_of(lines, "vllm-gate: dropped the page cache (drop_caches=1", short)
    after = re.search(r"MemFree ([\d.]+) GiB, MemAvailable ([\d.]+) GiB, was MemFree ([\d.]+) GiB", text[dropped])
    assert after, text[dropped]
    # two decimals: the gate compared the bytes
    assert float(after.group(1)) * GIB >= sized["required"] - 0.01 * GIB > float(after.group(3)) * GIB, text[dropped]
    passed = index_of(lines, "vllm-gate: memory gate passed", dropped)
    started = index_of(lines, FIRST_LINE, passed)
    index_of(lines, "allocation steps of free pages", started)
    index_of(lines, "vllm-gate: vLLM serves", started)
    assert not any(DRIVER in line for line in text), text
    assert counters(host).get("pagecache_drop", 0) == before + 1
    assert meminfo(host)["MemFree"] > mem["MemFree"]


def test_a_gap_dropping_cannot_close_is_refused_with_figures(host, sized, filled):
    # page cache a process keeps mapped: MemAvailable counts it, drop_caches leaves it
    drop_all(host)
    mapped = meminfo(host)["MemFree"] - sized["required"] + SLACK
    host.check_output("mkdir -p %s && cat > %s/mapper.py <<'GX10EOF'\n%sGX10EOF" % (FILL_DIR, FILL_DIR, MAPPER))
    host.check_output("systemd-run --unit gx10-mapped --property=RuntimeMaxSec=600 /usr/bin/python3 "
                      "%s/mapper.py %s/mapped %d" % (FILL_DIR, FILL_DIR, mapped))
    wait_for("the mapper to map %s" % gib(mapped),
             lambda: host.file("%s/mapped.ready" % FILL_DIR).exists, timeout=120)
    mem = meminfo(host)
    assert mem["MemAvailable"] >= sized["required"] + NOISE, figures(mem)
    mark = journal_cursor(host)
    result = restart(host)
    stop_after_failure(host)
    lines = journal(host, mark)
    assert result.rc != 0, "the start went on with %s" % figures(mem)
    index_of(lines, "vllm-gate: dropped the page cache (drop_caches=1")
    refused = index_of(lines, "vllm-gate: REFUSED: MemFree")
    line = lines[refused][1]
    assert "even after dropping the page cache" in line and "(%d bytes)" % sized["required"] in line, line
    assert re.search(r"before: MemFree [\d.]+ GiB, MemAvailable [\d.]+ GiB; after: MemFree [\d.]+ GiB", line), line
    # refused before the container started
    assert not any(FIRST_LINE in m for _t, m in lines), lines


# ---------------------------------------------------------------- the load guard

GUARD_OFF = re.compile(r"load guard: off \(([^)]*)\): (\d+) drops, (\d+) deferred by the rate limit, "
                       r"(\d+) failed, (\d+) readings")


def guard_run(lines, start=0):
    """The guard's lines of one start: (on, [drops], off, off's figures)."""
    on = index_of(lines, "vllm-gate: load guard: on", start)
    off = index_of(lines, "vllm-gate: load guard: off", on)
    drops = [i for i in range(on, off) if "load guard: drop " in lines[i][1]]
    found = GUARD_OFF.search(lines[off][1])
    assert found, lines[off][1]
    return on, drops, off, found


def test_the_guard_keeps_its_rate_and_ends_when_the_start_serves(host, sized, tmp_path):
    # A floor over MemTotal: every reading is under it, so only the rate limit holds the guard back.
    converge(host, sized, tmp_path, vllm_load_free_floor="64GiB")
    before = counters(host).get("pagecache_drop", 0)
    mark = journal_cursor(host)
    result = restart(host)
    lines = journal(host, mark)
    assert result.rc == 0, "\n".join(m for _t, m in lines)
    on, drops, off, found = guard_run(lines)
    assert int(found.group(2)) == len(drops) >= 1, lines[off][1]
    # the readings under the floor within 15 s of a drop were deferred, not dropped
    assert int(found.group(3)) >= 1, lines[off][1]
    times = [lines[i][0] for i in drops]
    assert all(b - a >= INTERVAL - 0.5 for a, b in zip(times, times[1:])), times
    assert len(drops) <= 1 + (lines[off][0] - lines[on][0]) // INTERVAL
    # it ends with the start: its last line comes before the gate says vLLM serves, none after
    served = index_of(lines, "vllm-gate: vLLM serves", off)
    assert not any("load guard" in m for _t, m in lines[served:]), lines[served:]
    assert counters(host).get("pagecache_drop", 0) == before + len(drops)


def test_the_guard_ends_when_the_start_fails(host, sized):
    mark = journal_cursor(host)
    host.check_output("systemctl restart --no-block vllm.service")
    wait_for("the guard's first drop", lambda: having(host, mark, "load guard: drop 1"), timeout=120)
    # the load dies half-way (the stand-in killed as a crash would)
    pid = wait_for("the stand-in to run", lambda: inspect(host)["State"]["Pid"], timeout=60)
    host.check_output("kill -9 %d" % pid)
    lines = wait_for("the gate to say vLLM does not serve",
                     lambda: having(host, mark, "vllm-gate: vLLM does not serve"), timeout=120)
    on, _drops, off, found = guard_run(lines)
    failed = index_of(lines, "vllm-gate: vLLM does not serve", on)
    assert off < failed, lines[off][1]
    assert int(found.group(4)) == 0, lines[off][1]
    # systemd starts it again (Restart=always): nothing of the guard between the failure and that
    # next start; then it serves through the gate, its own guard ended too
    lines = wait_for("the next start to serve", lambda: having(host, mark, "vllm-gate: vLLM serves"), timeout=180)
    again = index_of(lines, "vllm-gate: start of vLLM", failed)
    assert not any("load guard" in m for _t, m in lines[failed:again]), lines[failed:again]
    on2, _drops2, off2, _found2 = guard_run(lines, again)
    assert on2 < off2 < index_of(lines, "vllm-gate: vLLM serves", again)
    wait_serving(host)
