"""Fault drills for the gated vLLM restart (issue 6), in a systemd target with docker inside,
the vLLM stand-in image and ollama.service (the real Ollama, or the Ollama emulator where a
drill needs a fault). Tests run in file order and share one target; each drill leaves vLLM
healthy and ollama.service as it found it (the real server) for the next one."""

import datetime
import json
import os
import re
import shlex
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from gx10_testinfra import OLLAMA, flat, health, inspect, ollama, ollama_names, play_background, run_play, wait_for


SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[2]
CONVERGE = SCENARIO / "converge.yml"
BAD_INPUT = SCENARIO / "bad_input.yml"
RESTART = REPO / "playbooks" / "vllm_restart.yml"
REAL_VERSION = "0.5.4"  # the bundle reports e.g. 0.5.4-ipexllm-20250407
EMULATOR_VERSION = "0.33.0"
EMULATOR = "/opt/gx10-drills/ollama_emulator.py"
DROPIN = "/etc/systemd/system/ollama.service.d/drill.conf"
PLAY_TIMEOUT = 300  # a drill's playbook that runs longer than this hangs: the test fails


# ---------------------------------------------------------------- helpers

def play(playbook, extra=None, args=()):
    """ansible-playbook against the target; returns (rc, whitespace-normalised output, seconds)."""
    start = time.monotonic()
    proc = run_play(playbook, extra, args, timeout=PLAY_TIMEOUT)
    return proc.returncode, flat(proc.stdout + proc.stderr), round(time.monotonic() - start, 1)


def identity(data):
    return data["Id"], data["State"]["StartedAt"], data["Args"]


def started_epoch(data):
    stamp = data["State"]["StartedAt"]  # 2026-11-25T13:20:01.123456789Z
    head, _dot, frac = stamp.rstrip("Z").partition(".")
    when = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return when.timestamp() + float("0." + (frac or "0"))


def ollama_version(host):
    out = host.run("curl -s -m 2 %s/api/version" % OLLAMA).stdout
    try:
        return json.loads(out).get("version")
    except ValueError:
        return None


def ollama_is(host, kind):
    """Whether ollama.service answers as the real server ("real") or as the emulator."""
    version = ollama_version(host) or ""
    return version.startswith(REAL_VERSION) if kind == "real" else version == EMULATOR_VERSION


def main_pid(host):
    return int(host.check_output("systemctl show -p MainPID --value ollama"))


def write_file(host, path, content):
    host.check_output("mkdir -p %s && printf %%s %s > %s"
                      % (shlex.quote(os.path.dirname(path)), shlex.quote(content), shlex.quote(path)))


def restart_ollama(host, kind):
    host.check_output("systemctl daemon-reload && systemctl restart ollama")
    wait_for("ollama.service to answer /api/version as the %s server" % kind, lambda: ollama_is(host, kind))


def ollama_as_emulator(host, *args):
    """ollama.service runs the emulator (a drop-in swaps ExecStart); a new process starts empty."""
    write_file(host, DROPIN, "[Service]\nExecStart=\nExecStart=/usr/bin/python3 %s --port 11434 %s\n"
               % (EMULATOR, " ".join(args)))
    restart_ollama(host, "emulator")


def ollama_real(host):
    host.check_output("rm -f %s" % DROPIN)
    restart_ollama(host, "real")


def emulator_log(host):
    return json.loads(host.check_output("curl -s -m 5 %s/_emu/log" % OLLAMA))["log"]


def containers(host):
    """Every container the target's dockerd has, running or not: {name: id}."""
    out = host.check_output("docker ps -a --no-trunc --format '{{.Names}} {{.ID}}'")
    pairs = [line.split() for line in out.splitlines() if line.strip()]
    assert len(pairs) == len({p[0] for p in pairs}), "duplicate container names: %s" % out
    return dict(pairs)


def host_files(host):
    """What the role could write on the host: the HF cache, unit files, docker's config."""
    return host.check_output(
        "find /srv/hf-cache /etc/systemd/system /etc/docker -printf '%p %s %m %T@\\n' 2>/dev/null | sort")


def transient(host, unit, script):
    """Run a shell script in the target as a transient systemd unit (outlives `docker exec`)."""
    host.check_output("systemctl reset-failed %s 2>/dev/null; true" % unit)
    host.check_output("systemd-run --unit=%s --collect bash -c %s" % (unit, shlex.quote(script)))


def assert_healthy_vllm(host):
    assert health(host) == "200"
    data = inspect(host)
    assert data["State"]["Running"] and data["State"]["Status"] == "running"
    return data


