#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the generated sections of README.md and roles/*/README.md.

    python scripts/gen_docs.py           rewrite the generated sections
    python scripts/gen_docs.py --check   exit 1 (and name the files) when they are out of date, or
                                         when a hand-written table row sits beside them

A generated section sits between two markers and is replaced whole; everything else in the file is
kept as written. roles/NAME/README.md carries its role's variables, from
roles/NAME/meta/argument_specs.yml (`main` for its own role):

    <!-- BEGIN GENERATED role-variables main -->
    <!-- END GENERATED role-variables main -->

README.md, the front page, carries no variable table, only the list of what the collection holds
(the roles' short descriptions, the modules' and filters' DOCUMENTATION):

    <!-- BEGIN GENERATED collection-contents openclaw.gx10 -->
    <!-- END GENERATED collection-contents openclaw.gx10 -->

Edit the descriptions where they come from, never the tables; and put no hand-written table row
right before or after a generated section, nor a row of role variables anywhere outside one.
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
MARKER_RE = re.compile(r'(<!-- BEGIN GENERATED (role-variables|collection-contents) (\S+) -->\n)(.*?)'
                       r'(<!-- END GENERATED \2 \3 -->)', re.S)
ROW_RE = re.compile(r'^\s*\|')
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
        # a | inside a code span still ends a table cell (GitHub's tables): escaped
        return '`%s`' % _literal(spec['default']).replace('|', '\\|')
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


def _short_description(path, indent=''):
    """The one-line short_description of a plugin's documentation, read by its line, so that a
    plugin whose documentation is being edited elsewhere in the file does not stop the tables."""
    with open(path) as handle:
        for line in handle:
            if line.startswith(indent + 'short_description:'):
                return line.split(':', 1)[1].strip().strip('\'"')
    raise SystemExit('%s: no short_description line' % os.path.relpath(path, REPO))


def contents_table():
    """The Markdown list of the collection's roles, modules and filters, with their short descriptions."""
    rows = []
    for role in roles():
        specs, _defaults = load_role(role)
        rows.append(('role', role, specs['main'].get('short_description', ''), 'roles/%s/README.md' % role))
    for path in sorted(glob.glob(os.path.join(REPO, 'plugins', 'modules', '*.py'))):
        rows.append(('module', os.path.basename(path)[:-3], _short_description(path), ''))
    for path in sorted(glob.glob(os.path.join(REPO, 'plugins', 'filter', '*.yml'))):
        # a filter's documentation file is named after the filter (ansible-doc finds it so)
        rows.append(('filter', os.path.basename(path)[:-4], _short_description(path, '  '), ''))
    lines = ['| kind | name | what |', '|---|---|---|']
    for kind, name, what, readme in rows:
        link = ' ([README](%s))' % readme if readme else ''
        lines.append('| %s | `%s.%s`%s | %s |' % (kind, COLLECTION, name, link, _cell(markdown(what))))
    lines.append('')
    lines.append('Generated by `scripts/gen_docs.py` from the roles\' `meta/argument_specs.yml` and the plugins\' '
                 'documentation; `ansible-doc -t role -l %s`, `ansible-doc -l %s` and `ansible-doc -t filter -l %s` '
                 'list the same.' % (COLLECTION, COLLECTION, COLLECTION))
    return '\n'.join(lines) + '\n'


def render(text, own_role=None):
    """`text` with every generated section rewritten (`own_role`: the role whose README it is)."""
    known = roles()

    def replace(match):
        kind, key = match.group(2), match.group(3)
        if kind == 'collection-contents':
            if own_role is not None or key != COLLECTION:
                raise SystemExit('collection-contents %s: only README.md carries the list of %s' % (key, COLLECTION))
            return match.group(1) + contents_table() + match.group(5)
        if own_role is None:
            raise SystemExit('README.md carries no role variables (section role-variables %s): they live in '
                             'roles/NAME/README.md and ansible-doc -t role' % key)
        role = own_role if key == 'main' else key[len(COLLECTION) + 1:] if key.startswith(COLLECTION + '.') else None
        if role not in known:
            raise SystemExit('unknown generated section %r (roles: %s)' % (key, ', '.join(known)))
        return match.group(1) + variables_table(role) + match.group(5)

    return MARKER_RE.sub(replace, text)


def all_variables():
    """Every role's variable names (main and the other entry points)."""
    names = set()
    for role in roles():
        specs, _defaults = load_role(role)
        for spec in specs.values():
            names.update((spec or {}).get('options') or {})
    return names


def hand_written_rows(text, variables):
    """Table rows that do not belong: a row right before or after a generated section (blank lines
    between them do not count), and outside the generated sections a row whose first cell names
    only role variables (`name`, or several separated by commas). [(line number, row)]"""
    lines = text.split('\n')
    inside, found = False, []
    for number, line in enumerate(lines):
        begin, end = line.startswith('<!-- BEGIN GENERATED '), line.startswith('<!-- END GENERATED ')
        if begin or end:
            step = -1 if begin else 1
            other = number + step
            while 0 <= other < len(lines) and not lines[other].strip():
                other += step
            if 0 <= other < len(lines) and ROW_RE.match(lines[other]):
                found.append((other + 1, lines[other]))
            inside = begin
            continue
        if inside or not ROW_RE.match(line):
            continue
        first = line.strip().strip('|').split('|')[0].strip()
        names = [n.strip() for n in first.split(',')]
        if names and all(n.startswith('`') and n.endswith('`') and n.strip('`') in variables for n in names):
            found.append((number + 1, line))
    return sorted(set(found))


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
    stale, misplaced = [], []
    variables = all_variables()
    for path, (text, generated) in sorted(targets().items()):
        rel = os.path.relpath(path, REPO)
        if generated is None:
            stale.append('%s is missing' % rel)
            continue
        if generated != text:
            stale.append('%s is out of date' % rel)
            if not args.check:
                with open(path, 'w') as handle:
                    handle.write(generated)
        for number, row in hand_written_rows(generated, variables):
            misplaced.append('%s:%d: a hand-written row beside the generated tables: %s' % (rel, number, row[:80]))
    if misplaced:
        print('\n'.join(misplaced) + '\nmove what it says into meta/argument_specs.yml (or prose), then run: '
              'python scripts/gen_docs.py', file=sys.stderr)
    if args.check and stale:
        print('\n'.join(stale) + '\nrun: python scripts/gen_docs.py', file=sys.stderr)
        return 1
    for line in stale:
        print(line.replace('is out of date', 'rewritten'))
    return 1 if misplaced or any('missing' in line for line in stale) else 0


if __name__ == '__main__':
    sys.exit(main())
