# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate's cost when Ollama holds nothing: gated restart against plain `docker restart`.

On one lab host (lab/inventory.yml; brought up with 1 host when missing), Ollama emptied first
and checked empty before every run, N times each, alternating, as whole processes:
    plain  docker restart vllm, then wait for /health 200 (bench/plain_restart.sh, via docker exec)
    gated  ansible-playbook playbooks/vllm_restart.yml -l HOST (the inventory's settings)
Printed: median seconds of each and the ratio gated / plain.

    bench/run.sh gate_cost [--runs N] [--host HOST]
"""
import argparse

from _common import LabHost, alternate, ensure_lab, fmt, log, median, ratio, table, write_result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="restarts of each kind (default 10)")
    ap.add_argument("--host", help="lab host (default: the first)")
    args = ap.parse_args()

    lab = ensure_lab(1)
    h = LabHost(lab, args.host or lab.hosts[0])
    h.unload_all()
    warm = h.gated_restart()  # the container as the inventory configures it (untimed)
    if not warm["ok"]:
        raise SystemExit("the first gated restart failed: %s" % warm.get("why"))
    runs = {"plain": [], "gated": []}
    order = alternate(("plain", "gated"), args.runs)
    for i, kind in enumerate(order, 1):
        if h.ps_names():
            h.unload_all()
        if kind == "plain":
            h.without_unit()
        res = h.plain_restart() if kind == "plain" else h.gated_restart()
        runs[kind].append(res)
        log("run %2d/%d %-5s %-4s %.2f s %s" % (i, len(order), kind, "ok" if res["ok"] else "FAIL",
                                                res["wall_seconds"], (res.get("why") or "")[:140]))
        if not res["ok"] and not h.healthy():
            h.gated_restart()
    med = {k: median([r["wall_seconds"] for r in v if r["ok"]]) for k, v in runs.items()}
    fails = {k: sum(1 for r in v if not r["ok"]) for k, v in runs.items()}
    table("vLLM restart with Ollama holding nothing, %d runs each, alternating" % args.runs,
          ["restart", "failed", "median (ok runs)"],
          [[k, "%d/%d" % (fails[k], len(runs[k])), fmt(med[k])] for k in ("plain", "gated")])
    r = ratio(med["gated"], med["plain"])
    print("\ngated / plain: %s   (gated - plain: %s)" % (
        fmt(r, ""), fmt(None if r is None else med["gated"] - med["plain"])))
    write_result("gate_cost", {"host": h.host, "runs_per_kind": args.runs, "median_seconds": med,
                               "failures": fails, "ratio_gated_over_plain": r, "runs": runs})


if __name__ == "__main__":
    main()
