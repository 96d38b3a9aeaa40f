# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet scale: a no-op playbooks/site.yml on 1 lab host against all of them (3 or more).

Needs lab/inventory.yml with at least --min-hosts hosts (`scripts/lab.sh up 3`; brought up when
missing). One untimed run converges the hosts; then, alternating, N times each, as whole processes:
    one   ansible-playbook -i lab/inventory.yml playbooks/site.yml -l FIRST_HOST
    all   ansible-playbook -i lab/inventory.yml playbooks/site.yml  --forks = hosts
Both with -e gx10_serial=["100%"] (one batch: the fleet at once) unless --serial default, which
keeps site.yml's canary batches (1, 33 %, 100 %: with 3 hosts one host at a time).
Every timed run must report changed=0 on every host (a no-op); printed: both medians, the ratio,
and where the CPU went: the controller's (ansible-playbook and its children: workers, the docker
CLI of the lab's connection) and the whole machine's (/proc/stat: the lab hosts run here too, so
on a 2-core machine the 3-host run competes with its own hosts for the cores); then one more
untimed no-op run on FIRST_HOST with a task profile (ansible.posix.profile_tasks): how many tasks
ran (ok, skipped) and the slowest of them.

    bench/run.sh fleet_scale [--runs N] [--serial one-batch|default]
"""
import argparse
import json
import os
import re
import resource

from _common import (REPO, alternate, ensure_lab, fmt, log, median, ratio, table, timed,
                     write_result)

PROFILE_LINE = re.compile(r"^(.+?) -{2,} (\d+\.\d+)s$", re.M)
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    ap.add_argument("--min-hosts", type=int, default=3)
    ap.add_argument("--serial", choices=["one-batch", "default"], default="one-batch")
    ap.add_argument("--top", type=int, default=15, help="slowest tasks shown from the profile (default 15)")
    args = ap.parse_args()

    lab = ensure_lab(args.min_hosts)
    hosts = lab.hosts
    base = ["ansible-playbook", "-i", str(lab.inventory), str(REPO / "playbooks" / "site.yml"),
            "--forks", str(max(5, len(hosts)))]
    if args.serial == "one-batch":
        base += ["-e", json.dumps({"gx10_serial": ["100%"]})]
    commands = {"one": base + ["-l", hosts[0]], "all": base}
    log("converging %d hosts (untimed): %s" % (len(hosts), ", ".join(hosts)))
    seconds, proc = timed(commands["all"])
    if proc.returncode != 0:
        raise SystemExit("site.yml failed on the lab:\n%s" % proc.stdout[-3000:])

    runs = {"one": [], "all": []}
    order = alternate(("one", "all"), args.runs)
    for i, kind in enumerate(order, 1):
        cpu0 = cpu_sample()
        seconds, proc = timed(commands[kind])
        cpu = {k: round(v1 - v0, 2) for (k, v0), v1 in zip(cpu0.items(), cpu_sample().values())}
        recap = {m[0]: {"ok": int(m[1]), "changed": int(m[2]), "unreachable": int(m[3]),
                        "failed": int(m[4])} for m in RECAP.findall(proc.stdout)}
        changed = sum(v["changed"] for v in recap.values())
        noop = proc.returncode == 0 and changed == 0
        runs[kind].append({"wall_seconds": round(seconds, 3), "rc": proc.returncode,
                           "hosts": len(recap), "changed": changed, "noop": noop,
                           "controller_cpu_seconds": cpu["controller"], "machine_busy_cpu_seconds": cpu["machine_busy"]})
        log("run %2d/%d %-3s %.2f s rc %d hosts %d changed %d" % (i, len(order), kind, seconds,
                                                                  proc.returncode, len(recap), changed))
    med = {k: median([r["wall_seconds"] for r in v if r["noop"]]) for k, v in runs.items()}
    r = ratio(med["all"], med["one"])
    table("No-op site.yml, %d runs each, alternating (%s, forks %d)"
          % (args.runs, "one batch" if args.serial == "one-batch" else "default canary batches",
             max(5, len(hosts))),
          ["hosts", "no-op runs", "median"],
          [["1", "%d/%d" % (sum(x["noop"] for x in runs["one"]), args.runs), fmt(med["one"])],
           [str(len(hosts)), "%d/%d" % (sum(x["noop"] for x in runs["all"]), args.runs), fmt(med["all"])]])
    print("\n%d hosts / 1 host: %s" % (len(hosts), fmt(r, "")))
    cpu = {k: {m: median([x[m] for x in v if x["noop"]]) for m in ("controller_cpu_seconds", "machine_busy_cpu_seconds")}
           for k, v in runs.items()}
    cores = os.cpu_count() or 1
    table("Where the CPU went (medians; %d cores: at most %d cpu-s per second)" % (cores, cores),
          ["hosts", "wall", "controller cpu-s", "machine busy cpu-s", "cores busy"],
          [[n, fmt(med[k]), fmt(cpu[k]["controller_cpu_seconds"], ""), fmt(cpu[k]["machine_busy_cpu_seconds"], ""),
            fmt(ratio(cpu[k]["machine_busy_cpu_seconds"], med[k]), "")]
           for n, k in (("1", "one"), (str(len(hosts)), "all"))])
    extra = len(hosts) - 1
    if extra and None not in (cpu["all"]["machine_busy_cpu_seconds"], cpu["one"]["machine_busy_cpu_seconds"]):
        print("each host beyond the first: %.2f cpu-s on the controller, %.2f cpu-s on the machine in all"
              % ((cpu["all"]["controller_cpu_seconds"] - cpu["one"]["controller_cpu_seconds"]) / extra,
                 (cpu["all"]["machine_busy_cpu_seconds"] - cpu["one"]["machine_busy_cpu_seconds"]) / extra))
    profile = task_profile(commands["one"], args.top)
    write_result("fleet_scale", {"hosts": hosts, "serial": args.serial, "runs_per_kind": args.runs,
                                 "commands": {k: " ".join(v) for k, v in commands.items()},
                                 "median_seconds": med, "ratio_all_over_one": r, "median_cpu_seconds": cpu,
                                 "runs": runs,
                                 "profile_one_host": profile})


def cpu_sample():
    """CPU seconds so far: the controller's finished children (ansible-playbook and what it ran) and
    the whole machine's busy time (/proc/stat's first line less idle and iowait)."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return {"controller": child.ru_utime + child.ru_stime,
            "machine_busy": (sum(ticks) - ticks[3] - ticks[4]) / hz}


