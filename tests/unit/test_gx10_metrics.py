# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host's metrics exporter (roles/vllm/files/gx10_metrics.py), installed as the role installs
it (beside the gate and vllm_gate_lib.json, built from the role's list of module_utils), run as
its systemd service runs it against the Ollama emulator: the textfile it writes, what it refuses
to write into, and `promtool check metrics` on every file it produced."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.openclaw.gx10.plugins.module_utils import _gate_state, _report
from ansible_collections.openclaw.gx10.plugins.filter import memory_report

REPO = Path(__file__).resolve().parents[2]
FILES = REPO / "roles" / "vllm" / "files"
sys.path.insert(0, str(REPO / "extensions" / "molecule" / "shared"))
import gx10_prom  # noqa: E402  pylint: disable=wrong-import-position

FAKE_DOCKER = """#!/bin/sh
# no vLLM container on this host
echo "Error: No such container: $4" >&2
exit 1
"""


def promtool_check(text):
    """`promtool check metrics` on a textfile (scripts/bootstrap.sh installs promtool)."""
    gx10_prom.check_metrics(text)


@pytest.fixture
def host(tmp_path):
    """The installed layout and a settings file; returns (run(cfg) -> CompletedProcess, cfg)."""
    gate_dir = tmp_path / "gate"
    gate_dir.mkdir()
    names = yaml.safe_load((REPO / "roles" / "vllm" / "vars" / "main.yml").read_text())["_vllm_gate_module_utils"]
    for needed in ("_gate_state.py", "_memory_info.py", "_report.py"):
        assert needed in names, "%s missing from _vllm_gate_module_utils" % needed
    modules = {n[:-3]: (REPO / "plugins" / "module_utils" / n).read_text().split("\n") for n in names}
    (gate_dir / "vllm_gate_lib.json").write_text(json.dumps({"modules": modules}))
    for name in ("vllm_gate.py", "gx10_metrics.py"):
        shutil.copy(FILES / name, gate_dir / name)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "docker").write_text(FAKE_DOCKER)
    (bindir / "docker").chmod(0o755)
    textfile_dir = tmp_path / "textfile"
    textfile_dir.mkdir(mode=0o755)
    cfg = dict(container="vllm", ollama_url="http://127.0.0.1:9", vllm_url="http://127.0.0.1:9",
               gpu_memory_utilization=0.5, margin="1GiB", state_dir=str(tmp_path / "state"),
               run_dir=str(tmp_path / "run"), textfile_dir=str(textfile_dir), request_timeout=2,
               start_timeout=300)
    env = dict(os.environ, PATH="%s:/usr/bin:/bin" % bindir)
    env.pop("PYTHONPATH", None)

    def run(**changes):
        settings = dict(cfg, **changes)
        path = tmp_path / "metrics.json"
        path.write_text(json.dumps(settings))
        return subprocess.run([sys.executable, str(gate_dir / "gx10_metrics.py"), str(path)],
                              capture_output=True, text=True, env=env, check=False, timeout=60)
    return run, cfg


def samples(text):
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            found[key] = float(value)
    return found


def textfile(cfg):
    return (Path(cfg["textfile_dir"]) / "openclaw_gx10.prom").read_text()


def test_one_rendering_for_the_report_and_the_exporter():
    assert memory_report.memory_report_metrics is _report.memory_report_metrics


def test_writes_the_figures_and_the_gate_state(host, ollama_emulator):
    run, cfg = host
    ollama_emulator.load("tiny-a", "embed")
    _gate_state.record_event(cfg["state_dir"], "vllm", "refusal", 'REFUSED: short by "3 GiB"', now=1767268800)
    proc = run(ollama_url=ollama_emulator.url)
    assert proc.returncode == 0, proc.stderr
    text = textfile(cfg)
    promtool_check(text)
    got = samples(text)
    with open("/proc/meminfo") as handle:
        total = int(handle.readline().split()[1]) * 1024
    assert got["openclaw_gx10_report_ok"] == 1 and got["openclaw_gx10_mem_total_bytes"] == total
    assert {"openclaw_gx10_mem_available_bytes", "openclaw_gx10_mem_free_bytes"} <= set(got)
    models = {k: v for k, v in got.items() if k.startswith("openclaw_gx10_ollama_model_bytes")}
    assert set(models) == {'openclaw_gx10_ollama_model_bytes{model="tiny-a:latest"}',
                           'openclaw_gx10_ollama_model_bytes{model="embed:latest"}'}
    assert got["openclaw_gx10_ollama_resident_bytes"] == sum(models.values()) > 0
    assert got["openclaw_gx10_vllm_healthy"] == 0 and got["openclaw_gx10_vllm_container_running"] == 0
    assert "openclaw_gx10_vllm_restart_fits" in got
    for event in _gate_state.EVENTS:
        assert got['openclaw_gx10_gate_events_total{event="%s"}' % event] == (1 if event == "refusal" else 0)
    assert got["openclaw_gx10_gate_last_event_timestamp_seconds"] == 1767268800
    assert 'openclaw_gx10_gate_last_event_info{detail="REFUSED: short by \\"3 GiB\\"",event="refusal"}' in got
    assert got["openclaw_gx10_ollama_held"] == 0 and got["openclaw_gx10_vllm_start_timeout_seconds"] == 300
    assert got["openclaw_gx10_gate_state_ok"] == 1
    # only the textfile is left in the directory (node_exporter reads every *.prom there)
    assert os.listdir(cfg["textfile_dir"]) == ["openclaw_gx10.prom"]
    assert os.stat(os.path.join(cfg["textfile_dir"], "openclaw_gx10.prom")).st_mode & 0o777 == 0o644


