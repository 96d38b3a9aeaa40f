"""Verify the vllm role in a systemd target with docker inside, the vLLM stand-in image and
the REAL Ollama server (ollama.service). Tests run in file order and share one target."""

import json
import math
import os
import re
import secrets
import subprocess
import time
from pathlib import Path


SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[2]
CONVERGE = SCENARIO / "converge.yml"
RESTART = REPO / "playbooks" / "vllm_restart.yml"
GIB = 1 << 30
MIB = 1 << 20
HOLD = 256 * MIB     # VLLM_STANDIN_HOLD_BYTES in molecule.yml
MARGIN = 256 * MIB   # vllm_restart_margin in molecule.yml
OLLAMA = "http://127.0.0.1:11434"
MESSAGE_RE = (r"ValueError: Free memory on device cuda:0 \((\d+(?:\.\d+)?)/(\d+(?:\.\d+)?) GiB\) "
              r"on startup is less than desired GPU memory utilization \({util}, (\d+(?:\.\d+)?) GiB\)\. "
              r"Decrease GPU memory utilization or reduce GPU memory used by other processes\.")


def inventory():
    eph = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    assert eph, "run through molecule (MOLECULE_EPHEMERAL_DIRECTORY unset)"
    return str(Path(eph) / "inventory")


def play(playbook, extra=None, args=(), tmp_path=None):
    """ansible-playbook against the target; returns (rc, combined output)."""
    cmd = ["ansible-playbook", "-i", inventory(), str(playbook)] + list(args)
    if extra:
        path = Path(tmp_path or "/tmp") / ("extra-%s.json" % secrets.token_hex(4))
        path.write_text(json.dumps(extra))
        cmd += ["-e", "@%s" % path]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", NO_COLOR="1")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".cache" / "collections"))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def inspect(host, name="vllm"):
    out = host.check_output("docker inspect %s" % name)
    return json.loads(out)[0]


def meminfo(host):
    values = {}
    for line in host.file("/proc/meminfo").content_string.splitlines():
        key, _sep, rest = line.partition(":")
        values[key] = int(rest.split()[0]) * 1024
    return values


def health(host):
    return host.run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/health").stdout.strip()