def task_profile(command, top):
    """One more no-op run on one host with profile_tasks: the task count and the slowest tasks."""
    env = dict(os.environ, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
               PROFILE_TASKS_SORT_ORDER="descending", PROFILE_TASKS_TASK_OUTPUT_LIMIT="all")
    seconds, proc = timed(command, env=env)
    recap = RECAP.search(proc.stdout)
    counts = dict(re.findall(r"(ok|changed|skipped|failed)=(\d+)", proc.stdout.split("PLAY RECAP", 1)[-1]))
    tasks = [(name.strip(), float(sec)) for name, sec in PROFILE_LINE.findall(proc.stdout.rsplit("=" * 20, 1)[-1])]
    table("Task profile of one no-op run on %s (%.2f s, profile_tasks on): %s tasks, %s ok, %s skipped, %s changed"
          % (recap.group(1) if recap else "?", seconds, int(counts.get("ok", 0)) + int(counts.get("skipped", 0)),
             counts.get("ok", "?"), counts.get("skipped", "?"), counts.get("changed", "?")),
          ["task", "seconds"], [[name[:90], "%.2f" % sec] for name, sec in tasks[:top]])
    print("tasks listed: %d, their seconds add up to %.2f" % (len(tasks), sum(sec for _n, sec in tasks)))
    return {"wall_seconds": round(seconds, 3), "counts": counts, "tasks": tasks}


if __name__ == "__main__":
    main()
