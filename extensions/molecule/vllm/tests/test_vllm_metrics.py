"""The host's metrics exporter the role installs (openclaw-gx10-metrics.timer, gx10_metrics.py,
docs/metrics.md) on the systemd target: the textfile appears within one interval of a converge,
passes `promtool check metrics` every time it is read, follows Ollama loading a model and vLLM
stopped through its unit, survives a reboot of the target, changes nothing on a second run or in
check mode, and goes away with vllm_metrics_state: absent (then comes back with present). Last,
the collection's alert rules run under `promtool test rules` on series this exporter wrote here.

The file name sorts after test_vllm_gate.py and before test_zz_controller_221.py: it needs the
target as the gate's tests leave it (serving), and leaves it serving, with the exporter installed.
Waits are polls on the textfile's own timestamp (a run that began reading after the event),
never fixed sleeps.
"""

import os
import re
import subprocess
from pathlib import Path

import gx10_prom
from gx10_testinfra import health, ollama_empty, ollama_load, play, serves, wait_for

SCENARIO = Path(__file__).resolve().parents[1]
CONVERGE = SCENARIO / "converge.yml"
TARGET = os.environ.get("GX10_VLLM_INSTANCE", "gx10-vllm")
INTERVAL = 30   # vllm_metrics_interval's default (the scenario does not set it)
# One interval, plus what one run of the exporter may take on a loaded 2-core bench (it asks
# Ollama and vLLM with a 5 s timeout each): a timer that does not fire fails well before this.
WRITE_WITHIN = INTERVAL + 30
TEXTDIR = "/var/lib/prometheus/node-exporter"
TEXTFILE = TEXTDIR + "/openclaw_gx10.prom"
TIMER = "openclaw-gx10-metrics.timer"
INSTALLED = ["/etc/systemd/system/openclaw-gx10-metrics.service", "/etc/systemd/system/" + TIMER,
             "/usr/local/lib/openclaw-gx10/gx10_metrics.py", "/etc/openclaw-gx10/metrics.json", TEXTFILE]
# Snapshots the exporter wrote in this run, for the alert rules at the end.
SNAPSHOTS = {}


def recap(out):
    """The PLAY RECAP's counts of the one host."""
    found = re.findall(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", out)
    assert len(found) == 1, out
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, found[0])))


def read(host):
    """The textfile's text and its samples, checked by `promtool check metrics`; None when absent."""
    result = host.run("cat %s" % TEXTFILE)
    if result.rc != 0:
        return None
    gx10_prom.check_metrics(result.stdout)
    return result.stdout, {k: float(v) for k, v in gx10_prom.samples(result.stdout).items()}


def written_after(host, since, what, predicate=lambda got: True, now_too=False):
    """The first textfile written after ``since`` (openclaw_gx10_report_timestamp_seconds: when
    that run began reading the host, on the target's clock) for which predicate(samples) holds;
    fails after one interval and a run. ``now_too`` also starts a run of the service at once (the
    timer's own runs are proven elsewhere here): a test then waits for the exporter, not the timer."""
    if now_too:
        # a oneshot already running is waited for; the predicate then waits for the next run
        host.check_output("systemctl start openclaw-gx10-metrics.service")

    def fresh():
        snap = read(host)
        if snap and snap[1]["openclaw_gx10_report_timestamp_seconds"] > since and predicate(snap[1]):
            return snap
        return None
    return wait_for("the exporter to write a textfile %s" % what, fresh, timeout=WRITE_WITHIN, interval=1)


def now(host):
    return float(host.check_output("date +%s.%N"))


def wait_serving(host, timeout=180):
    wait_for("vLLM to serve", lambda: health(host) == "200" and serves(host), timeout=timeout, interval=1)


def unit_state(host, name):
    out = host.check_output("systemctl show %s -p LoadState -p ActiveState -p UnitFileState" % name)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_the_scenario_converge_installed_it(host):
    # What test_vllm_gate.py's plays left: back to the scenario's own settings first.
    rc, out = play(CONVERGE)
    assert rc == 0, out
    state = unit_state(host, TIMER)
    assert state == dict(LoadState="loaded", ActiveState="active", UnitFileState="enabled"), state
    for path in INSTALLED:
        assert host.file(path).exists, path
    textdir = host.file(TEXTDIR)
    assert textdir.is_directory and textdir.user == "root" and textdir.mode == 0o755
    # node_exporter reads every *.prom there: no temporary file is left beside the textfile
    assert host.check_output("ls -A %s" % TEXTDIR).split() == ["openclaw_gx10.prom"]
    assert host.file(TEXTFILE).mode == 0o644 and not host.file(TEXTFILE).is_symlink
    # written again by the timer, not only once at its start
    text, got = written_after(host, now(host), "on the timer's next run")
    assert got["openclaw_gx10_report_ok"] == 1 and got["openclaw_gx10_gate_state_ok"] == 1, text
    assert got["openclaw_gx10_vllm_healthy"] == 1 and got["openclaw_gx10_vllm_container_running"] == 1, text


def test_a_second_run_and_check_mode_change_nothing(host):
    for args in ([], ["--check", "--diff"]):
        rc, out = play(CONVERGE, args=args)
        assert rc == 0 and recap(out)["changed"] == 0, out


