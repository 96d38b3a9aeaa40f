#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The test command (README, .ci/run): scripts/gx10_test.py does the work (bootstrap, the stages in
# two lanes, the summary and the time table; `scripts/test.sh --help`), with the system python3:
# it runs before any venv exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec python3 scripts/gx10_test.py "$@"
