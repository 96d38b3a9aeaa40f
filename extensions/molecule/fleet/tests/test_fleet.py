"""Verify the fleet rollout on three GX10-like hosts (systemd targets with docker inside, the vLLM
stand-in, the REAL Ollama as ollama.service). Tests run in file order and share the fleet:
healthy everywhere, the memory report against the hosts' own figures, then a staged rollout that
a host with a hung Ollama stops, then the fleet converges back."""

import json
import os
import re
import secrets
import subprocess
from pathlib import Path

import testinfra
from gx10_testinfra import HEALTH_SAMPLER, OLLAMA, health, inspect, inventory, meminfo, play, wait_for
from gx10_testinfra import ollama as shared_ollama

SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[2]
SITE = REPO / "playbooks" / "site.yml"
REPORT = REPO / "playbooks" / "memory_report.yml"
RESTART = REPO / "playbooks" / "vllm_restart.yml"
HOSTS = ["gx10-fleet-1", "gx10-fleet-2", "gx10-fleet-3"]
MIB = 1 << 20
REAL_OLLAMA = "0.5.4"  # the bundle's server says e.g. 0.5.4-ipexllm-20250407
# MemAvailable and MemFree move with everything else on this machine (another lane of the test
# runner, page cache written by an image build): a module's reading must lie between the test's
# readings just before and just after it, give or take this much. MemFree moves most (the page
# cache comes and goes with every file written), so its window is the wider one. Still far
# narrower than what a wrong reading would be off by (MemTotal, another field, a GiB unit error).
NOISE = {"available": 512 * MIB, "free": 1024 * MIB}


def fleet_host(name):
    # Ansible connects as the sudo user (molecule.yml): the test's own commands go through sudo.
    return testinfra.get_host("ansible://%s?ansible_inventory=%s&sudo=true" % (name, inventory()))


