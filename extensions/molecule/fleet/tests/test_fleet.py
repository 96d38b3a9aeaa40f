"""Verify the fleet rollout on three GX10-like hosts (systemd targets with docker inside, the vLLM
stand-in, the REAL Ollama as ollama.service). Tests run in file order and share the fleet:
healthy everywhere, the memory report against the hosts' own figures, then a staged rollout that
a host with a hung Ollama stops, then the fleet converges back."""

import json
import re
from pathlib import Path

import testinfra
from gx10_testinfra import OLLAMA, health, inspect, inventory, meminfo, play, wait_for
from gx10_testinfra import ollama as shared_ollama

SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[2]
SITE = REPO / "playbooks" / "site.yml"
REPORT = REPO / "playbooks" / "memory_report.yml"
HOSTS = ["gx10-fleet-1", "gx10-fleet-2", "gx10-fleet-3"]
MIB = 1 << 20
# MemAvailable and MemFree move with everything else on this machine: a module's reading must
# lie between the test's readings just before and just after it, give or take this much.
NOISE = 128 * MIB


def fleet_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, inventory()))


def ollama(host, method, path, body=None):
    return shared_ollama(host, method, path, body, fail=True)


def ollama_ps(host):
    return sorted(((m["name"], m["size"], m["expires_at"]) for m in ollama(host, "GET", "/api/ps")["models"]))


def max_model_len(data):
    args = data["Args"]
    return args[args.index("--max-model-len") + 1]


# ---------------------------------------------------------------- the rollout

def test_vllm_healthy_everywhere(host):
    data = inspect(host)
    assert data["Config"]["Image"] == "openclaw/vllm-standin:test"
    assert data["State"]["Running"]
    assert max_model_len(data) == "4096"
    assert health(host) == "200"
    dropin = host.file("/etc/systemd/system/ollama.service.d")
    assert dropin.is_directory
    environ = host.check_output("systemctl show -p Environment --value ollama")
    assert "OLLAMA_KEEP_ALIVE=0" in environ


def test_memory_report_agrees_with_the_hosts():
    """memory_info (what memory_report.yml runs) against /proc/meminfo and /api/ps read on each
    host around it; then the report's table names every host and what its Ollama holds."""
    hosts = {name: fleet_host(name) for name in HOSTS}
    # Something resident in each Ollama (the role made keep-alive 0: ask for 1h explicitly).
    for host in hosts.values():
        ollama(host, "POST", "/api/generate", {"model": "tiny-a", "keep_alive": "1h"})
    for name, host in hosts.items():
        wait_for("tiny-a resident on %s" % name, lambda: ollama_ps(host))
    try:
        for name, host in hosts.items():
            before, ps_before = meminfo(host), ollama_ps(host)
            result = host.ansible(
                "openclaw.gx10.memory_info",
                "ollama_url=%s vllm_url=http://127.0.0.1:8000 vllm_container_name=vllm "
                "gpu_memory_utilization=0.05 margin=256MiB" % OLLAMA,
                check=False)
            after, ps_after = meminfo(host), ollama_ps(host)
            assert result.get("failed") is not True, result
            mem = result["memory"]
            assert mem["total"] == before["MemTotal"] == after["MemTotal"], name
            for key, field in (("available", "MemAvailable"), ("free", "MemFree")):
                low = min(before[field], after[field]) - NOISE
                high = max(before[field], after[field]) + NOISE
                assert low <= mem[key] <= high, (name, key, mem[key], before[field], after[field])
            assert ps_before == ps_after, name
            seen = sorted((m["name"], m["size"], m["expires_at"]) for m in result["ollama"]["models"])
            assert [(n, s) for n, s, _e in seen] == [(n, s) for n, s, _e in ps_after], name
            # The same instant, possibly written differently (fractional seconds, offset).
            assert [e[:19] for _n, _s, e in seen] == [e[:19] for _n, _s, e in ps_after], name
            assert result["ollama"]["resident_bytes"] == sum(s for _n, s, _e in ps_after)
            assert result["vllm"]["healthy"] is True and result["vllm"]["health"] == "200", name
            container = inspect(host)
            assert result["vllm"]["container"]["started_at"] == container["State"]["StartedAt"], name
            assert result["vllm"]["models"] == ["standin"], name

        rc, out = play(REPORT, json_output=True)
        assert rc == 0, out
        data = json.loads(out[out.index("{"):])
        table = None
        for task in data["plays"][0]["tasks"]:
            if task["task"]["name"] == "Print the fleet memory table":
                table = next(iter(task["hosts"].values()))["msg"]
        assert table, out
        rows = {line.split()[0]: line for line in table if line.split() and line.split()[0] in HOSTS}
        assert sorted(rows) == HOSTS, table
        for name in HOSTS:
            assert "tiny-a" in rows[name], table
    finally:
        for host in hosts.values():
            ollama(host, "POST", "/api/generate", {"model": "tiny-a", "keep_alive": 0})
        for name, host in hosts.items():
            wait_for("Ollama on %s to be empty" % name, lambda: not ollama_ps(host))


