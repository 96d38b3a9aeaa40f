#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What scripts/bootstrap.sh needs Python for; the shell keeps apt, dockerd and the images.

  python scripts/gx10_bootstrap.py merge-requirements OUT FIRST [OTHER...]
      OUT: FIRST's requirement lines, then every line of each OTHER whose package FIRST does not
      pin (comments and blank lines dropped). The venv221 step: FIRST is
      tests/requirements-2.21.txt, the OTHERs tests/requirements.txt and
      tests/requirements-ollama.txt, so a test dependency added to requirements.txt comes along.

Standard library only: bootstrap runs it with the new venv's python before anything is installed
in it (any Python >= 3.6).
"""
import re
import sys

USAGE = __doc__.split('\n\n', 1)[1].split('\n\n', 1)[0]


def requirement_name(line):
    """The normalised package name (PEP 503: lower case, runs of - _ . as one -) of a requirements
    line, or None for a comment, a blank line or an option line (-r, --index-url)."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.split("#", 1)[0])
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else None


def merge_requirements(first, others):
    """The merged requirement lines: FIRST's (a list of lines), then each of OTHERS's (lists of
    lines) whose package FIRST does not pin; lines without a package name left out."""
    lines = [line.rstrip("\n") for line in first]
    pinned = {requirement_name(line) for line in lines} - {None}
    for other in others:
        lines += [line.rstrip("\n") for line in other if requirement_name(line) not in pinned]
    return [line for line in lines if requirement_name(line)]


def _read_lines(path):
    with open(path, encoding="utf-8") as f:
        return list(f)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) >= 3 and args[0] == 'merge-requirements':
        out, first, others = args[1], args[2], args[3:]
        merged = merge_requirements(_read_lines(first), [_read_lines(p) for p in others])
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(merged) + "\n")
        return 0
    if args and args[0] in ('-h', '--help', 'help'):
        print(USAGE)
        return 0
    print('usage:\n' + USAGE, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
