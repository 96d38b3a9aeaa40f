"""Verify the vllm role in a systemd target with docker inside, the vLLM stand-in image and
the REAL Ollama server (ollama.service). Tests run in file order and share one target."""

import json
import os
import math
import re
import secrets
import shlex
import subprocess
import threading
import time
from pathlib import Path

import pytest
from gx10_testinfra import (BAD_VALUE, BAD_VALUE_ERROR, BAD_VALUE_EXIT, GIB, HEALTH_SAMPLER, MIB, OLLAMA, flat, health,
                            inspect, journal_cursor, journal_since, meminfo, ollama_empty, ollama_load, ollama_names,
                            ollama_up, play, play_background, serves, wait_for)

# An agent's flags (inventory/group_vars/gx10/main.yml, the lab): the stand-in parses them as
# vLLM 0.32.0 does.
AGENT_ARGS = ["--enable-auto-tool-choice", "--tool-call-parser", "hermes", "--reasoning-parser", "qwen3",
              "--enable-prefix-caching", "--max-num-batched-tokens", "8192"]

SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[2]
CONVERGE = SCENARIO / "converge.yml"
RESTART = REPO / "playbooks" / "vllm_restart.yml"
TARGET = os.environ.get("GX10_VLLM_INSTANCE", "gx10-vllm")
HOLD = 256 * MIB     # VLLM_STANDIN_HOLD_BYTES in molecule.yml
MARGIN = 256 * MIB   # vllm_restart_margin in molecule.yml
# The host's part of the gate's settings, the record of what last served, the restart lock.
GATE_SETTINGS = "/etc/openclaw-gx10/vllm-gate.json"
RECORD = "/var/lib/openclaw-gx10/vllm.last-good.json"
LOCK = "/run/openclaw-gx10/vllm.restart.lock"
MESSAGE_RE = (r"ValueError: Free memory on device cuda:0 \((\d+(?:\.\d+)?)/(\d+(?:\.\d+)?) GiB\) "
              r"on startup is less than desired GPU memory utilization \({util}, (\d+(?:\.\d+)?) GiB\)\. "
              r"Decrease GPU memory utilization or reduce GPU memory used by other processes\.")


# ---------------------------------------------------------------- converge result

def test_container_settings(host):
    data = inspect(host)
    assert data["Config"]["Image"] == "openclaw/vllm-standin:test"
    # the model is vllm serve's first, positional argument
    assert data["Args"] == ["serve", "org/standin-model", "--served-model-name", "standin",
                            "--gpu-memory-utilization", "0.05", "--kv-cache-dtype", "fp8",
                            "--max-model-len", "4096", "--host", "0.0.0.0", "--port", "8000"]
    # docker never restarts it blind: vllm.service does, through the gate
    assert data["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert host.service("vllm").is_enabled and host.service("vllm").is_running
    assert data["HostConfig"]["PortBindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8000"}]}
    assert data["HostConfig"]["IpcMode"] == "host"
    assert not data["HostConfig"].get("DeviceRequests")  # vllm_gpus: off
    mounts = {(m["Source"], m["Destination"]) for m in data["Mounts"]}
    assert ("/srv/hf-cache", "/root/.cache/huggingface") in mounts
    env = dict(e.split("=", 1) for e in data["Config"]["Env"])
    assert env["VLLM_STANDIN_HOLD_BYTES"] == "256M"
    assert "HF_TOKEN" not in env and "VLLM_API_KEY" not in env
    assert data["State"]["Running"]


def test_endpoints(host):
    assert health(host) == "200"
    metrics = host.check_output("curl -s http://127.0.0.1:8000/metrics")
    assert 'vllm:kv_cache_usage_perc{engine="0",model_name="standin"}' in metrics
    models = json.loads(host.check_output("curl -s http://127.0.0.1:8000/v1/models"))
    assert [m["id"] for m in models["data"]] == ["standin"]


def test_bound_to_loopback_only(host):
    # published on 127.0.0.1 only: the target's other address does not answer
    addr = host.check_output("hostname -I").split()[0]
    code = host.run("curl -s -m 3 -o /dev/null -w '%%{http_code}' http://%s:8000/health" % addr).stdout
    assert code.strip() == "000"


# ---------------------------------------------------------------- changes