def wait_for(what, predicate, timeout=60.0, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def ollama(host, method, path, body=None):
    cmd = "curl -s -X %s %s%s" % (method, OLLAMA, path)
    if body is not None:
        cmd += " -d '%s'" % json.dumps(body)
    return json.loads(host.check_output(cmd))


def ollama_names(host):
    return sorted(m["name"] for m in ollama(host, "GET", "/api/ps")["models"])


def ollama_load(host, models):
    for model in models:
        ollama(host, "POST", "/api/generate", {"model": model, "keep_alive": "2h"})
    wait_for("Ollama to list %s" % models,
             lambda: set(m + ":latest" for m in models) <= set(ollama_names(host)))


def ollama_empty(host):
    for name in ollama_names(host):
        ollama(host, "POST", "/api/generate", {"model": name, "keep_alive": 0})
    wait_for("Ollama's /api/ps to be empty", lambda: ollama_names(host) == [])


# ---------------------------------------------------------------- converge result

def test_container_settings(host):
    data = inspect(host)
    assert data["Config"]["Image"] == "openclaw/vllm-standin:test"
    # the model is vllm serve's first, positional argument
    assert data["Args"] == ["serve", "org/standin-model", "--served-model-name", "standin",
                            "--gpu-memory-utilization", "0.05", "--kv-cache-dtype", "fp8",
                            "--max-model-len", "4096", "--host", "0.0.0.0", "--port", "8000"]
    assert data["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
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
    assert out.count("restart.yml for gx10-vllm") == 1, out
    assert out.count("TASK [openclaw.gx10.vllm : Stop the running vLLM container]") == 1, out
    assert out.count("TASK [openclaw.gx10.vllm : Evict Ollama's models and wait for room") == 1, out
    assert "differs in:" in out
    after = inspect(host)
    assert after["Id"] != before["Id"]
    assert "8192" in after["Args"]
    assert health(host) == "200"
    # the same setting again: nothing changes, nothing restarts
    rc, out = play(CONVERGE, {"vllm_max_model_len": 8192}, tmp_path=tmp_path)
    assert rc == 0, out
    assert re.search(r"gx10-vllm\s+: ok=\d+\s+changed=0 ", out), out
    assert "restart.yml" not in out
    assert inspect(host)["State"]["StartedAt"] == after["State"]["StartedAt"]


def test_refusal_leaves_running_container_alone(host, tmp_path):
    rc, out = play(CONVERGE, tmp_path=tmp_path)  # back to the scenario's settings
    assert rc == 0, out
    before = inspect(host)
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


def test_startup_failure_reports_last_log_lines(host, tmp_path):
    rc, out = play(CONVERGE, {"vllm_extra_args": ["--no-such-flag"], "vllm_health_timeout": 8},
                   tmp_path=tmp_path)
    assert rc != 0, out
    assert "The gated restart of vLLM failed" in out, out
    assert "failed its start-up: exit code 2" in out, out
    assert "unrecognized arguments: --no-such-flag" in out, out
    # stopped, not left in docker's restart loop
    assert inspect(host)["State"]["Status"] == "exited"
    assert host.service("ollama").is_running
    rc, out = play(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out
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
    rc, out = play(CONVERGE, tmp_path=tmp_path)  # back to no secrets
    assert rc == 0, out


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

    # 1. Ollama squats; `docker restart` is what operators did: vLLM's start-up check fails.
    ollama_load(host, big)
    restarted_at = host.check_output("date -u +%Y-%m-%dT%H:%M:%S")
    restarts_before = inspect(host)["RestartCount"]
    host.check_output("docker restart vllm")
    pattern = re.compile(MESSAGE_RE.format(util=re.escape(str(util))))

    def failed_logs():
        logs = host.run("docker logs --since %s vllm 2>&1" % restarted_at).stdout
        return logs if pattern.search(logs) else None

    logs = wait_for("the stand-in's start-up check to fail", failed_logs)
    match = pattern.search(logs)
    free, total_gib, req_gib = (float(x) for x in match.groups())
    assert free < req_gib
    assert abs(total_gib - round(total / GIB, 2)) < 0.011
    assert health(host) != "200"
    # exit code 1, and docker's restart policy keeps restarting it (and it keeps failing)
    wait_for("docker to restart the failed stand-in",
             lambda: inspect(host)["RestartCount"] > restarts_before)
    assert health(host) != "200"
    assert ollama_names(host) == ["big:latest", "mid:latest"]

    # 2. The gated restart: evict, gate, start, healthy.
    rc, out = play(RESTART, settings, tmp_path=tmp_path)
    assert rc == 0, out
    assert "vllm is healthy" in out.replace("vLLM vllm is healthy", "vllm is healthy"), out
    assert ollama_names(host) == []
    assert health(host) == "200"
    data = inspect(host)
    assert data["State"]["Running"] and data["State"]["ExitCode"] == 0
    assert "--gpu-memory-utilization" in data["Args"] and str(util) in data["Args"]
    assert "Memory check passed" in host.run("docker logs --tail 20 vllm 2>&1").stdout


def test_hold_ollama_starts_it_again(host, tmp_path):
    ollama_load(host, ["tiny-a"])
    rc, out = play(RESTART, {"vllm_hold_ollama": True}, tmp_path=tmp_path)
    assert rc == 0, out
    assert "Stop Ollama while vLLM loads" in out and "Start Ollama again" in out
    assert re.search(r"TASK \[openclaw.gx10.vllm : Start Ollama again[^\n]*\n(changed|ok)", out) or \
        "changed: [gx10-vllm]" in out.split("Start Ollama again", 1)[1][:300], out
    assert host.service("ollama").is_running
    wait_for("Ollama to answer again", lambda: host.run("curl -sf %s/api/version" % OLLAMA).rc == 0)
    assert health(host) == "200"