def play_adhoc(pattern, module, args):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", NO_COLOR="1")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".cache" / "collections"))
    proc = subprocess.run(["ansible", pattern, "-i", inventory(), "-m", module, "-a", args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr


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
                check=False, become=True)
            after, ps_after = meminfo(host), ollama_ps(host)
            assert result.get("failed") is not True, result
            mem = result["memory"]
            assert mem["total"] == before["MemTotal"] == after["MemTotal"], name
            for key, field in (("available", "MemAvailable"), ("free", "MemFree")):
                low = min(before[field], after[field]) - NOISE[key]
                high = max(before[field], after[field]) + NOISE[key]
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
        memory_table = table[:table.index("")]
        rows = {line.split()[0]: line for line in memory_table if line.split() and line.split()[0] in HOSTS}
        assert sorted(rows) == HOSTS, table
        for name in HOSTS:
            assert "tiny-a" in rows[name], table
        # The versions table: the same real Ollama and kernel everywhere; each host built its own
        # stand-in image, so the image column drifts exactly when the image IDs differ.
        versions = table[table.index("") + 1:]
        image_ids = {inspect(host)["Image"] for host in hosts.values()}
        marked = re.findall(r"(\S+) !", versions[0])
        assert versions[0].split()[:2] == ["HOST", "Ollama"], table
        assert marked == (["image"] if len(image_ids) > 1 else []), table
        for name in HOSTS:
            row = next(line for line in versions if line.startswith(name + " "))
            assert REAL_OLLAMA in row and "openclaw/vllm-standin:test (id sha256:" in row, table
            assert os.uname().release in row, table
        if len(image_ids) == 1:
            assert "Versions: the same on every host that answered." in versions, table
    finally:
        for host in hosts.values():
            ollama(host, "POST", "/api/generate", {"model": "tiny-a", "keep_alive": 0})
        for name, host in hosts.items():
            wait_for("Ollama on %s to be empty" % name, lambda: not ollama_ps(host))


def test_site_through_ansible_runner(tmp_path):
    """What AWX and Automation Platform run a job template with: ansible-runner runs site.yml on
    the converged fleet (as the sudo user, become from the playbook); every host is reached,
    none fails, nothing changes, and each batch checked that every host serves."""
    import ansible_runner  # tests/requirements.txt

    env = {"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.environ.get("ANSIBLE_COLLECTIONS_PATH")
                   or str(REPO / ".cache" / "collections"))
    run = ansible_runner.run(private_data_dir=str(tmp_path), playbook=str(SITE), inventory=inventory(),
                             envvars=env, quiet=True, timeout=600)
    output = run.stdout.read()
    assert run.status == "successful" and run.rc == 0, output
    stats = run.stats
    assert sorted(stats["ok"]) == HOSTS, stats
    assert not stats["failures"] and not stats["dark"], stats
    assert not stats["changed"], stats
    healthy = sorted(e["event_data"]["host"] for e in run.events
                     if e["event"] == "runner_on_ok" and e["event_data"].get("task") == "Check vLLM serves (/health and one completion)")
    assert healthy == HOSTS, output


def test_ansible_connects_as_a_sudo_user_and_needs_become():
    """The fleet is reached as gx10ops (uid != 0, docker exec -u); without become a restart fails
    on what only root may touch (the docker socket, /etc) and leaves vLLM alone."""
    rc, out = play_adhoc("gx10-fleet-1", "ansible.builtin.command", "id -un")
    assert rc == 0 and "gx10ops" in out, out
    host = fleet_host("gx10-fleet-1")
    before = inspect(host)
    rc, out = play(RESTART, extra={"gx10_become": False}, args=["-l", "gx10-fleet-1"])
    assert rc != 0, out
    assert re.search(r"permission denied|access denied|authentication is required|must be root", out, re.I), out
    assert "Restart: 1 host(s) failed in this batch:" in out, out
    after = inspect(host)
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"]
    assert health(host) == "200"


def test_report_writes_json_and_node_exporter_metrics():
    """gx10_report_json on the controller, gx10_report_textfile_dir on each host: the same figures
    as the hosts report, in a file node_exporter reads, with no temporary file left beside it."""
    hosts = {name: fleet_host(name) for name in HOSTS}
    textdir = "/var/lib/node_exporter/textfile"
    for host in hosts.values():
        host.check_output("mkdir -p %s" % textdir)
    out_json = Path("/tmp") / ("fleet-report-%s.json" % secrets.token_hex(4))
    try:
        rc, out = play(REPORT, extra={"gx10_report_json": str(out_json), "gx10_report_textfile_dir": textdir})
        assert rc == 0, out
        data = json.loads(out_json.read_text())
    finally:
        out_json.unlink(missing_ok=True)
    image_ids = {inspect(host)["Image"] for host in hosts.values()}
    assert [h["host"] for h in data["hosts"]] == HOSTS and data["failed"] == []
    assert data["drift"] == (["vllm_image"] if len(image_ids) > 1 else []), data["drift"]
    for entry in data["hosts"]:
        host = hosts[entry["host"]]
        assert entry["ok"] and entry["vllm_healthy"] is True and entry["restart_fits"] is True, entry
        assert entry["mem_total"] == meminfo(host)["MemTotal"]
        assert entry["vllm_image"] == "openclaw/vllm-standin:test"
        assert entry["vllm_image_id"] == inspect(host)["Image"]
        assert entry["ollama_version"].startswith(REAL_OLLAMA) and entry["kernel"] == os.uname().release
        assert host.check_output("ls -A %s" % textdir).split() == ["openclaw_gx10.prom"]
        samples = {}
        for line in host.file(textdir + "/openclaw_gx10.prom").content_string.splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                samples[key.split("{")[0]] = float(value)
        assert samples["openclaw_gx10_report_ok"] == 1
        assert samples["openclaw_gx10_mem_total_bytes"] == entry["mem_total"]
        assert samples["openclaw_gx10_vllm_healthy"] == 1 and samples["openclaw_gx10_vllm_restart_fits"] == 1
        assert samples["openclaw_gx10_ollama_resident_bytes"] == entry["ollama_resident_bytes"]
        assert "openclaw_gx10_versions_info" in samples


def down_intervals(samples):
    """[(first sample not 200, first 200 after it)] from (time, code) samples; an interval still
    open at the end runs to the last sample."""
    intervals, start = [], None
    for when, code in samples:
        if code != "200" and start is None:
            start = when
        elif code == "200" and start is not None:
            intervals.append((start, when))
            start = None
    if start is not None:
        intervals.append((start, samples[-1][0]))
    return intervals


def restart_down_intervals(extra):
    """Run vllm_restart.yml on the fleet while every host samples its own /health (a loop inside
    each host, outside the playbook); returns (rc, output, {host: down intervals})."""
    stop = "/run/fleet-health-sampler.stop"
    samplers = {}
    for name in HOSTS:
        subprocess.run(["docker", "exec", name, "rm", "-f", stop], check=True)
        samplers[name] = subprocess.Popen(["docker", "exec", name, "sh", "-c", HEALTH_SAMPLER, "sampler", stop],
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        rc, out = play(RESTART, extra=extra)
    finally:
        for name in HOSTS:
            subprocess.run(["docker", "exec", name, "touch", stop], check=False)
    intervals = {}
    for name, proc in samplers.items():
        text, _err = proc.communicate(timeout=30)
        samples = [(float(t), c) for t, c in (line.split() for line in text.splitlines() if len(line.split()) == 2)]
        assert samples and samples[0][1] == "200", (name, samples[:5])
        intervals[name] = down_intervals(samples)
    return rc, out, intervals


def overlaps(intervals):
    pairs = []
    names = sorted(intervals)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for a0, a1 in intervals[a]:
                for b0, b1 in intervals[b]:
                    if a0 < b1 and b0 < a1:
                        pairs.append((a, b, round(max(a0, b0), 2), round(min(a1, b1), 2)))
    return pairs


def test_rolling_restart_never_has_two_hosts_down():
    """vllm_restart.yml on the whole fleet with the defaults (one host per batch): each host's vLLM
    goes down and comes back, and no two hosts are down at the same time (sampled on the hosts)."""
    before = {name: inspect(fleet_host(name)) for name in HOSTS}
    rc, out, intervals = restart_down_intervals(None)
    assert rc == 0, out
    assert "Restart finished: 3 host(s) restarted and serving (%s)" % ", ".join(HOSTS) in " ".join(out.split()), out
    for name in HOSTS:
        assert intervals[name], (name, "was never seen down: no restart?", intervals)
        assert inspect(fleet_host(name))["State"]["StartedAt"] != before[name]["State"]["StartedAt"], name
    assert not overlaps(intervals), intervals
    # One at a time and in inventory order.
    firsts = sorted((intervals[name][0][0], name) for name in HOSTS)
    assert [name for _t, name in firsts] == HOSTS, intervals


def test_restart_all_at_once_is_seen_as_overlapping():
    """The control for the test above: one batch of every host (gx10_restart_serial: 100%) does
    show hosts down together, so the sampling can see an overlap."""
    rc, out, intervals = restart_down_intervals({"gx10_restart_serial": "100%"})
    assert rc == 0, out
    assert overlaps(intervals), intervals


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
        after = {name: inspect(host) for name, host in hosts.items()}
        # The rolling restart stops the same way (its own batches: one host each by default).
        rc_restart, out_restart = play(RESTART)
        restarted = {name: inspect(host) for name, host in hosts.items()}
    finally:
        broken.check_output("systemctl kill --signal=SIGCONT ollama")
    assert rc_restart != 0, out_restart
    text = " ".join(out_restart.split())
    assert re.search(r"Restart: 1 host\(s\) failed in this batch:\W*gx10-fleet-2 -- ", text), out_restart
    assert "Not touched (later batches): gx10-fleet-3" in text, out_restart
    assert not re.search(r"^(ok|changed|fatal|failed|skipping): \[gx10-fleet-3\]", out_restart, re.M), out_restart
    assert restarted["gx10-fleet-3"]["State"]["StartedAt"] == before["gx10-fleet-3"]["State"]["StartedAt"]
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