def test_changed_setting_goes_through_one_gated_restart(host, tmp_path):
    before = inspect(host)
    rc, out = play(CONVERGE, {"vllm_max_model_len": 8192}, tmp_path=tmp_path)
    assert rc == 0, out
    assert out.count("restart_changed.yml for %s" % TARGET) == 1, out
    assert out.count("TASK [openclaw.gx10.vllm : Stop the vLLM unit]") == 1, out
    assert out.count("TASK [openclaw.gx10.vllm : Restart vLLM through its unit") == 1, out
    assert "differs in:" in out
    after = inspect(host)
    assert after["Id"] != before["Id"]
    assert "8192" in after["Args"]
    assert health(host) == "200"
    # the same setting again: nothing changes, nothing restarts
    rc, out = play(CONVERGE, {"vllm_max_model_len": 8192}, tmp_path=tmp_path)
    assert rc == 0, out
    assert re.search(re.escape(TARGET) + r"\s+: ok=\d+\s+changed=0 ", out), out
    assert "restart_changed.yml" not in out
    assert inspect(host)["State"]["StartedAt"] == after["State"]["StartedAt"]


def test_refusal_leaves_running_container_alone(host, tmp_path):
    rc, out = play(CONVERGE, tmp_path=tmp_path)  # back to the scenario's settings
    assert rc == 0, out
    before = inspect(host)
    settings_before = host.file(GATE_SETTINGS).sha256sum
    ollama_empty(host)
    # Even with Ollama empty and vLLM stopped, 0.999 of MemTotal + margin cannot be free.
    rc, out = play(CONVERGE, {"vllm_gpu_memory_utilization": 0.999}, tmp_path=tmp_path)
    assert rc != 0, out
    assert "vLLM would not fit, so the running container vllm was left alone" in out, out
    assert re.search(r"Needed ceil\(MemTotal x 0\.999\) = [\d.]+ GiB", out), out
    after = inspect(host)
    assert after["Id"] == before["Id"]
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"]
    assert after["State"]["Running"]
    assert health(host) == "200"
    # Nothing the serving vLLM is judged by changed: a crash now comes back through the gate.
    assert host.file(GATE_SETTINGS).sha256sum == settings_before
    crash_comes_back(host)


def crash_comes_back(host, served="standin"):
    """vLLM's main process killed: systemd starts it again through the gate, which checks what the
    container itself says (its utilization, its served name); the unit is active again."""
    before = inspect(host)
    mark = journal_cursor(host)
    host.check_output("kill -9 %d" % before["State"]["Pid"])

    def back():
        return (inspect(host)["State"]["StartedAt"] != before["State"]["StartedAt"]
                and host.run("systemctl is-active vllm.service").stdout.strip() == "active")

    wait_for("vllm.service to bring vLLM back through the gate after a crash", back, timeout=120)
    lines = "\n".join(journal_since(host, mark))
    assert "vllm-gate: memory gate passed" in lines, lines
    assert "a completion of '%s' succeeded" % served in lines, lines
    assert serves(host, served)


