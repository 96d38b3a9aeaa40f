# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GB10's second out-of-memory: gated starts with the page cache filled so that MemFree is short.

On the target of the Molecule scenario `pagecache` (`molecule create/prepare/converge -s pagecache`:
systemd, docker inside, the vLLM stand-in as GB10's driver, VLLM_STANDIN_DRIVER_MEMFREE=1, and
/proc/sys remounted read-write by its prepare, which the lab's hosts do not have), with figures from the live /proc/meminfo
(the target reads this machine's):
    F = MemFree once the page cache is dropped; the stand-in asks F - margin - 2 GiB
    (utilization = that / MemTotal), so the request fits once the cache is dropped;
    before every start the page cache is filled (a sparse file on the target's disk, read) until
    MemFree is 2 GiB short of the request, while MemAvailable covers it.
Then N times each, alternating (ABAB, the first swapped every round):
    without  vllm_load_guard false and /proc/sys read-only again in the target (as docker leaves
             it in any unprivileged container): the gate cannot drop and goes on MemAvailable alone,
             as before issue 19
    with     vllm_load_guard true (the default floor) and /proc/sys writable: the gate drops the page
             cache before the start as far as needed, the guard watches the load
each `systemctl restart vllm.service` in the target, timed whole. The guard's setting is switched
in the gate's settings file (/etc/openclaw-gx10/vllm-gate.json, the key the role writes from
vllm_load_guard) rather than by a converge per run (30 s each on 2 cores).
Printed side by side: failures out of N (and how many with the driver's NV_ERR_NO_MEMORY), the
median start, and the time the drop adds to a start: from the gate's "is short ... dropping" line
to its last "dropped ..." line in the journal (sync, drop_caches, compact_memory, the readings).
At the end the scenario's target is destroyed (--keep leaves it).

--lab-host HOST runs the same on a host of the lab (`scripts/lab.sh up`, which shows it once as its
"before and after"): /proc/sys remounted read-write in the host for the run (the lab's hosts have the
targets' SYS_ADMIN, as the scenario's prepare uses), vLLM started through playbooks/vllm_restart.yml
with the stand-in as GB10's driver and the utilization chosen as above, and at the end the
inventory's settings again (a gated restart) and /proc/sys read-only as docker left it.

It drops this whole machine's page cache: run it with nothing else running (it takes the flock
/tmp/gx10-molecule-pagecache.lock, as scripts/test.sh does for the scenario).

    bench/run.sh pagecache [--runs N] [--keep] [--lab-host HOST]
"""
import argparse
import fcntl
import json
import math
import os
import re
import subprocess
import time

from _common import GIB, REPO, Lab, LabHost, alternate, fmt, log, median, q, table, write_result

SCENARIO = "pagecache"
TARGET = "gx10-pagecache"
MARGIN = 256 << 20          # vllm_restart_margin in the scenario's molecule.yml
SLACK = 2 * GIB             # MemFree short of the request by this, and above it after a drop
FILL_DIR = "/var/tmp/gx10-pagecache-bench"
SETTINGS = "/etc/openclaw-gx10/vllm-gate.json"
DRIVER = "NV_ERR_NO_MEMORY"


# The container the starts run in: the scenario's target, or --lab-host.
TARGETS = [TARGET]
# The stand-in as GB10's driver, as the scenario's molecule.yml sets it (a lab host gets it for the
# run only).
DRIVER_ENV = {"VLLM_STANDIN_DRIVER_MEMFREE": "1", "VLLM_STANDIN_LOAD_STEPS": "6", "VLLM_STANDIN_STARTUP_SECONDS": "6",
              "VLLM_STANDIN_HOLD_BYTES": "0", "VLLM_STANDIN_CUDA_CONTEXT_BYTES": "0"}


def sh(script, timeout=600, check=True):
    target = TARGETS[-1]
    proc = subprocess.run(["docker", "exec", target, "sh", "-c", script], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("in %s: %s\nexit %d\n%s%s" % (target, script, proc.returncode, proc.stdout[-2000:],
                                                         proc.stderr[-2000:]))
    return proc


def meminfo():
    out = {}
    for line in sh("cat /proc/meminfo").stdout.splitlines():
        key, _sep, rest = line.partition(":")
        out[key] = int(rest.split()[0]) * 1024
    return out


def molecule(*args, timeout=1200):
    log("molecule %s -s %s" % (" ".join(args[:1]), SCENARIO))
    proc = subprocess.run(["molecule", args[0], "-s", SCENARIO] + list(args[1:]), cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise SystemExit("molecule %s failed:\n%s" % (" ".join(args), proc.stdout[-4000:]))


def lab_restart(lab, host, extra):
    """playbooks/vllm_restart.yml on one lab host (the gated restart), with extra variables."""
    log("playbooks/vllm_restart.yml -l %s%s" % (host, " with " + ", ".join(sorted(extra)) if extra else ""))
    res = LabHost(lab, host).gated_restart(extra)
    if not res["ok"]:
        raise SystemExit("vllm_restart.yml on %s failed (rc %d): %s" % (host, res["rc"], res.get("why", "")))


def drop_all():
    sh("sync; echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory")


def fill(free_at_most, timeout=120):
    """Read sparse files on the target's disk into the page cache until MemFree <= the figure."""
    sh("mkdir -p %s" % FILL_DIR)
    deadline = time.monotonic() + timeout
    while True:
        mem = meminfo()
        if mem["MemFree"] <= free_at_most:
            return mem
        if time.monotonic() > deadline:
            raise SystemExit("MemFree stayed above %.2f GiB for %d s while filling the page cache"
                             % (free_at_most / GIB, timeout))
        name = "%s/fill-%d" % (FILL_DIR, time.monotonic_ns())
        sh("truncate -s %d %s && cat %s > /dev/null" % (mem["MemFree"] - free_at_most + (128 << 20), name, name))


def empty():
    sh("rm -rf %s" % FILL_DIR)


def set_guard(on):
    sh("python3 -c %s" % q("import json; p = %r; d = json.load(open(p)); d['load_guard'] = %r; "
                           "open(p, 'w').write(json.dumps(d, indent=4, sort_keys=True) + '\\n')" % (SETTINGS, on)))


def cursor():
    out = sh("journalctl -u vllm.service -n 0 --show-cursor --no-pager").stdout
    return out.split("cursor:", 1)[1].strip()


def journal(mark):
    out = sh("journalctl -u vllm.service --after-cursor=%s -o json --no-pager" % q(mark)).stdout
    lines = []
    for raw in out.splitlines():
        entry = json.loads(raw)
        if isinstance(entry.get("MESSAGE"), str):
            lines.append((int(entry["__REALTIME_TIMESTAMP"]) / 1e6, entry["MESSAGE"]))
    return lines


def drop_seconds(lines):
    """Seconds from the gate's "is short ... dropping" line to its last "dropped" line, or None."""
    start = [t for t, m in lines if "vllm-gate: MemFree" in m and "dropping the page cache" in m]
    done = [t for t, m in lines if "vllm-gate: dropped " in m]
    return (done[-1] - start[0]) if start and done else None


def one_start(kind, requested):
    """Fill, then one timed `systemctl restart`; the result as a dict."""
    empty()
    drop_all()
    without = kind == "without"
    set_guard(not without)
    if without:
        sh("mount -o remount,bind,ro /proc/sys")
    try:
        mem = fill(requested - SLACK)
        mark = cursor()
        t0 = time.monotonic()
        proc = sh("timeout 300 systemctl restart vllm.service", check=False)
        seconds = time.monotonic() - t0
        if proc.returncode != 0:
            sh("systemctl stop vllm.service; systemctl reset-failed vllm.service", check=False)
    finally:
        if without:
            sh("mount -o remount,bind,rw /proc/sys")
    lines = journal(mark)
    text = [m for _t, m in lines]
    guard_drops = re.findall(r"load guard: off \([^)]*\): (\d+) drops", "\n".join(text))
    return {"ok": proc.returncode == 0, "wall_seconds": seconds, "driver_failure": any(DRIVER in m for m in text),
            "free_before_gib": round(mem["MemFree"] / GIB, 3), "available_before_gib": round(mem["MemAvailable"] / GIB, 3),
            "drop_seconds": drop_seconds(lines), "guard_drops": int(guard_drops[-1]) if guard_drops else None,
            "why": next((m for m in reversed(text) if "does not serve" in m or "REFUSED" in m), "")}


def calibrate(args, lab):
    """The utilization from MemFree after a drop (the request fits once the cache is dropped), and
    vLLM converged with it: (bytes the stand-in asks, MemTotal, utilization, MemFree after the drop)."""
    drop_all()
    clean = meminfo()
    total = clean["MemTotal"]
    util = math.floor((clean["MemFree"] - MARGIN - SLACK) / total * 10000) / 10000
    requested = math.ceil(total * util)
    log("MemTotal %.2f GiB, MemFree %.2f GiB after a drop: utilization %.4f, the stand-in asks %.2f GiB, "
        "the gate needs %.2f GiB" % (total / GIB, clean["MemFree"] / GIB, util, requested / GIB,
                                     (requested + MARGIN) / GIB))
    if lab:
        env = dict(lab.var(args.lab_host, "vllm_env", {}) or {}, **DRIVER_ENV)
        lab_restart(lab, args.lab_host, {"vllm_gpu_memory_utilization": util, "vllm_env": env,
                                         "vllm_restart_margin": "%dMiB" % (MARGIN >> 20)})
    else:
        molecule("converge", "--", "-e", "vllm_gpu_memory_utilization=%s" % util)
    return requested, total, util, clean["MemFree"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="starts of each kind (default 5)")
    ap.add_argument("--keep", action="store_true", help="leave the scenario's target up at the end")
    ap.add_argument("--lab-host", metavar="HOST", help="run on this host of the lab instead of the scenario's target")
    args = ap.parse_args()

    lock_dir = os.environ.get("GX10_MOLECULE_LOCK_DIR", "/tmp")
    lock = open(os.path.join(lock_dir, "gx10-molecule-%s.lock" % SCENARIO), "w")  # pylint: disable=consider-using-with
    log("waiting for %s (the scenario's lock)" % lock.name)
    fcntl.flock(lock, fcntl.LOCK_EX)

    lab = Lab() if args.lab_host else None
    if lab:
        if args.lab_host not in lab.hosts:
            raise SystemExit("%s is not a host of %s (%s)" % (args.lab_host, lab.inventory, ", ".join(lab.hosts)))
        TARGETS.append(lab.container(args.lab_host) or args.lab_host)
    else:
        for step in ("create", "prepare", "converge"):
            molecule(step)
    runs = {"without": [], "with": []}
    # Whatever fails on the way, a lab host gets the inventory's settings again and /proc/sys
    # read-only as docker left it: later sections and runs must measure the host as it was.
    try:
        if lab:
            sh("mount -o remount,bind,rw /proc/sys")
        requested, total, util, free_after_drop = calibrate(args, lab)
        order = alternate(("without", "with"), args.runs)
        for i, kind in enumerate(order, 1):
            res = one_start(kind, requested)
            runs[kind].append(res)
            log("run %2d/%d %-7s %-4s %.2f s  MemFree %.2f GiB, MemAvailable %.2f GiB before  drop %s  %s" % (
                i, len(order), kind, "ok" if res["ok"] else "FAIL", res["wall_seconds"], res["free_before_gib"],
                res["available_before_gib"], fmt(res["drop_seconds"]), res["why"][:120]))
    finally:
        try:
            empty()
            set_guard(True)
            if lab:
                lab_restart(lab, args.lab_host, {})  # the inventory's settings, through the gate
        finally:
            if lab:
                sh("mount -o remount,bind,ro /proc/sys", check=False)
    if not args.keep and not lab:
        molecule("destroy")

    rows, summary = [], {}
    for kind in ("without", "with"):
        rs = runs[kind]
        fails = [r for r in rs if not r["ok"]]
        summary[kind] = {
            "runs": len(rs), "failures": len(fails), "failures_driver": sum(1 for r in fails if r["driver_failure"]),
            "median_seconds_ok": median([r["wall_seconds"] for r in rs if r["ok"]]),
            "median_seconds_failed": median([r["wall_seconds"] for r in fails]),
            "median_drop_seconds": median([r["drop_seconds"] for r in rs]),
        }
        s = summary[kind]
        rows.append([kind, "%d/%d" % (s["failures"], s["runs"]), str(s["failures_driver"]),
                     fmt(s["median_seconds_ok"]), fmt(s["median_seconds_failed"]), fmt(s["median_drop_seconds"])])
    table("gated starts with MemFree 2 GiB short of the request (%.2f GiB of MemTotal %.2f GiB, utilization %.4f) "
          "while MemAvailable covers it" % (requested / GIB, total / GIB, util),
          ["start", "failed", "NV_ERR msg", "median ok", "median failed", "drop adds"], rows)
    print("target: every start without the drop fails with the driver's message, none with it")
    write_result("pagecache-lab" if args.lab_host else "pagecache", {
        "runs_per_kind": args.runs,
        "calibration": {"mem_total": total, "free_after_drop": free_after_drop, "utilization": util,
                        "requested": requested, "margin": MARGIN, "slack": SLACK},
        "summary": summary, "runs": runs,
    })


if __name__ == "__main__":
    main()
