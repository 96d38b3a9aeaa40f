# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers of the benchmarks: timing whole processes, medians, the table, the JSON result,
and the lab hosts (lab/inventory.yml from scripts/lab.sh up).

Benchmarks print figures; they assert nothing about time.
"""
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
LAB_INVENTORY = REPO / "lab" / "inventory.yml"
LAB_SCRIPT = REPO / "scripts" / "lab.sh"
GIB = 1 << 30


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def timed(argv, env=None, timeout=900, input_text=None):
    """Run argv as a whole process; return (seconds, CompletedProcess)."""
    t0 = time.monotonic()
    proc = subprocess.run(argv, env=env, input=input_text, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, check=False)
    return time.monotonic() - t0, proc


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, unit="s"):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.3f %s" % (value, unit) if unit else "%.3f" % value
    return str(value)


def ratio(num, den):
    if num is None or not den:
        return None
    return num / den


def machine():
    mem = meminfo()
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "mem_total_gib": round(mem.get("MemTotal", 0) / GIB, 2),
        "mem_available_gib_at_start": round(mem.get("MemAvailable", 0) / GIB, 2),
        "loadavg_at_start": list(os.getloadavg()),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def meminfo(text=None):
    if text is None:
        with open("/proc/meminfo", encoding="ascii") as fh:
            text = fh.read()
    out = {}
    for line in text.splitlines():
        key, _sep, rest = line.partition(":")
        parts = rest.split()
        if parts:
            out[key.strip()] = int(parts[0]) * (1024 if len(parts) > 1 and parts[1] == "kB" else 1)
    return out


def table(title, header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, header))
    print("\n" + title)
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join("%-*s" % (w, c) for w, c in zip(widths, row)))


def write_result(name, data):
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    data = dict(bench=name, finished=datetime.datetime.now().isoformat(timespec="seconds"),
                machine=machine(), **data)
    path = RESULTS / ("%s-%s.json" % (name, stamp))
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    (RESULTS / ("%s-latest.json" % name)).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print("\nresult: %s" % path.relative_to(REPO))
    return path


def alternate(variants, runs):
    """The order of the timed runs: ABAB... with the first variant swapped every round."""
    order = []
    for i in range(runs):
        names = list(variants) if i % 2 == 0 else list(reversed(variants))
        order.extend(names)
    return order


# ------------------------------------------------------------------------------------ the lab
class Lab:
    """The hosts of lab/inventory.yml (written by `scripts/lab.sh up`).

    Commands on a host go through `docker exec` when the host is a container reached with the
    community.docker.docker connection (the lab's hosts), else through `ansible -m shell`.
    """

    def __init__(self, inventory=LAB_INVENTORY, group="gx10"):
        self.inventory = Path(inventory)
        self.group = group
        out = subprocess.run(["ansible-inventory", "-i", str(self.inventory), "--list"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             check=True).stdout
        data = json.loads(out)
        hostvars = data.get("_meta", {}).get("hostvars", {})
        self.hosts = sorted(self._group_hosts(data, group) or hostvars)
        self.hostvars = {h: hostvars.get(h, {}) for h in self.hosts}

    @staticmethod
    def _group_hosts(data, group):
        seen, todo = set(), [group]
        while todo:
            g = data.get(todo.pop(), {})
            seen.update(g.get("hosts", []))
            todo.extend(g.get("children", []))
        return seen

    def container(self, host):
        hv = self.hostvars[host]
        if hv.get("ansible_connection") in ("community.docker.docker", "docker",
                                            "community.docker.docker_api"):
            return hv.get("ansible_host", host)
        return None

    def sh(self, host, script, timeout=600, check=True):
        """Run a shell script on the host; return CompletedProcess (stdout, stderr text)."""
        name = self.container(host)
        if name:
            argv = ["docker", "exec", name, "sh", "-c", script]
        else:
            argv = ["ansible", host, "-i", str(self.inventory), "-o", "-m", "ansible.builtin.shell",
                    "-a", script]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise RuntimeError("on %s: %s\nexit %d\n%s%s"
                               % (host, script, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
        return proc

    def var(self, host, name, default=None):
        return self.hostvars[host].get(name, default)

    def ollama_url(self, host):
        return self.var(host, "vllm_ollama_url", "http://127.0.0.1:11434")

    def vllm_health_url(self, host):
        port = self.var(host, "vllm_port", 8000)
        bind = self.var(host, "vllm_bind_address", "127.0.0.1")
        bind = "127.0.0.1" if bind in ("0.0.0.0", "::") else bind
        return "http://%s:%s/health" % (bind, port)

    def meminfo(self, host):
        return meminfo(self.sh(host, "cat /proc/meminfo").stdout)


def ensure_lab(min_hosts=1):
    """Return a Lab, bringing one up with scripts/lab.sh when lab/inventory.yml is missing."""
    if not LAB_INVENTORY.is_file():
        if not LAB_SCRIPT.is_file():
            sys.exit("no lab: %s is missing and %s is not there yet (bring a lab up, then run this "
                     "again)" % (LAB_INVENTORY.relative_to(REPO), LAB_SCRIPT.relative_to(REPO)))
        log("no %s: bash scripts/lab.sh up %d" % (LAB_INVENTORY.relative_to(REPO), min_hosts))
        subprocess.run(["bash", str(LAB_SCRIPT), "up", str(min_hosts)], check=True)
    lab = Lab()
    if len(lab.hosts) < min_hosts:
        sys.exit("the lab has %d host(s) (%s); this benchmark needs %d: bring up more "
                 "(bash scripts/lab.sh up %d)" % (len(lab.hosts), ", ".join(lab.hosts), min_hosts, min_hosts))
    return lab


def q(text):
    return shlex.quote(str(text))


# ------------------------------------------------------------- Ollama and vLLM on a lab host
OLLAMA_IN_HOST = "http://127.0.0.1:11434"


class LabHost:
    """One lab host: its Ollama (through curl inside it) and its vLLM container."""

    def __init__(self, lab, host):
        self.lab, self.host = lab, host
        self.vllm = lab.var(host, "vllm_container_name", "vllm")
        self.unit = lab.var(host, "vllm_service_name", "vllm") + ".service"
        self.health = lab.vllm_health_url(host)

    def sh(self, script, **kw):
        return self.lab.sh(self.host, script, **kw)

    def api(self, method, path, body=None, timeout=300):
        data = "" if body is None else "-H 'Content-Type: application/json' -d %s" % q(json.dumps(body))
        out = self.sh("curl -sS --max-time %d -X %s %s %s%s" % (timeout, method, data, OLLAMA_IN_HOST,
                                                                path), timeout=timeout + 30).stdout
        return json.loads(out) if out.strip() else None

    def ps(self):
        return (self.api("GET", "/api/ps") or {}).get("models") or []

    def ps_names(self):
        return sorted(m["name"] for m in self.ps())

    def tags(self):
        return [m["name"] for m in (self.api("GET", "/api/tags") or {}).get("models") or []]

    def ensure_model(self, name, models_dir="/srv/ollama-models", bundle_dir="/opt/ollama"):
        """Create NAME in the host's Ollama from <models_dir>/<name>.gguf unless it has it."""
        if name + ":latest" in self.tags():
            return False
        log("%s: ollama create %s from %s/%s.gguf" % (self.host, name, models_dir, name))
        self.sh("printf 'FROM %s/%s.gguf\\n' > /var/tmp/bench-%s.Modelfile && "
                "OLLAMA_HOST=127.0.0.1:11434 %s/bin/ollama create %s -f /var/tmp/bench-%s.Modelfile"
                % (models_dir, name, name, bundle_dir, name, name), timeout=900)
        return True

    def load(self, name, keep_alive=-1, timeout=300):
        """A client loads NAME and pins it (keep_alive -1); waits until /api/ps lists it."""
        self.api("POST", "/api/generate", {"model": name, "keep_alive": keep_alive}, timeout=timeout)
        deadline = time.monotonic() + 60
        while name + ":latest" not in self.ps_names() and name not in self.ps_names():
            if time.monotonic() > deadline:
                raise RuntimeError("%s: %s not listed in /api/ps 60 s after loading it" % (self.host, name))
            time.sleep(0.1)

    def unload_all(self):
        for name in self.ps_names():
            self.api("POST", "/api/generate", {"model": name, "keep_alive": 0})
        deadline = time.monotonic() + 60
        while self.ps_names():
            if time.monotonic() > deadline:
                raise RuntimeError("%s: Ollama still holds %s" % (self.host, self.ps_names()))
            time.sleep(0.05)

    def meminfo(self):
        return self.lab.meminfo(self.host)

    def vllm_state(self):
        out = self.sh("docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' %s"
                      % q(self.vllm), check=False).stdout.strip()
        return out or "absent"

    def healthy(self):
        return self.sh("curl -sf -o /dev/null --max-time 5 %s" % q(self.health), check=False).returncode == 0

    def stop_vllm(self):
        """vLLM down and staying down: the unit first, then the container. A bare `docker stop`
        under the unit (Restart=always) is undone RestartSec later by a gated start, whose
        eviction stops Ollama in the middle of whatever the caller was doing with it (the lab's
        calibration loading `big` failed that way on a busy machine)."""
        if self.unit_state() in ("active", "activating", "reloading", "deactivating"):
            self.sh("systemctl stop %s" % q(self.unit))
        self.sh("docker stop -t 30 %s >/dev/null 2>&1 || true" % q(self.vllm))

    def unit_state(self):
        return self.sh("systemctl is-active %s" % q(self.unit), check=False).stdout.strip()

    def without_unit(self, deadline=120):
        """vLLM as operators ran it before this collection, for a plain run to restart (untimed):
        the unit stopped, the container started by `docker start`. Under a running unit,
        `docker restart` races the unit's ExecStopPost `docker stop`, then a second, gated start."""
        if self.unit_state() in ("active", "activating", "reloading"):
            self.sh("systemctl stop %s" % q(self.unit))
        self.sh("docker start %s >/dev/null" % q(self.vllm))
        end = time.monotonic() + deadline
        while not self.healthy():
            if time.monotonic() > end:
                raise SystemExit("vLLM did not serve within %d s of `docker start %s` (unit stopped)"
                                 % (deadline, self.vllm))
            time.sleep(0.2)

    def plain_restart(self, deadline=120):
        """`docker restart` + the wait for its outcome, timed from the controller (whole process)."""
        script = (REPO / "bench" / "plain_restart.sh").read_text()
        name = self.lab.container(self.host)
        argv = ["docker", "exec", name, "sh", "-c", script, "plain_restart", self.vllm,
                self.health, str(deadline)]
        seconds, proc = timed(argv, timeout=deadline + 60)
        try:
            res = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            res = {"ok": False, "state": "bench-error", "why": (proc.stdout + proc.stderr)[-300:]}
        res["wall_seconds"] = round(seconds, 3)
        return res

    def gated_restart(self, extra_vars=None, playbook="playbooks/vllm_restart.yml"):
        """ansible-playbook vllm_restart.yml -l HOST, timed as a whole process."""
        argv = ["ansible-playbook", "-i", str(self.lab.inventory), str(REPO / playbook),
                "-l", self.host]
        if extra_vars:
            argv += ["-e", json.dumps(extra_vars)]
        seconds, proc = timed(argv, timeout=900)
        res = {"ok": proc.returncode == 0, "rc": proc.returncode, "wall_seconds": round(seconds, 3)}
        if proc.returncode != 0:
            res["why"] = failure_message(proc.stdout + proc.stderr)
        return res


def failure_message(output):
    """The first fatal/failed message of an ansible-playbook run (default callback)."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("fatal:", "failed:")) or "FAILED!" in line:
            text = " ".join(lines[i:i + 3])
            start = text.find('"msg":')
            return (text[start:] if start >= 0 else text)[:600]
    return output[-600:]
