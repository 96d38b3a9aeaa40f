# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Out-of-memory starts: `docker restart vllm` against the gated restart (vllm_restart.yml).

On one lab host (lab/inventory.yml from `scripts/lab.sh up`; brought up with 1 host when missing)
the real Ollama holds the `big` model (~2.1 GiB resident, pinned with keep_alive -1 as a client
would). The vLLM stand-in's utilization is chosen at run time from the host's live MemTotal and
MemAvailable so that its start-up check (MemAvailable >= ceil(MemTotal x U)) fails while Ollama
holds the model and passes once it is evicted:
    A1 = MemAvailable with the model loaded, A2 = without (vLLM stopped for both readings),
    W = A2 - A1;  ceil(MemTotal x U) = A1 + 0.55 W;  the gate's margin = 0.05 W
    (the plain start is short by about 0.55 W; the gate has about 0.4 W to spare).
Then N times each, alternating, the model loaded again before every restart (not timed):
    plain  docker restart vllm, then wait for /health 200 or the container's exit (bench/plain_restart.sh)
    gated  ansible-playbook playbooks/vllm_restart.yml -l HOST -e vllm_gpu_memory_utilization=U ...
Printed: failures of each (target: every plain restart fails, no gated one), median seconds.
At the end the host gets a gated restart with its inventory settings again.

    bench/run.sh oom_starts [--runs N] [--host HOST] [--model big]
"""
import argparse
import json
import math

from _common import (GIB, LabHost, alternate, ensure_lab, fmt, log, median, table,
                     write_result)


def calibrate(h, model):
    """Choose the stand-in's utilization from live figures (see the module's docstring): leaves
    vLLM stopped and Ollama holding MODEL. Shared with scripts/lab.sh (--calibrate-only)."""
    h.unload_all()
    h.stop_vllm()
    a2 = h.meminfo()["MemAvailable"]
    h.load(model)
    mem = h.meminfo()
    a1, total = mem["MemAvailable"], mem["MemTotal"]
    size = sum(m["size"] for m in h.ps())
    width = a2 - a1
    log("MemTotal %.2f GiB; MemAvailable %.2f GiB empty, %.2f GiB with %s (%.2f GiB per /api/ps)"
        % (total / GIB, a2 / GIB, a1 / GIB, model, size / GIB))
    if width < 0.5 * GIB:
        raise SystemExit("the window is %.2f GiB (noise?): loading %s freed too little memory to "
                         "tell the two starts apart; run again on a quieter machine" % (width / GIB, model))
    util = math.ceil((a1 + 0.55 * width) / total * 10000) / 10000
    requested = math.ceil(total * util)
    margin = int(0.05 * width)
    log("utilization %.4f: vLLM asks %.2f GiB; the gate needs %.2f GiB (margin %.2f GiB)"
        % (util, requested / GIB, (requested + margin) / GIB, margin / GIB))
    return {"mem_total": total, "available_empty": a2, "available_loaded": a1, "model_size": size,
            "utilization": util, "requested": requested, "margin": margin,
            "extra_vars": {"vllm_gpu_memory_utilization": util, "vllm_restart_margin": str(margin)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="restarts of each kind (default 10)")
    ap.add_argument("--host", help="lab host (default: the first)")
    ap.add_argument("--model", default="big", help="Ollama model to pin (default big, ~2.1 GiB)")
    ap.add_argument("--calibrate-only", action="store_true",
                    help="only choose the utilization; print it as JSON (the extra vars and the figures) and "
                         "leave vLLM stopped and the model loaded (scripts/lab.sh's before-and-after)")
    args = ap.parse_args()

    lab = ensure_lab(1)
    h = LabHost(lab, args.host or lab.hosts[0])
    log("host %s, vLLM container %s, health %s" % (h.host, h.vllm, h.health))
    h.ensure_model(args.model)
    if args.calibrate_only:
        print(json.dumps(calibrate(h, args.model)))
        return

    cal = calibrate(h, args.model)
    total, a1, a2, size = cal["mem_total"], cal["available_loaded"], cal["available_empty"], cal["model_size"]
    util, requested, margin, extra = cal["utilization"], cal["requested"], cal["margin"], cal["extra_vars"]

    # ---- the container with U (untimed; the model is loaded: the gate evicts it)
    warm = h.gated_restart(extra)
    if not warm["ok"]:
        raise SystemExit("the gated restart that sets utilization %.4f failed: %s" % (util, warm.get("why")))

    runs = {"plain": [], "gated": []}
    order = alternate(("plain", "gated"), args.runs)
    for i, kind in enumerate(order, 1):
        if kind == "plain":
            h.unload_all()    # the blind `docker start` below must serve first
            h.without_unit()
        h.load(args.model)
        avail = h.meminfo()["MemAvailable"]
        held = h.ps_names()
        res = h.plain_restart() if kind == "plain" else h.gated_restart(extra)
        res.update(available_before_gib=round(avail / GIB, 3), ollama_before=held,
                   ollama_after=h.ps_names(), vllm_after=h.vllm_state())
        if kind == "plain" and not res["ok"]:
            h.stop_vllm()  # the failed container stays down (restart policy no) until the next run
        runs[kind].append(res)
        log("run %2d/%d %-5s %-4s %.2f s  avail %.2f GiB  %s" % (
            i, len(order), kind, "ok" if res["ok"] else "FAIL", res["wall_seconds"], avail / GIB,
            (res.get("why") or res.get("state") or "")[:140]))

    # ---- leave the host as the inventory has it
    h.unload_all()
    restore = h.gated_restart()
    log("restored the inventory's settings: %s" % ("ok" if restore["ok"] else restore.get("why")))

    rows, summary = [], {}
    for kind in ("plain", "gated"):
        rs = runs[kind]
        fails = [r for r in rs if not r["ok"]]
        oom = [r for r in fails if "Free memory on device" in (r.get("why") or "")]
        summary[kind] = {
            "runs": len(rs), "failures": len(fails), "failures_out_of_memory": len(oom),
            "median_seconds": median([r["wall_seconds"] for r in rs]),
            "median_seconds_ok": median([r["wall_seconds"] for r in rs if r["ok"]]),
            "median_seconds_failed": median([r["wall_seconds"] for r in fails]),
        }
        s = summary[kind]
        rows.append([kind, "%d/%d" % (s["failures"], s["runs"]), str(s["failures_out_of_memory"]),
                     fmt(s["median_seconds"]), fmt(s["median_seconds_ok"]), fmt(s["median_seconds_failed"])])
    table("vLLM restarts while Ollama holds %s (%.2f GiB); utilization %.4f of MemTotal %.2f GiB"
          % (args.model, size / GIB, util, total / GIB),
          ["restart", "failed", "OOM msg", "median", "median ok", "median failed"], rows)
    print("target: every plain restart fails, no gated one does")
    write_result("oom_starts", {
        "host": h.host, "model": args.model, "model_size_bytes": size, "runs_per_kind": args.runs,
        "calibration": {"mem_total": total, "available_empty": a2, "available_loaded": a1,
                        "utilization": util, "requested": requested, "margin": margin},
        "summary": summary, "runs": runs, "restore": restore,
    })


if __name__ == "__main__":
    main()