def test_it_follows_ollama(host):
    ollama_empty(host)
    text, got = written_after(host, now(host), "with Ollama empty", now_too=True)
    assert got["openclaw_gx10_ollama_resident_bytes"] == 0 and got["openclaw_gx10_ollama_models_loaded"] == 0, text
    assert not [k for k in got if k.startswith("openclaw_gx10_ollama_model_bytes")], text
    assert got["openclaw_gx10_vllm_healthy"] == 1, text
    SNAPSHOTS["serving_empty"] = text
    ollama_load(host, ["tiny-a"])
    text, got = written_after(host, now(host), "with tiny-a loaded in Ollama", now_too=True)
    assert got['openclaw_gx10_ollama_model_bytes{model="tiny-a:latest"}'] > 0, text
    assert got["openclaw_gx10_ollama_resident_bytes"] == got['openclaw_gx10_ollama_model_bytes{model="tiny-a:latest"}']
    assert got["openclaw_gx10_ollama_models_loaded"] == 1 and got["openclaw_gx10_vllm_healthy"] == 1, text


def test_it_follows_vllm_stopped_through_its_unit(host):
    # tiny-a stays loaded: vLLM down while Ollama holds memory (an alert below)
    before = read(host)[1]
    host.check_output("systemctl stop vllm.service")
    try:
        text, got = written_after(host, now(host), "with vllm.service stopped", now_too=True)
        assert got["openclaw_gx10_vllm_healthy"] == 0, text
        assert got["openclaw_gx10_ollama_resident_bytes"] > 0, text
        SNAPSHOTS["stopped_ollama_holds"] = text
    finally:
        host.check_output("systemctl start vllm.service")
    wait_serving(host)
    text, got = written_after(host, now(host), "with vLLM serving again", now_too=True)
    assert got["openclaw_gx10_vllm_healthy"] == 1, text
    # the gate counted the start it let through (its counters survive in its state file)
    start = 'openclaw_gx10_gate_events_total{event="start"}'
    assert got[start] > before[start], text
    assert got["openclaw_gx10_gate_last_event_timestamp_seconds"] > before["openclaw_gx10_gate_last_event_timestamp_seconds"]
    ollama_empty(host)


def test_it_survives_a_reboot(host):
    counters = {k: v for k, v in read(host)[1].items() if k.startswith("openclaw_gx10_gate_events_total")}
    subprocess.run(["docker", "restart", "-t", "30", TARGET], check=True, capture_output=True, timeout=120)
    wait_for("vllm.service to be active after the reboot", lambda: host.run(
        "systemctl is-active vllm.service").stdout.strip() == "active", timeout=300, interval=2)
    wait_serving(host)
    # the timer runs again by itself (enabled at boot): a write after the target is back
    text, got = written_after(host, now(host), "after the reboot")
    assert got["openclaw_gx10_vllm_healthy"] == 1, text
    assert unit_state(host, TIMER) == dict(LoadState="loaded", ActiveState="active", UnitFileState="enabled")
    # the gate's counters live on disk: a reboot does not reset them (a counter only grows)
    for key, value in counters.items():
        assert got[key] >= value, (key, text)
    SNAPSHOTS["serving_after_reboot"] = text


def test_absent_removes_it_all_and_present_puts_it_back(host):
    # check mode reports the removal and removes nothing
    rc, out = play(CONVERGE, dict(vllm_metrics_state="absent"), args=["--check"])
    assert rc == 0 and recap(out)["changed"] > 0, out
    for path in INSTALLED:
        assert host.file(path).exists, path
    rc, out = play(CONVERGE, dict(vllm_metrics_state="absent"))
    assert rc == 0, out
    for path in INSTALLED:
        assert not host.file(path).exists, path
    assert unit_state(host, TIMER)["LoadState"] == "not-found"
    # the directory stays: node_exporter (or another exporter) may use it
    assert host.file(TEXTDIR).is_directory
    rc, out = play(CONVERGE, dict(vllm_metrics_state="absent"))
    assert rc == 0 and recap(out)["changed"] == 0, out
    started = now(host)
    rc, out = play(CONVERGE)
    assert rc == 0, out
    text, got = written_after(host, started, "after the exporter was installed again")
    assert got["openclaw_gx10_report_ok"] == 1, text
    assert unit_state(host, TIMER) == dict(LoadState="loaded", ActiveState="active", UnitFileState="enabled")
    wait_serving(host, timeout=30)


def test_the_alert_rules_on_what_the_exporter_wrote(host):
    """promtool test rules on series made of this run's textfiles, one per minute: vLLM serving
    for 3 minutes, then stopped with Ollama holding tiny-a for 15, then serving again."""
    assert sorted(SNAPSHOTS) == ["serving_after_reboot", "serving_empty", "stopped_ollama_holds"]
    snapshots = [SNAPSHOTS["serving_empty"]] * 3 + [SNAPSHOTS["stopped_ollama_holds"]] * 15 \
        + [SNAPSHOTS["serving_after_reboot"]] * 5
    series = gx10_prom.series_from_snapshots(snapshots, instance=TARGET)

    def names(at, alert):
        labels = gx10_prom.alerts_at(series, at, alert)
        assert all(a["instance"] == TARGET and a["job"] == "node" for a in labels), labels
        return len(labels)

    # down since minute 3: not yet 10 minutes at minute 10, paging at minute 14, resolved once serving
    assert names("10m", "GX10VllmNotServing") == 0
    assert names("14m", "GX10VllmNotServing") == 1
    assert names("20m", "GX10VllmNotServing") == 0
    # Ollama holding tiny-a while vLLM is down: for 5 minutes
    assert names("6m", "GX10OllamaHoldsMemoryWhileVllmDown") == 0
    assert names("9m", "GX10OllamaHoldsMemoryWhileVllmDown") == 1
    assert names("20m", "GX10OllamaHoldsMemoryWhileVllmDown") == 0
    # the scenario's utilization fits: no restart alert; no refusal counted in these snapshots
    assert names("14m", "GX10VllmRestartWouldNotFit") == 0