def test_the_file_follows_ollama_and_the_gate(host, ollama_emulator):
    run, cfg = host
    assert run(ollama_url=ollama_emulator.url).returncode == 0
    before = samples(textfile(cfg))
    assert before["openclaw_gx10_ollama_resident_bytes"] == 0
    ollama_emulator.load("tiny-b")
    os.makedirs(cfg["run_dir"])
    Path(cfg["run_dir"], "vllm.ollama-held").write_text("1767268000\n")
    _gate_state.record_event(cfg["state_dir"], "vllm", "hold", "held", now=1767268000)
    assert run(ollama_url=ollama_emulator.url).returncode == 0
    after = samples(textfile(cfg))
    promtool_check(textfile(cfg))
    assert after["openclaw_gx10_ollama_resident_bytes"] > 0
    assert after['openclaw_gx10_gate_events_total{event="hold"}'] == 1
    assert after["openclaw_gx10_ollama_held"] == 1
    assert after["openclaw_gx10_ollama_held_since_timestamp_seconds"] == 1767268000


def test_nothing_answers_and_a_corrupt_state_still_write_a_file(host):
    run, cfg = host
    os.makedirs(cfg["state_dir"])
    Path(cfg["state_dir"], "vllm.gate-events.json").write_text("{half a fi")
    proc = run()
    assert proc.returncode == 0, proc.stderr
    assert "not a gate state file" in proc.stderr
    text = textfile(cfg)
    promtool_check(text)
    got = samples(text)
    assert got["openclaw_gx10_gate_state_ok"] == 0 and got["openclaw_gx10_ollama_up"] == 0
    assert got["openclaw_gx10_ollama_resident_bytes"] == 0
    assert 'openclaw_gx10_gate_events_total{event="start"}' in got


def test_an_unreadable_memory_setting_says_report_ok_0(host):
    run, cfg = host
    proc = run(gpu_memory_utilization="lots")
    assert proc.returncode == 0 and "cannot read the figures" in proc.stderr
    got = samples(textfile(cfg))
    promtool_check(textfile(cfg))
    assert got["openclaw_gx10_report_ok"] == 0 and "openclaw_gx10_mem_total_bytes" not in got
    assert 'openclaw_gx10_gate_events_total{event="rollback"}' in got


@pytest.mark.parametrize("mode", [0o775, 0o757, 0o1777])
def test_refuses_a_directory_others_can_write(host, mode):
    run, cfg = host
    os.chmod(cfg["textfile_dir"], mode)
    proc = run()
    assert proc.returncode == 1 and "NOT written" in proc.stderr and "writable by group or others" in proc.stderr
    assert os.listdir(cfg["textfile_dir"]) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_refuses_a_directory_another_user_owns(host):
    run, cfg = host
    os.chown(cfg["textfile_dir"], 65534, 65534)
    proc = run()
    assert proc.returncode == 1 and "belongs to uid 65534" in proc.stderr


def test_refuses_a_symlinked_directory(host, tmp_path):
    run, cfg = host
    link = tmp_path / "link"
    link.symlink_to(cfg["textfile_dir"])
    proc = run(textfile_dir=str(link))
    assert proc.returncode == 1 and "a symlink is not followed" in proc.stderr
    assert os.listdir(cfg["textfile_dir"]) == []


def test_symlinks_in_the_directory_are_replaced_not_followed(host, tmp_path):
    run, cfg = host
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    target = Path(cfg["textfile_dir"], "openclaw_gx10.prom")
    target.symlink_to(victim)
    assert run().returncode == 0
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and "openclaw_gx10_report_ok" in target.read_text()


def test_a_leftover_temporary_symlink_is_not_followed(tmp_path):
    sys.path.insert(0, str(FILES))
    try:
        import gx10_metrics  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.remove(str(FILES))
    folder = tmp_path / "d"
    folder.mkdir(mode=0o755)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (folder / (".openclaw_gx10.prom.%d.tmp" % os.getpid())).symlink_to(victim)
    gx10_metrics.write_textfile(str(folder), "x 1\n")
    assert victim.read_text() == "keep me"
    assert sorted(os.listdir(str(folder))) == ["openclaw_gx10.prom"]
    with pytest.raises(gx10_metrics.UnsafeDirectory, match="not an absolute path"):
        gx10_metrics.write_textfile("relative/dir", "x 1\n")
    with pytest.raises(gx10_metrics.UnsafeDirectory, match="'..' in the path"):
        gx10_metrics.write_textfile(str(folder) + "/../d", "x 1\n")
