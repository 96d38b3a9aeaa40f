"""Downtime of vLLM: a gated restart against a plain `docker restart`, and a crash.

On one lab host (lab/inventory.yml; brought up with 1 host when missing), Ollama empty and the
same stand-in load time for both, N runs each, alternating. A probe INSIDE the host polls
/health every 20 ms from before the restart until vLLM answers again, and reports the seconds
between the last 200 before and the first 200 after (the time clients see no vLLM):
    plain  docker restart vllm               (what operators typed before this collection: the
           container without its unit, which is stopped first and not timed)
    gated  playbooks/vllm_restart.yml -l HOST (predict and evict while vLLM serves, then
           systemctl restart: the gate, the load, one completion)
    unit   the same on the host alone: the gate's hold, then systemctl restart (no controller)
    crash  kill -9 of vLLM's main process: systemd restarts vllm.service through the gate
           (RestartSec, the gate, the load)
Printed: median downtime of each, gated - plain (the gate's own cost, hoped <= 0.5 s), and
the median time from a crash to serving again.

    bench/run.sh downtime [--runs N] [--host HOST] [--no-crash]
"""
import argparse
import json
import subprocess
import threading
import time

from _common import OLLAMA_IN_HOST, LabHost, alternate, ensure_lab, fmt, log, median, table, write_result

# Runs in the host: wait for the first 200, then for a non-200, then for 200 again.
PROBE = r'''
import json, sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
def ok():
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except Exception:
        return False
last_ok = None
while time.monotonic() < deadline:
    if ok():
        last_ok = time.monotonic()
        break
    time.sleep(0.02)
print("ready", flush=True)
down_at = None
while time.monotonic() < deadline:
    now = time.monotonic()
    if ok():
        if down_at is not None:
            print(json.dumps({"down": round(now - last_ok, 3)}), flush=True)
            sys.exit(0)
        last_ok = now
    elif down_at is None:
        down_at = now
    time.sleep(0.02)
print(json.dumps({"down": None}), flush=True)
'''


def measure(h, action, deadline=300):
    """Start the probe in the host, run ACTION() once it sees vLLM up; return seconds down."""
    name = h.lab.container(h.host)
    probe = subprocess.Popen(["docker", "exec", name, "python3", "-c", PROBE, h.health, str(deadline)],
                             stdout=subprocess.PIPE, text=True)
    if probe.stdout.readline().strip() != "ready":
        probe.kill()
        return None, {"ok": False, "why": "probe did not see vLLM up"}
    result = {}
    worker = threading.Thread(target=lambda: result.update(action()))
    worker.start()
    line = probe.stdout.readline()
    probe.wait(timeout=60)
    worker.join()
    try:
        down = json.loads(line)["down"]
    except (ValueError, KeyError):
        down = None
    return down, result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="restarts of each kind (default 10)")
    ap.add_argument("--host", help="lab host (default: the first)")
    ap.add_argument("--no-crash", action="store_true", help="skip the crash runs")
    args = ap.parse_args()

    lab = ensure_lab(1)
    h = LabHost(lab, args.host or lab.hosts[0])
    h.unload_all()
    warm = h.gated_restart()
    if not warm["ok"]:
        raise SystemExit("the first gated restart failed: %s" % warm.get("why"))

    def unit():
        """What the role's restart does on the host (hold, then systemctl restart), without the
        Ansible controller: the same gate, none of the controller's CPU on the same 2 cores."""
        gate = lab.var(h.host, "vllm_gate_dir", "/usr/local/lib/openclaw-gx10")
        cfg = "/etc/openclaw-gx10/%s-gate.json" % lab.var(h.host, "vllm_container_name", "vllm")
        rc = h.sh("python3 %s/vllm_gate.py %s hold >/dev/null && systemctl restart %s" % (gate, cfg, h.unit),
                  check=False).returncode
        return {"ok": rc == 0, "why": "" if rc == 0 else "systemctl restart failed (rc=%d)" % rc}

    def crash():
        pid = h.sh("docker inspect -f '{{.State.Pid}}' %s" % h.vllm).stdout.strip()
        h.sh("kill -9 %s" % pid)
        return {"ok": True}

    actions = {"plain": h.plain_restart, "gated": h.gated_restart, "unit": unit, "crash": crash}
    kinds = ("plain", "gated", "unit") if args.no_crash else ("plain", "gated", "unit", "crash")
    runs = {k: [] for k in kinds}
    order = alternate(kinds, args.runs)

    def settled():
        """Ollama answering again (the gate holds it while vLLM loads) and vLLM up: the unit
        active, or after a plain run (no unit) the container healthy."""
        if h.sh("curl -sf -m 2 %s/api/version" % OLLAMA_IN_HOST, check=False).returncode != 0:
            return False
        state = h.unit_state()
        return state == "active" or (state in ("inactive", "failed") and h.healthy())

    for i, kind in enumerate(order, 1):
        deadline = time.monotonic() + 180
        while not settled() and time.monotonic() < deadline:
            time.sleep(0.5)
        if h.ps_names():
            h.unload_all()
        if kind == "plain":
            h.without_unit()
        elif h.unit_state() != "active":
            h.gated_restart()  # the unit owns vLLM again (untimed): the gated path and a crash need it
        down, res = measure(h, actions[kind])
        res["down_seconds"] = down
        runs[kind].append(res)
        log("run %2d/%d %-5s down %s %s" % (i, len(order), kind, fmt(down), (res.get("why") or "")[:120]))
    med = {k: median([r["down_seconds"] for r in v if r["down_seconds"] is not None]) for k, v in runs.items()}
    table("vLLM downtime (/health not 200), Ollama empty, %d runs each, alternating" % args.runs,
          ["restart", "measured", "median downtime"],
          [[k, "%d/%d" % (sum(1 for r in runs[k] if r["down_seconds"] is not None), len(runs[k])), fmt(med[k])]
           for k in kinds])
    extra = None if med["gated"] is None or med["plain"] is None else med["gated"] - med["plain"]
    print("\ngated - plain: %s (the gate's own downtime; the goal is <= 0.5 s)" % fmt(extra))
    if med.get("unit") is not None and med["plain"] is not None:
        print("unit - plain: %s (the same restart on the host alone, without the controller's CPU)"
              % fmt(med["unit"] - med["plain"]))
    if "crash" in med:
        print("crash to serving again: %s (RestartSec %s s included)" % (
            fmt(med["crash"]), lab.var(h.host, "vllm_restart_sec", 10)))
    write_result("downtime", {"host": h.host, "runs_per_kind": args.runs, "median_down_seconds": med,
                              "gated_minus_plain": extra, "runs": runs})


if __name__ == "__main__":
    main()