def test_startup_failure_reports_last_log_lines_and_rolls_back(host, tmp_path):
    before = inspect(host)
    rc, out = play(CONVERGE, {"vllm_extra_args": BAD_VALUE, "vllm_health_timeout": 8},
                   tmp_path=tmp_path)
    assert rc != 0, out
    text = re.sub(r"\s+", " ", out)
    assert "The new vLLM configuration failed" in text, out
    assert re.search(r"exited with code %d|failed to start" % BAD_VALUE_EXIT, text), out
    assert BAD_VALUE_ERROR in text, out
    assert "Rolled back to openclaw/vllm-standin:test@%s" % before["Image"] in text, out
    # the configuration that served is back, serving; no restart loop of the failed one
    after = inspect(host)
    assert after["Id"] == before["Id"] and after["State"]["Running"]
    assert health(host) == "200"
    assert host.service("ollama").is_running
    rc, out = play(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out
    assert health(host) == "200"


def test_a_failed_change_of_model_rolls_back_to_what_served_under_its_own_name(host, tmp_path):
    """A new model whose served name follows it (vllm_served_model_name empty) fails at start: the
    rollback's gate and wait ask the previous container for ITS name ("standin"), not the new
    one, and a crash afterwards comes back through the gate."""
    rc, out = play(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out
    before = inspect(host)
    settings_before = host.file(GATE_SETTINGS).sha256sum
    rc, out = play(CONVERGE, {"vllm_model": "org/other-model", "vllm_served_model_name": "",
                              "vllm_extra_args": BAD_VALUE, "vllm_health_timeout": 8}, tmp_path=tmp_path)
    assert rc != 0, out
    text = flat(out)
    assert "The new vLLM configuration failed" in text and BAD_VALUE_ERROR in text, out
    assert re.search(r"Rolled back to openclaw/vllm-standin:test@\S+ org/standin-model, serving\.", text), out
    after = inspect(host)
    assert after["Id"] == before["Id"] and after["State"]["Running"]
    assert host.run("systemctl is-active vllm.service").stdout.strip() == "active"
    assert serves(host, "standin") and not serves(host, "org/other-model")
    assert host.file(GATE_SETTINGS).sha256sum == settings_before
    record = json.loads(host.file(RECORD).content_string)
    assert record["container_id"] == before["Id"] and record["served_model_name"] == "standin"
    crash_comes_back(host)


def test_two_restarts_at_once_the_second_refused_naming_the_first(host, tmp_path):
    first = play_background(RESTART)
    try:
        wait_for("the first restart to take the host's lock", lambda: host.file(LOCK).exists, timeout=180)
        holder = json.loads(host.file(LOCK).content_string)["holder"]
        rc, out = play(RESTART, {"vllm_lock_wait": 0}, tmp_path=tmp_path)
    finally:
        out_first, _err = first.communicate(timeout=600)
    assert first.returncode == 0, out_first
    assert rc != 0, out
    assert holder.startswith("Gated restart of vLLM, one batch at a time run from "), holder
    assert re.search(r"another restart of vLLM on \S+ runs since \d{4}-\d\d-\d\dT[\d:]+Z \(by "
                     + re.escape(holder) + r"\), its lease runs until", flat(out)), out
    # the refused one stopped nothing: the first one's start went through, the lock is free again
    assert "TASK [openclaw.gx10.vllm : Stop the vLLM unit]" not in out
    assert not host.file(LOCK).exists
    assert health(host) == "200" and serves(host)
    ollama_up(host)


def test_a_record_that_cannot_be_trusted_fails_the_run_before_anything_stops(host, tmp_path):
    saved = host.file(RECORD).content_string
    before = inspect(host)
    host.check_output("truncate -s 0 %s" % RECORD)
    try:
        rc, out = play(CONVERGE, {"vllm_max_model_len": 2048}, tmp_path=tmp_path)
    finally:
        host.check_output("printf '%%s' %s > %s" % (shlex.quote(saved), RECORD))
    assert rc != 0, out
    text = flat(out)
    assert ("the record of the configuration that last served cannot be trusted: %s is not JSON (0 bytes)"
            % RECORD) in text, out
    assert "Nothing was stopped" in text, out
    after = inspect(host)
    assert after["Id"] == before["Id"] and after["State"]["StartedAt"] == before["State"]["StartedAt"]
    assert health(host) == "200"
    assert not host.file(LOCK).exists  # released on the way out


def sampled_health(run):
    """run() while the target samples vLLM's /health; returns (run()'s result, [(sent, code)]).
    Sampling starts before run() and ends with a sample sent after it returned."""
    stop = "/run/vllm-health-sampler.stop"
    subprocess.run(["docker", "exec", TARGET, "rm", "-f", stop], check=True)
    proc = subprocess.Popen(["docker", "exec", TARGET, "sh", "-c", HEALTH_SAMPLER, "sampler", stop],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples = []

    def read():
        for line in proc.stdout:
            parts = line.split()
            if len(parts) == 2:
                samples.append((float(parts[0]), parts[1]))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for("the first /health sample", lambda: samples)
        result = run()
        done = time.time()
        wait_for("a /health sample sent after the run", lambda: samples[-1][0] >= done, timeout=30)
    finally:
        subprocess.run(["docker", "exec", TARGET, "touch", stop], check=False)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    return result, list(samples)


def test_removed_flag_refused_with_vllm_untouched_and_serving(host, tmp_path):
    # --disable-log-requests: gone since vLLM 0.17 (deprecated from 0.12); refused by the role before anything stops
    rc, out = play(CONVERGE, tmp_path=tmp_path)  # the scenario's settings
    assert rc == 0, out
    before = inspect(host)
    assert health(host) == "200"
    (rc, out), samples = sampled_health(
        lambda: play(CONVERGE, {"vllm_extra_args": ["--disable-log-requests"]}, tmp_path=tmp_path))
    assert rc != 0, out
    assert ("vllm_extra_args: --disable-log-requests was removed in vLLM 0.17.0: use --enable-log-requests "
            "instead") in flat(out), out
    assert "restart_changed.yml" not in out and "Stop the vLLM unit" not in out, out
    after = inspect(host)
    assert after["Id"] == before["Id"]
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"] and after["State"]["Running"]
    assert "--disable-log-requests" not in after["Args"]
    # no downtime: every sample of the whole run answered 200
    assert len(samples) >= 3, samples
    assert [s for s in samples if s[1] != "200"] == [], samples
    assert health(host) == "200"


def test_agent_flags_roll_out_and_serve(host, tmp_path):
    before = inspect(host)
    rc, out = play(CONVERGE, {"vllm_extra_args": AGENT_ARGS}, tmp_path=tmp_path)
    assert rc == 0, out
    assert out.count("restart_changed.yml for %s" % TARGET) == 1, out
    # the stand-in's tag names no release: the options every release in the table has, with a warning
    # (the result format is YAML: the quotes around the image may come doubled)
    assert re.search(r"the vLLM release of image '+openclaw/vllm-standin:test'+ is unknown", flat(out)), out
    after = inspect(host)
    assert after["Id"] != before["Id"] and after["State"]["Running"]
    assert after["Args"][-len(AGENT_ARGS):] == AGENT_ARGS
    assert health(host) == "200"
    assert serves(host)
    # parsed, not skipped: the stand-in's log of its non-default arguments
    logs = host.run("docker logs vllm 2>&1").stdout
    assert "'tool_call_parser': 'hermes'" in logs and "'reasoning_parser': 'qwen3'" in logs, logs[-2000:]
    assert "'enable_prefix_caching': True" in logs and "'max_num_batched_tokens': 8192" in logs, logs[-2000:]
    rc, out = play(CONVERGE, tmp_path=tmp_path)  # back to the scenario's settings
    assert rc == 0, out
    assert "--enable-auto-tool-choice" not in inspect(host)["Args"]
    assert health(host) == "200"


def test_secrets_never_in_output_or_diff(host, tmp_path):
    api_key = "key-" + secrets.token_hex(12)
    hf_token = "hf_" + secrets.token_hex(12)
    extra = {"vllm_api_key": api_key, "vllm_hf_token": hf_token}
    outputs = []
    for args in (["-v", "--diff"], ["-v", "--diff"], ["-vvv", "--diff", "--check"]):
        rc, out = play(CONVERGE, extra, args=args, tmp_path=tmp_path)
        assert rc == 0, out
        outputs.append(out)
    extra2 = dict(extra, vllm_max_model_len=2048)
    rc, out = play(CONVERGE, extra2, args=["-v", "--diff"], tmp_path=tmp_path)
    assert rc == 0, out
    outputs.append(out)
    rc, out = play(RESTART, extra2, args=["-v", "--diff"], tmp_path=tmp_path)
    assert rc == 0, out
    outputs.append(out)
    for out in outputs:
        assert api_key not in out
        assert hf_token not in out
    # the key is in force, and not on the command line
    data = inspect(host)
    assert api_key not in " ".join(data["Args"])
    unauth = host.run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/v1/models").stdout
    auth = host.run("curl -s -o /dev/null -w '%%{http_code}' -H 'Authorization: Bearer %s' "
                    "http://127.0.0.1:8000/v1/models" % api_key).stdout
    assert (unauth.strip(), auth.strip()) == ("401", "200")
    # The key stays in force for the next test (a stranger on vLLM's port must not receive it),
    # which converges back to no secrets and checks that output too: one gated restart fewer.


# ---------------------------------------------------------------- strangers on the servers' ports

# An unprivileged user's server (run as nobody): it answers what vLLM and Ollama would (200, a
# completion, a model list with a huge model that never unloads) and records every request it gets,
# one JSON object per line, into the file named by its third argument.
STRANGER_PY = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
ADDRESS, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ANSWERS = {
    "/v1/models": {"object": "list", "data": [{"id": "standin", "object": "model"}]},
    "/v1/completions": {"choices": [{"index": 0, "text": "x", "finish_reason": "length"}]},
    "/api/version": {"version": "0.5.4"},
    "/api/ps": {"models": [{"name": "fake:latest", "model": "fake:latest", "size": 1 << 40,
                            "expires_at": "2099-01-01T00:00:00Z"}]},
}
class Recorder(BaseHTTPRequestHandler):
    def answer(self):
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size).decode("utf-8", "replace") if size else ""
        with open(LOG, "a") as handle:
            handle.write(json.dumps({"method": self.command, "path": self.path,
                                     "headers": dict(self.headers.items()), "body": body}) + "\n")
        data = json.dumps(ANSWERS.get(self.path.split("?")[0], {})).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = do_DELETE = answer
    def log_message(self, *args):
        pass
HTTPServer((ADDRESS, PORT), Recorder).serve_forever()
"""
PROBE = "X-Gx10-Probe"


def listening(host, address, port):
    return "%s:%d" % (address, port) in host.run("ss -Hltn 'sport = :%d'" % port).stdout


def start_stranger(host, address, port):
    """nobody's recording server on ADDRESS:PORT, as a transient unit (stopped by name, bounded in
    time); waits until it records a probe of ours. Returns (unit, log path)."""
    unit = "gx10-stranger-%d" % port
    log = "/var/tmp/%s.log" % unit
    host.check_output("cat > /usr/local/bin/gx10-stranger.py <<'GX10EOF'\n%sGX10EOF" % STRANGER_PY)
    host.check_output("install -o nobody -g nogroup -m 600 /dev/null %s" % log)
    host.check_output("systemd-run --collect --unit %s --uid nobody --property RuntimeMaxSec=600 "
                      "/usr/bin/python3 /usr/local/bin/gx10-stranger.py %s %d %s" % (unit, address, port, log))
    try:
        wait_for("nobody to listen on %s:%d" % (address, port), lambda: listening(host, address, port))
        host.check_output("curl -sf -m 5 -o /dev/null -H '%s: 1' http://%s:%d/health" % (PROBE, address, port))
        requests = [json.loads(line) for line in host.file(log).content_string.splitlines() if line.strip()]
        assert [r for r in requests if PROBE in r["headers"]], "the stranger records nothing: %s" % requests
    except BaseException:
        stop_stranger(host, unit, address, port)
        raise
    return unit, log


def stop_stranger(host, unit, address, port):
    host.run("systemctl stop %s" % unit)
    wait_for("the stranger to be gone from %s:%d" % (address, port), lambda: not listening(host, address, port))


def stranger_requests(host, log):
    """What the stranger received, our own probe left out."""
    requests = [json.loads(line) for line in host.file(log).content_string.splitlines() if line.strip()]
    return [r for r in requests if PROBE not in r["headers"]]


def unit_state(host, unit="vllm.service"):
    out = host.check_output("systemctl show %s -p ActiveState -p SubState -p Result" % unit)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def start_ended(host):
    """The unit's start is over and failed: waiting for its automatic restart, or failed."""
    state = unit_state(host)
    return state if state["SubState"] == "auto-restart" or state["ActiveState"] == "failed" else None


def test_a_stranger_on_vllms_port_while_it_is_down_gets_no_key(host, tmp_path):
    """vLLM stopped (systemctl stop: never restarted) and an unprivileged user listening on its
    port, before the container's docker-proxy can take it: a start through the unit (the gate)
    refuses naming that listener, and the stranger, though it answers /health 200 and would
    answer a completion, receives no API key. Then the host serves again through the gate."""
    env = dict(e.split("=", 1) for e in inspect(host)["Config"]["Env"])
    api_key = env.get("VLLM_API_KEY")
    if not api_key:  # run without the test before it: its state (a key, vllm_max_model_len 2048)
        api_key = "key-" + secrets.token_hex(12)
        rc, out = play(CONVERGE, {"vllm_api_key": api_key, "vllm_max_model_len": 2048}, tmp_path=tmp_path)
        assert rc == 0, out
    hf_token = env.get("HF_TOKEN")
    record = host.file(RECORD).sha256sum
    host.check_output("systemctl stop vllm.service")
    wait_for("vLLM's port to be free", lambda: not listening(host, "127.0.0.1", 8000))
    unit, log = start_stranger(host, "127.0.0.1", 8000)
    try:
        mark = journal_cursor(host)
        host.check_output("systemctl start --no-block vllm.service")
        state = wait_for("the start through the unit to fail", lambda: start_ended(host), timeout=180, interval=0.1)
        host.check_output("systemctl stop vllm.service")  # no automatic restart into the stranger again
        lines = "\n".join(journal_since(host, mark))
        # The target is an unprivileged container: its root may not see another user's sockets'
        # processes ("pid ?"); the socket's user is always known.
        assert re.search(r"vllm-gate: vLLM does not serve: port 8000 is held by pid (\d+|\?) \(user nobody\): "
                         r"(\S*python3 \S*gx10-stranger\.py 127\.0\.0\.1 8000 [^;]*|process not visible), "
                         r"not by docker's proxy for container vllm \(.*\): nothing that decides was sent to it "
                         r"\(no API key\)", lines), lines
        assert "vllm-gate: vLLM serves" not in lines, lines
        assert state["Result"] in ("exit-code", "start-limit-hit"), state
        assert host.file(RECORD).sha256sum == record  # a refused start records nothing
        received = stranger_requests(host, log)
    finally:
        stop_stranger(host, unit, "127.0.0.1", 8000)
    # Every request it got, and no key in any of them: no Authorization header, no completion.
    assert not [r for r in received if "authorization" in {h.lower() for h in r["headers"]}], received
    assert api_key not in json.dumps(received), received
    assert not [r for r in received if r["path"].startswith("/v1/completions")], received
    # The stranger gone, the unit's start passes the gate (it blocks until the gate's post says vLLM
    # serves: a completion WITH the key, from the real vLLM).
    mark = journal_cursor(host)
    host.check_output("systemctl reset-failed vllm.service && systemctl start vllm.service")
    lines = "\n".join(journal_since(host, mark))
    assert "vllm-gate: vLLM serves" in lines and "a completion of 'standin' succeeded" in lines, lines
    auth = host.run("curl -s -o /dev/null -w '%%{http_code}' -H 'Authorization: Bearer %s' "
                    "http://127.0.0.1:8000/v1/models" % api_key).stdout
    assert auth.strip() == "200"
    ollama_up(host)  # released by the gate's post
    # Back to no secrets, the keys removed alone (vllm_max_model_len stays 2048): the container
    # compares its environment strictly, so a removed key is a change. The diff would show the OLD
    # key as removed.
    rc, out = play(CONVERGE, {"vllm_max_model_len": 2048}, args=["-v", "--diff"], tmp_path=tmp_path)
    assert rc == 0, out
    assert re.search(r"changed=[1-9]", out), out
    assert api_key not in out and (not hf_token or hf_token not in out)
    assert not [e for e in inspect(host)["Config"]["Env"] if e.startswith(("VLLM_API_KEY=", "HF_TOKEN="))]
    assert health(host) == "200" and serves(host)


# ---------------------------------------------------------------- the crown test

def test_docker_restart_fails_while_ollama_squats_gated_restart_passes(host, tmp_path):
    big = ["big", "mid"]
    ollama_empty(host)
    rc, out = play(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out

    # Measure what the real Ollama holds on this machine now.
    time.sleep(1)  # noqa: settle after the unload (measurement, not synchronisation)
    avail_empty = meminfo(host)["MemAvailable"]
    ollama_load(host, big)
    avail_loaded = meminfo(host)["MemAvailable"]
    held = avail_empty - avail_loaded
    assert held > 1.5 * GIB, "Ollama holds only %.2f GiB with %s loaded" % (held / GIB, big)
    ollama_empty(host)

    # vLLM's request R sits halfway between what a plain restart finds free (Ollama loaded,
    # the old stand-in's HOLD freed) and what the gate needs after the eviction (R + margin).
    total = meminfo(host)["MemTotal"]
    low = avail_loaded + HOLD
    high = avail_empty + HOLD - MARGIN
    requested = (low + high) // 2
    util = math.floor(requested / total * 10000) / 10000
    print("MemTotal %.2f GiB, free with Ollama loaded %.2f, empty %.2f -> utilization %s (%.2f GiB)"
          % (total / GIB, avail_loaded / GIB, avail_empty / GIB, util, total * util / GIB))
    settings = {"vllm_gpu_memory_utilization": util}
    rc, out = play(CONVERGE, settings, tmp_path=tmp_path)
    assert rc == 0, out
    assert health(host) == "200"

    # 1. Ollama squats and vLLM starts blind, as `docker restart` did before the unit owned
    # vLLM: its start-up check fails. The unit is stopped first, as lab.sh does: under a running
    # unit a `docker restart` races ExecStopPost's `docker stop` (and the unit then restarts
    # vLLM through the gate), so whether the blind start got as far as its check was timing.
    host.check_output("systemctl stop vllm.service")
    assert inspect(host)["State"]["Status"] == "exited"
    ollama_load(host, big)
    restarted_at = host.check_output("date -u +%Y-%m-%dT%H:%M:%S")
    host.check_output("docker start vllm")
    pattern = re.compile(MESSAGE_RE.format(util=re.escape(str(util))))

    def failed_logs():
        logs = host.run("docker logs --since %s vllm 2>&1" % restarted_at).stdout
        return logs if pattern.search(logs) else None

    logs = wait_for("the stand-in's start-up check to fail", failed_logs)
    match = pattern.search(logs)
    free, total_gib, req_gib = (float(x) for x in match.groups())
    assert free < req_gib
    assert abs(total_gib - round(total / GIB, 2)) < 0.011
    wait_for("the failed stand-in to exit", lambda: inspect(host)["State"]["Status"] == "exited")
    assert inspect(host)["State"]["ExitCode"] == 1
    assert health(host) != "200"

    # 2. The gated restart: evict, gate, start, healthy.
    rc, out = play(RESTART, settings, tmp_path=tmp_path)
    assert rc == 0, out
    assert "vLLM vllm serves on" in re.sub(r"\s+", " ", out), out
    ollama_up(host)  # released by the unit's ExecStartPost (vllm_hold_ollama): a moment later
    assert ollama_names(host) == []
    assert health(host) == "200"
    data = inspect(host)
    assert data["State"]["Running"] and data["State"]["ExitCode"] == 0
    assert "--gpu-memory-utilization" in data["Args"] and str(util) in data["Args"]
    assert "Memory check passed" in host.run("docker logs --tail 20 vllm 2>&1").stdout


def test_hold_ollama_starts_it_again(host, tmp_path):
    ollama_load(host, ["tiny-a"])
    mark = journal_cursor(host)
    rc, out = play(RESTART, tmp_path=tmp_path)  # vllm_hold_ollama is true by default
    assert rc == 0, out
    lines = "\n".join(journal_since(host, mark))
    held = lines.index("vllm-gate: holding ollama stopped")
    assert held < lines.index("vLLM API server version", held) < lines.index("vllm-gate: released ollama", held)
    assert host.service("ollama").is_running
    wait_for("Ollama to answer again", lambda: host.run("curl -sf %s/api/version" % OLLAMA).rc == 0)
    assert ollama_names(host) == []
    assert health(host) == "200"


def test_a_hold_that_no_start_follows_ends_with_its_lease(host, tmp_path):
    """The controller dies right after it held Ollama (before its restart): the hold's lease, a
    transient timer on the host, starts Ollama again; vLLM is not touched."""
    rc, out = play(CONVERGE, {"vllm_hold_lease": 5}, tmp_path=tmp_path)
    assert rc == 0, out
    assert "restart_changed.yml" not in out  # the host's settings only: nothing restarts
    ollama_up(host)
    started = inspect(host)["State"]["StartedAt"]
    out = host.check_output("python3 /usr/local/lib/openclaw-gx10/vllm_gate.py %s hold" % GATE_SETTINGS)
    assert "holding ollama stopped" in out, out
    assert not host.service("ollama").is_running
    wait_for("the hold's lease to start Ollama again", lambda: host.service("ollama").is_running, timeout=90)
    ollama_up(host)
    log = host.check_output("journalctl -u openclaw-gx10-vllm-hold-lease.service --no-pager -o cat")
    assert "the lease of the hold of ollama ran out (5 s) and no start of vLLM followed it" in log, log
    assert inspect(host)["State"]["StartedAt"] == started and health(host) == "200"
    rc, out = play(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out


def unit_serves(host):
    return host.run("systemctl is-active vllm.service").stdout.strip() == "active" and health(host) == "200"


def test_a_stranger_on_ollamas_port_while_it_is_stopped_refuses_the_start(host):
    """Ollama stopped (held, say) and an unprivileged user listening on its port: the listener's
    model list decides the eviction and could keep every start from passing. The gate asks it
    nothing and refuses naming it; once it is gone, the unit's next start passes."""
    host.check_output("systemctl stop ollama")
    host.check_output("setsid runuser -u nobody -- python3 -m http.server --bind 127.0.0.1 11434 "
                      ">/dev/null 2>&1 < /dev/null &")
    try:
        wait_for("the stranger to listen on Ollama's port",
                 lambda: host.run("curl -s -o /dev/null %s/" % OLLAMA).rc == 0)
        mark = journal_cursor(host)
        host.check_output("systemctl restart --no-block vllm.service")
        wait_for("the gate to refuse the start", lambda: any(
            "vllm-gate: REFUSED: port 11434 is held by" in line for line in journal_since(host, mark)), timeout=180)
        lines = "\n".join(journal_since(host, mark))
        # The target is an unprivileged container: its root lacks CAP_SYS_PTRACE and cannot read
        # another user's sockets, so the process may show as "pid ?"; its user is the socket's.
        assert re.search(r"REFUSED: port 11434 is held by pid (\d+|\?) \(user nobody\): "
                         r"(\S*python3 -m http.server|process not visible), not by ollama.service \(stopped\)", lines), lines
        assert "evicted" not in lines and "memory gate passed" not in lines, lines
    finally:
        host.run("pkill -u nobody -f http.server")
        wait_for("the stranger to be gone", lambda: host.run("curl -s -o /dev/null %s/" % OLLAMA).rc != 0)
        host.run("systemctl reset-failed vllm.service")
        host.check_output("systemctl start ollama")
        ollama_up(host)
        host.check_output("systemctl start --no-block vllm.service")
        # the unit's start holds Ollama until vLLM serves, then starts it again
        wait_for("vllm.service to be active and serving again once the stranger is gone",
                 lambda: unit_serves(host), timeout=300)
        ollama_up(host)
    assert serves(host)


# The gate's host settings as `vllm_ollama_url` and `vllm_hold_ollama` would render them (edited in
# place and restored byte for byte: two converges fewer).
SET_OLLAMA = r"""
import json, sys
path = sys.argv[1]
with open(path) as handle:
    settings = json.load(handle)
settings.update(ollama_url=sys.argv[2], hold_ollama=sys.argv[3] == "true")
with open(path, "w") as handle:
    json.dump(settings, handle, indent=4, sort_keys=True)
"""


@pytest.mark.parametrize("hold", [False, True], ids=["no-hold", "hold"])
def test_a_stranger_beside_a_running_ollama_where_the_gate_asks_is_refused(host, hold):
    """Ollama runs and holds its own address (127.0.0.1:11434): no other user can bind that, so a
    stranger can only listen beside it, on the same port at another local address. That matters
    where the gate's URL leads there: Ollama bound to 127.0.0.1 and the URL http://localhost:11434
    on a host where localhost resolves to ::1 first, where any user may listen on 11434. This
    target's loopback has no IPv6 (docker turns it off; an unprivileged container cannot turn it
    on), so another loopback address, 127.0.0.2, stands for ::1. The listener on the port is not in
    ollama.service's cgroup: the start through the unit is refused naming it, and the stranger is
    asked nothing (its model list, a 1 TiB model that never unloads, would decide the eviction)."""
    ollama_up(host)
    assert host.service("ollama").is_running
    saved = host.file(GATE_SETTINGS).sha256sum
    host.check_output("cp -p {0} {0}.stranger && python3 -c {1} {0} http://127.0.0.2:11434 {2}".format(
        GATE_SETTINGS, shlex.quote(SET_OLLAMA), "true" if hold else "false"))
    try:
        unit, log = start_stranger(host, "127.0.0.2", 11434)
        try:
            host.check_output("systemctl stop vllm.service")
            mark = journal_cursor(host)
            host.check_output("systemctl start --no-block vllm.service")
            wait_for("the start through the unit to fail", lambda: start_ended(host), timeout=180, interval=0.1)
            host.check_output("systemctl stop vllm.service")
            lines = "\n".join(journal_since(host, mark))
            received = stranger_requests(host, log)
        finally:
            stop_stranger(host, unit, "127.0.0.2", 11434)
    finally:
        host.check_output("mv {0}.stranger {0}".format(GATE_SETTINGS))
        host.run("systemctl reset-failed vllm.service")
        host.check_output("systemctl start vllm.service")  # through the gate, blocks until vLLM serves
        ollama_up(host)
    assert host.file(GATE_SETTINGS).sha256sum == saved
    # Only the stranger is named: Ollama's own socket (while it runs) is proved by its cgroup. With
    # the hold, Ollama is stopped before the check, so it names the unit stopped.
    state = r"running|stopped" if hold else r"running"
    assert re.search(r"vllm-gate: REFUSED: port 11434 is held by pid (\d+|\?) \(user nobody\): "
                     r"(\S*python3 \S*gx10-stranger\.py 127\.0\.0\.2 11434 [^;]*|process not visible), "
                     r"not by ollama\.service \((%s)\)" % state, lines), lines
    assert "memory gate passed" not in lines and "vllm-gate: vLLM serves" not in lines, lines
    assert serves(host)
    # With the hold too: the list of what Ollama holds (for the journal) goes through the same
    # listener check as the eviction.
    assert received == [], received
    assert "evicted" not in lines, lines