# ---------------------------------------------------------------- the converged start

def test_converged_vllm_is_healthy(host):
    assert_healthy_vllm(host)
    assert ollama_is(host, "real")
    assert list(containers(host)) == ["vllm"]


# ---------------------------------------------------------------- 1. Ollama hung

def test_hung_ollama_fails_by_deadline_and_leaves_vllm_untouched(host):
    before = assert_healthy_vllm(host)
    pid = main_pid(host)
    host.check_output("kill -STOP %d" % pid)
    try:
        # Accepts connections (the kernel's backlog), never answers: curl times out (28), not refused (7).
        assert host.run("curl -s -m 2 %s/api/version" % OLLAMA).rc == 28
        rc, out, took = play(CONVERGE, {"vllm_max_model_len": 8192})
    finally:
        host.check_output("kill -CONT %d" % pid)
    print("hung Ollama: the gated restart failed after %s s" % took)
    assert rc != 0, out
    assert ("Ollama at http://127.0.0.1:11434 did not answer GET /api/ps properly (timeout" in out), out
    assert "the running container vllm was left alone" in out, out
    assert "Stop the vLLM unit" not in out, out
    after = assert_healthy_vllm(host)
    assert identity(after) == identity(before)
    assert "8192" not in after["Args"]
    assert main_pid(host) == pid
    assert ollama_is(host, "real")


# ---------------------------------------------------------------- 2. stuck in "Stopping..."

def test_stuck_model_fallback_restarts_ollama_then_vllm_restarts(host):
    ollama_as_emulator(host, "--mode", "stuck")
    ollama(host, "POST", "/api/generate", {"model": "tiny-a", "keep_alive": -1})
    assert ollama_names(host) == ["tiny-a:latest"]
    pid = main_pid(host)
    before = assert_healthy_vllm(host)
    rc, out, took = play(CONVERGE, {"vllm_max_model_len": 8192, "vllm_unload_timeout": 4})
    print("stuck model: gated restart with the fallback took %s s" % took)
    assert rc == 0, out
    assert 'tiny-a:latest (still listed in /api/ps, e.g. stuck in "Stopping..."); restarting ollama' in out, out
    assert main_pid(host) != pid  # the fallback restarted ollama.service
    assert ollama_names(host) == []
    after = assert_healthy_vllm(host)
    assert after["Id"] != before["Id"]
    assert "8192" in after["Args"]
    assert "vLLM vllm serves on" in out, out


# ---------------------------------------------------------------- 3. killed mid-eviction