def test_hung_ollama_stops_the_rollout_at_its_host():
    """Host 2's Ollama hangs (every process of ollama.service SIGSTOPped: connections are accepted,
    nothing answers). A setting change needs a gated restart on every host; with batches [1, 1, 1]
    and max_fail_percentage 0, host 1 restarts, host 2's gate refuses, host 3 is never touched."""
    hosts = {name: fleet_host(name) for name in HOSTS}
    before = {name: inspect(host) for name, host in hosts.items()}
    broken = hosts["gx10-fleet-2"]
    broken.check_output("systemctl kill --signal=SIGSTOP ollama")
    try:
        rc, out = play(SITE, extra={"gx10_serial": [1, 1, 1], "gx10_max_fail_percentage": 0,
                                    "vllm_max_model_len": 2048})
    finally:
        broken.check_output("systemctl kill --signal=SIGCONT ollama")
    assert rc != 0, out
    # The summary names the broken host, the failed task and the gate's reason, and the hosts
    # the rollout never reached.
    summary = re.search(r"Rollout: 1 host\(s\) failed in this batch:.*?Not touched \(later batches\): [^\"'\n]*",
                        out, re.S)
    assert summary, out
    text = summary.group(0)
    assert "gx10-fleet-2 -- " in text, text
    assert "did not answer GET /api/ps properly" in text, text
    assert "Not touched (later batches): gx10-fleet-3" in text, text
    assert "gx10-fleet-1 --" not in text

    after = {name: inspect(host) for name, host in hosts.items()}
    # Host 1 (the first batch) got the change and serves.
    assert max_model_len(after["gx10-fleet-1"]) == "2048"
    assert after["gx10-fleet-1"]["State"]["StartedAt"] != before["gx10-fleet-1"]["State"]["StartedAt"]
    assert health(hosts["gx10-fleet-1"]) == "200"
    # Host 2: the gate left the running container alone; host 3: never reached.
    for name in ("gx10-fleet-2", "gx10-fleet-3"):
        assert max_model_len(after[name]) == "4096", name
        assert after[name]["State"]["StartedAt"] == before[name]["State"]["StartedAt"], name
        assert after[name]["State"]["Running"], name
        assert health(hosts[name]) == "200", name
    # No task ran on host 3.
    assert not re.search(r"^(ok|changed|fatal|failed|skipping): \[gx10-fleet-3\]", out, re.M), out


def test_fleet_converges_back():
    """Ollama answers again on host 2; the rollout with the fleet's own settings brings host 1
    back and leaves the others alone."""
    hosts = {name: fleet_host(name) for name in HOSTS}
    wait_for("Ollama on gx10-fleet-2 to answer", lambda: hosts["gx10-fleet-2"].run(
        "curl -sf -m 5 %s/api/version" % OLLAMA).rc == 0, timeout=30)
    rc, out = play(SITE)
    assert rc == 0, out
    for name, host in hosts.items():
        assert max_model_len(inspect(host)) == "4096", name
        assert health(host) == "200", name
    assert "Rollout finished: 3 host(s) configured and serving" in out, out
