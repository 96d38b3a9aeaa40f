#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the role variable tables in README.md and roles/*/README.md from meta/argument_specs.yml.

    python scripts/gen_docs.py           rewrite the generated sections
    python scripts/gen_docs.py --check   exit 1 (and name the files) when they are out of date

A generated section sits between two markers and is replaced whole; everything else in the file is
kept as written:

    <!-- BEGIN GENERATED role-variables openclaw.gx10.vllm -->
    <!-- END GENERATED role-variables openclaw.gx10.vllm -->

(roles/NAME/README.md may write `role-variables main` for its own role). Edit the variables'
descriptions in roles/NAME/meta/argument_specs.yml, never the tables.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = 'openclaw.gx10'
MARKER_RE = re.compile(r'(<!-- BEGIN GENERATED role-variables (\S+) -->\n)(.*?)(<!-- END GENERATED role-variables \2 -->)',
                       re.S)
MARKUP_RE = re.compile(r'\b(RV|[CIVOMPBUL])\(')


def _closing(text, start):
    """Index of the parenthesis closing the one just before `start` (markup may nest: C(ceil(x)))."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == '(':
            depth += 1
        elif text[i] == ')':
            depth -= 1
            if depth == 0:
                return i
    return -1


def markdown(text):
    """Ansible doc markup (C(), O(), V(), I(), B(), M(), P(), U(), L(), RV()) as Markdown."""
    out, pos = [], 0
    for match in MARKUP_RE.finditer(text):
        if match.start() < pos:
            continue
        end = _closing(text, match.end())
        if end < 0:
            break
        kind, body = match.group(1), text[match.end():end]
        out.append(text[pos:match.start()])
        if kind in ('C', 'V', 'O', 'RV', 'M', 'P'):
            out.append('`%s`' % body.split('#', 1)[0])
        elif kind == 'I':
            out.append('*%s*' % body)
        elif kind == 'B':
            out.append('**%s**' % body)
        elif kind == 'L':
            label, _sep, url = body.rpartition(',')
            out.append('[%s](%s)' % (label.strip(), url.strip()))
        else:  # U
            out.append(body)
        pos = end + 1
    out.append(text[pos:])
    return ''.join(out)


def _cell(text):
    return ' '.join(text.split()).replace('|', '\\|')


def _literal(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value)


def _default(name, spec, defaults):
    if 'default' in spec:
        return '`%s`' % _literal(spec['default'])
    if isinstance(defaults.get(name), str) and '{{' in defaults[name]:
        return 'derived'
    return ''


def _type(spec):
    kind = spec.get('type', 'str')
    if kind == 'list' and 'elements' in spec:
        return 'list of %s' % spec['elements']
    return kind


def _description(spec):
    parts = spec.get('description', [])
    if isinstance(parts, str):
        parts = [parts]
    text = ' '.join(markdown(p) for p in parts)
    if 'choices' in spec:
        text += ' One of: %s.' % ', '.join('`%s`' % _literal(c) for c in spec['choices'])
    if spec.get('no_log'):
        text += ' Secret (`no_log`).'
    return _cell(text)


def load_role(role):
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        specs = yaml.safe_load(handle)['argument_specs']
    path = os.path.join(REPO, 'roles', role, 'defaults', 'main.yml')
    defaults = {}
    if os.path.exists(path):
        with open(path) as handle:
            defaults = yaml.safe_load(handle) or {}
    return specs, defaults


def roles():
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob(os.path.join(REPO, 'roles', '*', 'meta', 'argument_specs.yml')))


def variables_table(role):
    """The Markdown of the role's variables: one table for `main`, a line for each other entry point."""
    specs, defaults = load_role(role)
    main = specs['main']
    lines = ['| variable | type | default | description |', '|---|---|---|---|']
    for name, spec in main.get('options', {}).items():
        lines.append('| `%s` | %s | %s | %s |' % (name, _type(spec), _default(name, spec, defaults),
                                                  _description(spec)))
    for entry, spec in specs.items():
        if entry == 'main':
            continue
        same = spec.get('options') == main.get('options')
        lines.append('')
        lines.append('Entry point `%s` (`tasks_from: %s`): %s%s' % (
            entry, entry, _cell(markdown(spec.get('short_description', ''))),
            '; the same variables, validated the same way.' if same else '.'))
        if not same:
            for name, option in spec.get('options', {}).items():
                lines.append('- `%s` (%s): %s' % (name, _type(option), _description(option)))
    lines.append('')
    lines.append('Generated from `roles/%s/meta/argument_specs.yml` by `scripts/gen_docs.py`; '
                 '`ansible-doc -t role %s.%s` shows the same.' % (role, COLLECTION, role))
    return '\n'.join(lines) + '\n'


def render(text, own_role=None):
    """`text` with every generated section rewritten."""
    known = roles()

    def replace(match):
        key = match.group(2)
        role = own_role if key == 'main' else key[len(COLLECTION) + 1:] if key.startswith(COLLECTION + '.') else None
        if role not in known:
            raise SystemExit('unknown generated section %r (roles: %s)' % (key, ', '.join(known)))
        return match.group(1) + variables_table(role) + match.group(4)

    return MARKER_RE.sub(replace, text)


def targets():
    """{path: (current text, generated text)} for README.md and each role's README.md."""
    result = {}
    paths = [(os.path.join(REPO, 'README.md'), None)]
    paths += [(os.path.join(REPO, 'roles', role, 'README.md'), role) for role in roles()]
    for path, role in paths:
        if not os.path.exists(path):
            result[path] = ('', None)
            continue
        with open(path) as handle:
            text = handle.read()
        result[path] = (text, render(text, role))
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='change nothing; exit 1 when a file is out of date')
    args = parser.parse_args(argv)
    stale = []
    for path, (text, generated) in sorted(targets().items()):
        rel = os.path.relpath(path, REPO)
        if generated is None:
            stale.append('%s is missing' % rel)
        elif generated != text:
            stale.append('%s is out of date' % rel)
            if not args.check:
                with open(path, 'w') as handle:
                    handle.write(generated)
    if args.check and stale:
        print('\n'.join(stale) + '\nrun: python scripts/gen_docs.py', file=sys.stderr)
        return 1
    for line in stale:
        print(line.replace('is out of date', 'rewritten'))
    return 1 if any('missing' in line for line in stale) else 0


if __name__ == '__main__':
    sys.exit(main())