def test_ollama_killed_during_eviction_gate_passes_on_empty_server(host):
    # slow: the eviction would take 600 s, far past vllm_unload_timeout; the kill ends it.
    ollama_as_emulator(host, "--mode", "slow", "--slow-delay", "600")
    ollama(host, "POST", "/api/generate", {"model": "tiny-a", "keep_alive": -1})
    assert ollama_names(host) == ["tiny-a:latest"]
    pid = main_pid(host)
    before = assert_healthy_vllm(host)
    proc = play_background(RESTART, {"vllm_unload_timeout": 20})
    try:
        def unload_sent():
            return any(method == "POST" and path == "/api/generate" and body and json.loads(body).get("keep_alive") == 0
                       for method, path, body in emulator_log(host))
        wait_for("the gate's unload request to reach Ollama", unload_sent, timeout=120)
        assert ollama_names(host) == ["tiny-a:latest"]  # evicting, not yet evicted
        host.check_output("systemctl kill --signal=SIGKILL ollama")
        out, _err = proc.communicate(timeout=PLAY_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    out = flat(out)
    # systemd's Restart=always brings it back, empty (the vLLM gate may also hold and release it:
    # a manual stop and start reset NRestarts, so the new main process is what counts).
    wait_for("systemd to start ollama.service again", lambda: main_pid(host) not in (0, pid), timeout=120)
    wait_for("Ollama to answer again", lambda: ollama_is(host, "emulator"))
    assert ollama_names(host) == []  # back, and empty
    # The kill lands between two polls of /api/ps (the usual case): the refused connection means
    # "holds nothing", the eviction ends without its deadline or the restart fallback, and the
    # restart proceeds. It can also land in the middle of a poll's reply (headers sent, body not;
    # urllib3 1.x returns the short body): the eviction then fails with a message naming what it
    # waited for, before vLLM was stopped. Either way nothing waits for a deadline.
    assert "restarting ollama" not in out, out
    assert "Timed out" not in out, out
    if proc.returncode == 0:
        print("killed mid-eviction: the gate passed on the emptied server")
        after = assert_healthy_vllm(host)
        assert after["State"]["StartedAt"] != before["State"]["StartedAt"]
        assert "vLLM vllm serves on" in out, out
    else:
        print("killed mid-eviction: the eviction failed (%s)" % out[out.find("msg: "):][:200])
        assert "while waiting for tiny-a:latest to be evicted" in out, out
        assert "Stop the vLLM unit" not in out, out
        assert identity(assert_healthy_vllm(host)) == identity(before)


# ---------------------------------------------------------------- 4. dockerd restarted while vLLM is down

# --since a moment the test read before it started the play: docker replays a die that came before
# `docker events` was subscribed (the transient unit and the play start at the same time).
DIE_EVENT = ("read -r ev < <(docker events --since {since} --filter container=vllm --filter event=die "
             "--format '{{{{.Action}}}}'); ")
DOCKERD_TRIGGERS = {
    # dockerd goes down while the gate's stop call is still talking to it
    "during_stop": (DIE_EVENT, {}),
    # strictly after the stop: the gate in vllm.service's ExecStartPre holds Ollama
    # (vllm_hold_ollama) once vLLM is stopped; restart dockerd as soon as ollama.service is down
    "after_stop": (DIE_EVENT + "while systemctl is-active -q ollama; do sleep 0.05; done; ",
                   {"vllm_hold_ollama": True}),
}


@pytest.mark.parametrize("when", sorted(DOCKERD_TRIGGERS))
def test_dockerd_restarted_while_vllm_is_down(host, when):
    ollama_real(host)
    before = assert_healthy_vllm(host)
    trigger, extra = DOCKERD_TRIGGERS[when]
    host.check_output("rm -f /run/drill-dockerd")
    since = host.check_output("date +%s.%N").strip()
    transient(host, "drill-dockerd",
              trigger.format(since=since) + "date +%s.%N > /run/drill-dockerd; systemctl restart docker; echo restarted >> /run/drill-dockerd")
    rc, out, took = play(RESTART, extra)
    wait_for("the dockerd restart to finish", lambda: "restarted" in host.run("cat /run/drill-dockerd").stdout)
    print("dockerd restarted %s: rc %s after %s s; %s"
          % (when, rc, took, out[out.find("The gated restart of vLLM failed"):][:400] if rc else "healthy"))
    assert "already in use" not in out, out
    found = containers(host)
    assert list(found) == ["vllm"], found
    if rc == 0:
        after = assert_healthy_vllm(host)
        assert after["State"]["StartedAt"] != before["State"]["StartedAt"]
    else:
        # the rescue names the task and docker's error, and leaves vLLM stopped (no restart loop)
        assert re.search(r"The gated restart of vLLM failed at [^:]+: \S", out), out
        assert not host.service("vllm").is_running
    assert host.service("ollama").is_running  # started again if the role held it
    # Either way the next gated restart recovers, on the same single container.
    rc, out, _took = play(RESTART)
    assert rc == 0, out
    assert "already in use" not in out, out
    assert list(containers(host)) == ["vllm"]
    assert_healthy_vllm(host)


# ---------------------------------------------------------------- 5. a client reloads while vLLM loads

RELOAD_LOG = "/run/drill-reload.log"
# A stopped vLLM refuses /health at once: the long max-time only keeps a slow 200 on a loaded
# machine from being read as "vLLM still loading".
RELOAD_LOOP = (
    "while :; do t=$(date +%s.%N); "
    "c=$(curl -s -m 3 -o /dev/null -w '%{http_code}' -X POST " + OLLAMA + "/api/generate "
    "-d '{\"model\": \"tiny-a\", \"keep_alive\": -1}'); "
    "h=$(curl -s -m 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/health); "
    "echo \"$t $c $h\" >> " + RELOAD_LOG + "; sleep 0.2; done")
SLOW_START = {"VLLM_STANDIN_STARTUP_SECONDS": "6", "VLLM_STANDIN_HOLD_BYTES": "64M",
              "VLLM_STANDIN_CUDA_CONTEXT_BYTES": "0"}


def reload_during_restart(host, extra):
    """Run the gated restart while a client reloads tiny-a (keep_alive -1) in a loop; return the
    play's result, the container and the loop's (time, generate code, health code) while vLLM loaded."""
    host.check_output("rm -f %s" % RELOAD_LOG)
    transient(host, "drill-reload", RELOAD_LOOP)
    try:
        wait_for("the client to hold tiny-a", lambda: "tiny-a:latest" in ollama_names(host))
        rc, out, took = play(CONVERGE, extra)
    finally:
        host.check_output("systemctl stop drill-reload")
    data = inspect(host)
    start = started_epoch(data)
    rows = [line.split() for line in host.file(RELOAD_LOG).content_string.splitlines()]
    loading = [(float(t), c, h) for t, c, h in rows if float(t) > start and h != "200"]
    return rc, out, took, data, loading


def test_reload_while_vllm_loads_without_hold_takes_memory(host):
    ollama_real(host)
    before = assert_healthy_vllm(host)
    # Utilization 0.05 fits beside tiny-a: the outcome is deterministic, vLLM starts and the
    # client's model is resident again next to it.
    rc, out, took, data, loading = reload_during_restart(host, {"vllm_env": SLOW_START, "vllm_hold_ollama": False})
    print("reload without hold: %s s; during the load: %s" % (took, loading))
    assert rc == 0, out
    assert data["Id"] != before["Id"]
    assert_healthy_vllm(host)
    assert loading, "the loop saw no sample while vLLM loaded"
    assert any(code == "200" for _t, code, _h in loading), loading
    resident = ollama(host, "GET", "/api/ps")["models"]
    assert [m["name"] for m in resident] == ["tiny-a:latest"]
    assert resident[0]["size"] > 0


def test_reload_while_vllm_loads_with_hold_is_refused(host):
    before = assert_healthy_vllm(host)
    rc, out, took, data, loading = reload_during_restart(
        host, {"vllm_env": SLOW_START, "vllm_max_model_len": 8192, "vllm_hold_ollama": True})
    print("reload with hold: %s s; during the load: %s" % (took, loading))
    assert rc == 0, out
    assert data["Id"] != before["Id"] and "8192" in data["Args"]
    assert_healthy_vllm(host)
    assert len(loading) >= 3, loading
    # curl's 000: connection refused, ollama.service was stopped for the whole load
    assert all(code == "000" for _t, code, _h in loading), loading
    assert host.service("ollama").is_running
    wait_for("Ollama to answer again", lambda: ollama_is(host, "real"))
    # back to the scenario's settings
    rc, out, _took = play(CONVERGE)
    assert rc == 0, out
    assert_healthy_vllm(host)


# ---------------------------------------------------------------- 6. bad role variables

# name, role variables, words the error must contain: every option of the role's argument spec
# has a case there or a reason why not (tests/unit/test_vllm_bad_input.py)
with open(SCENARIO / "vars" / "bad_cases.yml") as _f:
    BAD_CASES = [(c["name"], c["vars"], c["words"]) for c in yaml.safe_load(_f)["cases"]]


@pytest.fixture(scope="module")
def bad_results(host):
    before = (identity(inspect(host)), containers(host), host_files(host))
    with tempfile.TemporaryDirectory() as tmp:
        results_file = os.path.join(tmp, "results.json")
        rc, out, took = play(BAD_INPUT, {"cases": [{"name": n, "vars": v} for n, v, _words in BAD_CASES],
                                         "results_file": results_file})
        assert rc == 0, out[-3000:]
        with open(results_file) as f:
            results = {r["name"]: r for r in json.load(f)}
    print("bad input: %d cases in one run, %s s" % (len(BAD_CASES), took))
    after = (identity(inspect(host)), containers(host), host_files(host))
    return {"results": results, "before": before, "after": after}


@pytest.mark.parametrize("name,variables,words", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_refused_with_a_clear_message(bad_results, name, variables, words):
    result = bad_results["results"][name]
    assert result["failed"], "%s was accepted: %s" % (name, variables)
    for word in words:
        assert word in result["msg"], (word, result["msg"])


def test_bad_input_left_the_host_untouched(host, bad_results):
    assert len(bad_results["results"]) == len(BAD_CASES)
    before, after = bad_results["before"], bad_results["after"]
    assert after[0] == before[0], "the vLLM container changed (Id, StartedAt, args)"
    assert after[1] == before[1], "the containers changed"
    assert after[2] == before[2], "files on the host changed"
    assert_healthy_vllm(host)


def test_no_drill_left_anything_behind(host):
    assert not host.file(DROPIN).exists
    assert ollama_is(host, "real")
    assert list(containers(host)) == ["vllm"]
    for unit in ("drill-dockerd", "drill-reload"):
        assert host.run("systemctl is-active %s" % unit).stdout.strip() != "active"
    assert re.match(r"^[0-9a-f]{64}$", inspect(host)["Id"])
