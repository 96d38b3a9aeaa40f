# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Eviction speed: openclaw.gx10.ollama_unload against the operator's curl sequence.

A real Ollama server (tests/ollama/server.py) holds 3 tiny models. Each timed run is a whole
process, the variants alternating:
  ansible  `ansible localhost -m openclaw.gx10.ollama_unload -a url=...` (Ansible's start-up too)
  module   the module alone: `python -m ansible_collections.openclaw.gx10.plugins.modules.
           ollama_unload ARGS.json` ({"ANSIBLE_MODULE_ARGS": ...}), no Ansible controller
  curl     bench/curl_evict.sh: curl list, curl unload each, curl /api/ps until empty
  module@REF  with --compare REF: the same module from git revision REF (`git archive` of its
           plugins/ into a temporary collection path), so that a change is measured before and
           after in one run, alternating, with the ratios side by side
Before each run the 3 models are loaded again (not timed); after it /api/ps must be empty.
Printed: median wall time of each, the ratios, and the module's own `elapsed` against the curl
script's own eviction time (list to empty, measured inside the script).

    bench/run.sh eviction [--runs N] [--compare REF]
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

from _common import REPO, alternate, fmt, log, median, ratio, table, timed, write_result

sys.path.insert(0, str(REPO / "tests" / "ollama"))
from server import OllamaServer, ensure_bundle, ensure_models  # noqa: E402

MODELS = ("tiny-a", "tiny-b", "embed")


def collection_at(ref, root):
    """The collection's plugins/ at git revision ``ref`` under ``root``/ansible_collections/openclaw/gx10."""
    dest = os.path.join(root, "ansible_collections", "openclaw", "gx10")
    os.makedirs(dest)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref, "plugins", "meta"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest)
    return root


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="timed runs of each variant (default 10)")
    ap.add_argument("--compare", metavar="REF", help="also time the module as it is at git revision REF")
    args = ap.parse_args()
    variants = ("ansible", "module", "curl") + (("module@%s" % args.compare,) if args.compare else ())

    bundle = ensure_bundle(REPO)
    paths = ensure_models(REPO)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / ".cache" / "collections"),
                                                      env.get("PYTHONPATH")]))
    py = sys.executable
    srv = OllamaServer(bundle, env={"OLLAMA_MAX_LOADED_MODELS": "3", "OLLAMA_NUM_PARALLEL": "1",
                                    "OLLAMA_KEEP_ALIVE": "10m"})
    with srv:
        log("Ollama %s on %s" % (srv.version, srv.url))
        for name in MODELS:
            srv.create_model(name, paths[name])
        module_args = {"url": srv.url, "wait_timeout": 60}
        argsfile = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump({"ANSIBLE_MODULE_ARGS": module_args}, argsfile)
        argsfile.close()
        commands = {
            "ansible": ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-o",
                        "-e", "ansible_python_interpreter=%s" % py,
                        "-m", "openclaw.gx10.ollama_unload", "-a", json.dumps(module_args)],
            "module": [py, "-m", "ansible_collections.openclaw.gx10.plugins.modules.ollama_unload",
                       argsfile.name],
            "curl": ["bash", str(REPO / "bench" / "curl_evict.sh"), srv.url, "60"],
        }
        envs = {v: env for v in variants}
        old = tempfile.TemporaryDirectory(prefix="gx10-bench-") if args.compare else None
        if old:
            name = "module@%s" % args.compare
            commands[name] = commands["module"]
            envs[name] = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [
                collection_at(args.compare, old.name), os.environ.get("PYTHONPATH")])))
        runs = {v: [] for v in variants}
        problems = []
        order = alternate(variants, args.runs)
        for i, variant in enumerate(order, 1):
            for name in MODELS:
                srv.load(name, keep_alive="10m")
            before = sorted(srv.ps_names())
            seconds, proc = timed(commands[variant], env=envs[variant])
            after = srv.ps_names()
            rec = {"wall_seconds": round(seconds, 4), "rc": proc.returncode,
                   "resident_before": len(before), "resident_after": len(after)}
            inner = parse_inner(variant, proc.stdout)
            if inner is not None:
                rec["inner_seconds"] = inner.get("elapsed", inner.get("eviction_seconds"))
                rec["evicted"] = len(inner.get("evicted", []))
            if proc.returncode != 0 or after or len(before) != len(MODELS) or inner is None:
                problems.append(dict(run=i, variant=variant, stdout=proc.stdout[-800:],
                                     stderr=proc.stderr[-800:], **rec))
                log("run %d %s: rc %d, before %s, after %s" % (i, variant, proc.returncode,
                                                               before, after))
                srv.unload_all()
            runs[variant].append(rec)
            log("run %2d/%d %-7s %.3f s (inner %s)" % (i, len(order), variant, seconds, rec.get("inner_seconds")))
        os.unlink(argsfile.name)
        if old:
            old.cleanup()

    ok = {v: [r for r in runs[v] if r["rc"] == 0 and r["resident_after"] == 0
              and r["resident_before"] == len(MODELS)] for v in variants}
    med = {v: median([r["wall_seconds"] for r in ok[v]]) for v in variants}
    inner = {v: median([r.get("inner_seconds") for r in ok[v]]) for v in variants}
    rows = [[v, "%d/%d" % (len(ok[v]), len(runs[v])), fmt(med[v]), fmt(inner[v]),
             fmt(None if med[v] is None or inner[v] is None else med[v] - inner[v])]
            for v in variants]
    table("Eviction of %d resident models, real Ollama %s, %d runs each, alternating"
          % (len(MODELS), srv.version, args.runs),
          ["variant", "clean", "median wall", "median inner", "start-up etc."], rows)
    ratios = {
        "ansible_over_curl": ratio(med["ansible"], med["curl"]),
        "module_over_curl": ratio(med["module"], med["curl"]),
        "module_elapsed_over_curl_eviction": ratio(inner["module"], inner["curl"]),
        "ansible_elapsed_over_curl_eviction": ratio(inner["ansible"], inner["curl"]),
    }
    if args.compare:
        before = "module@%s" % args.compare
        ratios["%s_over_curl" % before] = ratio(med[before], med["curl"])
        ratios["module_over_%s" % before] = ratio(med["module"], med[before])
    print()
    for k, v in ratios.items():
        print("%-36s %s" % (k, fmt(v, "")))
    print("inner = the module's own `elapsed` return value / curl_evict.sh's own list-to-empty time")
    if problems:
        print("%d run(s) not clean; see the JSON result" % len(problems))
    write_result("eviction", {
        "ollama_version": srv.version, "models": list(MODELS), "runs_per_variant": args.runs,
        "compare": args.compare,
        "commands": {k: " ".join(v) for k, v in commands.items()},
        "median_wall_seconds": med, "median_inner_seconds": inner, "ratios": ratios,
        "runs": runs, "problems": problems,
    })


def parse_inner(variant, stdout):
    """The JSON the variant printed: the module result, or curl_evict.sh's last line."""
    text = stdout.strip()
    if not text:
        return None
    if variant == "ansible":  # -o: "localhost | CHANGED => {...}"
        line = [ln for ln in text.splitlines() if "=>" in ln]
        if not line:
            return None
        text = line[-1].split("=>", 1)[1]
    elif variant == "curl":
        text = text.splitlines()[-1]
    try:
        return json.loads(text)
    except ValueError:
        return None


if __name__ == "__main__":
    main()
