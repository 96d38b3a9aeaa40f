# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the Molecule scenarios' testinfra tests (extensions/molecule/*/tests/).

Importable as `gx10_testinfra`: ../config.yml puts this directory on the verifier's PYTHONPATH.
"""

import json
import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

# The change of configuration that fails at start, after the gate stopped what served: the
# rollback path. vLLM's parser and the role's preflight accept it (an int where an int goes);
# vLLM refuses it when it builds the engine's config (max_num_seqs >= 1) and exits with 1, and the
# stand-in does the same with vLLM's message (tests/contract/test_contract_standin_parser.py).
BAD_VALUE = ["--max-num-seqs", "0"]
BAD_VALUE_ERROR = "Input should be greater than or equal to 1 [type=greater_than_equal, input_value=0, input_type=int]"
BAD_VALUE_EXIT = 1


REPO = Path(__file__).resolve().parents[3]
OLLAMA = "http://127.0.0.1:11434"
VLLM = "http://127.0.0.1:8000"
GIB = 1 << 30
MIB = 1 << 20
# Inside a target, outside the playbook: vLLM's /health, one sample per line "SENT CODE" (SENT: when
# the request went out), until the stop file $1 exists (or 600 s). A stopped vLLM refuses the
# connection at once, so a long max-time loses no "down": it only keeps a slow answer on a loaded
# machine from being recorded as one. Run as `sh -c HEALTH_SAMPLER sampler STOPFILE`.
HEALTH_SAMPLER = r"""
stop=$1; end=$(( $(date +%s) + 600 ))
while [ ! -e "$stop" ] && [ "$(date +%s)" -lt "$end" ]; do
    sent=$(date +%s.%N)
    code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/health)
    echo "$sent $code"
    sleep 0.1
done
"""


def inventory():
    """The scenario's inventory directory (what Molecule's own converge uses)."""
    eph = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    assert eph, "run through molecule (MOLECULE_EPHEMERAL_DIRECTORY unset)"
    return str(Path(eph) / "inventory")


def flat(text):
    """Ansible wraps warnings: compare messages with runs of whitespace as one space."""
    return " ".join(text.split())


def play_cmd(playbook, extra=None, args=(), json_output=False, tmp_path=None):
    """(argv, env) of ansible-playbook against the scenario's hosts; extra vars go in a JSON file."""
    cmd = ["ansible-playbook", "-i", inventory(), str(playbook)] + list(args)
    if extra:
        fd, path = tempfile.mkstemp(prefix="gx10-extra-", suffix=".json", dir=tmp_path)
        with os.fdopen(fd, "w") as handle:
            json.dump(extra, handle)
        cmd += ["-e", "@%s" % path]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", NO_COLOR="1")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".cache" / "collections"))
    if json_output:
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.json"
    return cmd, env


def run_play(playbook, extra=None, args=(), json_output=False, tmp_path=None, timeout=600):
    """ansible-playbook to the end (a run past `timeout` seconds hangs: the test fails)."""
    cmd, env = play_cmd(playbook, extra, args, json_output=json_output, tmp_path=tmp_path)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def play(playbook, extra=None, args=(), json_output=False, tmp_path=None, timeout=600):
    """ansible-playbook against the scenario's hosts; returns (rc, combined output)."""
    proc = run_play(playbook, extra, args, json_output=json_output, tmp_path=tmp_path, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def play_background(playbook, extra=None, args=()):
    cmd, env = play_cmd(playbook, extra, args)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(what, predicate, timeout=60.0, interval=0.5):
    """predicate()'s first truthy value; polls from 20 ms up to `interval`; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    delay = min(0.02, interval)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(delay)
        delay = min(delay * 2, interval)


def inspect(host, name="vllm"):
    return json.loads(host.check_output("docker inspect %s" % name))[0]


def health(host):
    """vLLM's /health status code as a string ("000" when nothing answers)."""
    return host.run("curl -s -m 5 -o /dev/null -w '%%{http_code}' %s/health" % VLLM).stdout.strip()


def meminfo(host):
    """/proc/meminfo of the host in bytes."""
    values = {}
    for line in host.file("/proc/meminfo").content_string.splitlines():
        key, _sep, rest = line.partition(":")
        values[key] = int(rest.split()[0]) * 1024
    return values


def ollama(host, method, path, body=None, fail=False, max_time=30):
    """Ollama's JSON reply; fail=True makes an HTTP error a failed command (curl -f)."""
    cmd = "curl -s%s -m %s -X %s %s%s" % ("f" if fail else "", max_time, method, OLLAMA, path)
    if body is not None:
        cmd += " -d %s" % shlex.quote(json.dumps(body))
    return json.loads(host.check_output(cmd))


def ollama_names(host):
    return sorted(m["name"] for m in ollama(host, "GET", "/api/ps")["models"])


def ollama_up(host, timeout=60):
    """Wait until Ollama answers. After a gated start with vllm_hold_ollama, the unit's
    ExecStartPost starts the held Ollama with --no-block: it answers a moment later."""
    wait_for("Ollama to answer (a held Ollama is started again with --no-block)",
             lambda: host.run("curl -sf -m 2 %s/api/version" % OLLAMA).rc == 0, timeout=timeout)


def ollama_load(host, models, keep_alive="2h"):
    """A client loads MODELS and pins them; waits until /api/ps lists them all."""
    ollama_up(host)
    for model in models:
        ollama(host, "POST", "/api/generate", {"model": model, "keep_alive": keep_alive}, max_time=120)
    wait_for("Ollama to list %s" % models,
             lambda: set(m + ":latest" for m in models) <= set(ollama_names(host)))


def ollama_empty(host):
    """Unload everything and wait until /api/ps is empty."""
    ollama_up(host)
    for name in ollama_names(host):
        ollama(host, "POST", "/api/generate", {"model": name, "keep_alive": 0})
    wait_for("Ollama's /api/ps to be empty", lambda: ollama_names(host) == [])


def serves(host, model="standin"):
    """One real completion succeeds (/health can be 200 on a wedged engine)."""
    out = host.run("curl -s -m 20 -H 'Content-Type: application/json' -d %s %s/v1/completions"
                   % (shlex.quote(json.dumps({"model": model, "prompt": "hi", "max_tokens": 1})), VLLM)).stdout
    try:
        return bool(json.loads(out).get("choices"))
    except ValueError:
        return False


def journal_cursor(host, unit="vllm.service"):
    """The journal's position now, to read only what a unit logs after it."""
    out = host.check_output("journalctl -u %s -n 0 --show-cursor --no-pager" % unit)
    return out.split("cursor:", 1)[1].strip()


def journal_since(host, cursor, unit="vllm.service"):
    """The unit's journal lines after CURSOR (the gate's lines and the container's own, in order)."""
    return host.check_output("journalctl -u %s --after-cursor=%s --no-pager -o cat"
                             % (unit, shlex.quote(cursor))).splitlines()
