"""_memgate.MemoryGate: the memory half of the eviction (ollama_unload's gate, and the host gate's
start when Ollama is held), with scripted /proc/meminfo readings."""

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils import _memgate
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import required_bytes

GIB = 1 << 30


def reading(available, total=128 * GIB):
    return dict(total=total, available=available, free=available)


def test_the_requirement_is_the_one_arithmetic():
    gate = _memgate.MemoryGate(fraction=0.8, margin="3GiB")
    assert gate.require(reading(100 * GIB)) == required_bytes(128 * GIB, fraction=0.8, margin=3 * GIB)
    assert _memgate.MemoryGate(available="40GiB", margin=0).require(reading(1)) == 40 * GIB
    assert _memgate.MemoryGate().require(reading(1)) is None


@pytest.mark.parametrize("kwargs, words", [
    (dict(fraction=0.5, available="1GiB"), "mutually exclusive: require_available|require_fraction"),
    (dict(fraction=1.5), "require_fraction"),
    (dict(fraction="90%"), "require_fraction"),
    (dict(fraction=0.5, margin="3 parsecs"), "margin"),
    (dict(available="-1GiB"), "require_available"),
])
def test_bad_options_name_the_option(kwargs, words):
    with pytest.raises(_memgate.BadOption) as err:
        _memgate.MemoryGate(**kwargs)
    assert words in str(err.value)


def test_a_requirement_above_memtotal_can_never_be_met():
    with pytest.raises(_memgate.BadOption) as err:
        _memgate.MemoryGate(fraction=0.99, margin="4GiB").require(reading(1, total=100 * GIB))
    assert str(err.value).endswith("is more than MemTotal 100.00 GiB (%d bytes): it can never be met" % (100 * GIB))


def test_wait_polls_until_memavailable_covers_it():
    readings = iter([reading(10 * GIB), reading(20 * GIB), reading(50 * GIB), reading(60 * GIB)])
    seen = []
    gate = _memgate.MemoryGate(available="45GiB", margin=0, sleep=lambda s: None)
    gate.require(reading(0))
    met, mem = gate.wait(30, read=lambda: next(readings), on_reading=seen.append)
    assert met and mem["available"] == 50 * GIB
    assert [m["available"] for m in seen] == [10 * GIB, 20 * GIB, 50 * GIB]


def test_wait_gives_up_at_the_deadline_with_the_last_reading():
    readings = iter(reading(n * GIB) for n in range(1, 100000))
    gate = _memgate.MemoryGate(available="45GiB", margin=0)
    gate.require(reading(0))
    met, mem = gate.wait(0.05, read=lambda: next(readings))
    assert not met and GIB < mem["available"] < 45 * GIB  # polled more than once, then gave up
    msg = _memgate.gate_shortfall_message(0.05, gate.required, mem, "none", "-")
    assert msg.startswith("Timed out after 0.05 s waiting for MemAvailable to reach 45.00 GiB (%d bytes" % (45 * GIB))
