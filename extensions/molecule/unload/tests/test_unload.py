"""Verify, on the target, that the emulator unit runs again after the fallback restart and holds nothing."""
import json


def test_unit_running_again(host):
    service = host.service('ollama-emu.service')
    assert service.is_running
    assert service.is_enabled


def test_nothing_resident(host):
    out = host.check_output(
        "python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:11434/api/ps\").read().decode())'")
    assert json.loads(out) == {'models': []}


def test_restart_logged_by_systemd(host):
    # one start from prepare, one from the module's `systemctl restart`
    journal = host.check_output('journalctl -u ollama-emu.service --no-pager')
    assert journal.count('Started ollama-emu.service') + journal.count('Started Ollama API emulator') >= 2, journal
