# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/*/README.md carry the variable tables scripts/gen_docs.py writes from meta/argument_specs.yml,
README.md the list of roles, modules and filters it writes from their documentation: a hand edit of a
table, a spec changed without regenerating, a variable table on the front page, or a hand-written row
beside a generated table fails."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _gen_docs():
    spec = importlib.util.spec_from_file_location('openclaw_gen_docs', os.path.join(REPO, 'scripts', 'gen_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_docs = _gen_docs()
TARGETS = gen_docs.targets()


@pytest.mark.parametrize('path', sorted(TARGETS), ids=lambda p: os.path.relpath(p, REPO))
def test_generated_docs_are_up_to_date(path):
    text, generated = TARGETS[path]
    assert generated is not None, '%s is missing' % path
    assert text == generated, 'out of date: run python scripts/gen_docs.py'


@pytest.mark.parametrize('role', gen_docs.roles())
def test_every_role_has_a_readme_with_every_variable(role):
    specs, _defaults = gen_docs.load_role(role)
    path = os.path.join(REPO, 'roles', role, 'README.md')
    with open(path) as handle:
        text = handle.read()
    table = gen_docs.variables_table(role)
    assert table in text, '%s lacks the generated table of %s' % (path, role)
    for name in specs['main']['options']:
        assert '| `%s` |' % name in table


def _readme():
    with open(os.path.join(REPO, 'README.md')) as handle:
        return handle.read()


def test_the_front_page_lists_the_collection_and_no_variable():
    text = _readme()
    assert gen_docs.contents_table() in text
    assert 'role-variables' not in text, 'role variables live in roles/NAME/README.md, not in README.md'
    variables = gen_docs.all_variables()
    rows = [line for line in text.splitlines() if line.startswith('|')]
    for name in variables:
        assert not any('`%s`' % name in row for row in rows), '%s in a table of README.md' % name
    for role in gen_docs.roles():
        assert 'roles/%s/README.md' % role in text


def test_the_front_page_refuses_a_variable_section():
    text = '# x\n<!-- BEGIN GENERATED role-variables openclaw.gx10.vllm -->\n<!-- END GENERATED role-variables openclaw.gx10.vllm -->\n'
    with pytest.raises(SystemExit, match='README.md carries no role variables'):
        gen_docs.render(text)
    assert gen_docs.render(text, 'vllm') != text  # a role's README may


@pytest.mark.parametrize('path', sorted(TARGETS), ids=lambda p: os.path.relpath(p, REPO))
def test_no_hand_written_row_beside_a_generated_table(path):
    text, generated = TARGETS[path]
    assert gen_docs.hand_written_rows(generated or text, gen_docs.all_variables()) == []


ROLE_README = """# r

## Variables
<!-- BEGIN GENERATED role-variables main -->
| variable | type | default | description |
|---|---|---|---|
| `vllm_port` | int | `8000` | Port. |
<!-- END GENERATED role-variables main -->
%s
## Next
| setting | what |
|---|---|
| `OLLAMA_X`, `vllm_port` | a mixed first cell is prose, not a variable row |
| `vllm_port: 1` (a value) | so is a value |
"""


@pytest.mark.parametrize('after,expected', [
    ('', []),
    ('\n| `vllm_port` | `8000` | hand row |\n', [(10, '| `vllm_port` | `8000` | hand row |')]),
    ('| anything | x |\n', [(9, '| anything | x |')]),
    ('\n\nprose\n\n| `vllm_port`, `vllm_model` | two at once |\n', [(13, '| `vllm_port`, `vllm_model` | two at once |')]),
])
def test_hand_written_rows_are_found(after, expected):
    assert gen_docs.hand_written_rows(ROLE_README % after, {'vllm_port', 'vllm_model'}) == expected


def test_a_row_right_before_a_generated_section_is_found():
    text = '| a | b |\n\n<!-- BEGIN GENERATED role-variables main -->\n<!-- END GENERATED role-variables main -->\n'
    assert gen_docs.hand_written_rows(text, set()) == [(1, '| a | b |')]


def test_a_hand_edit_is_detected():
    path = os.path.join(REPO, 'roles', 'vllm', 'README.md')
    text, generated = TARGETS[path]
    edited = generated.replace('| `vllm_port` | int | `8000` |', '| `vllm_port` | int | `8001` |')
    assert edited != generated
    assert gen_docs.render(edited, 'vllm') == generated  # regenerating restores the table
    readme, readme_generated = TARGETS[os.path.join(REPO, 'README.md')]
    edited = readme_generated.replace('| module | `openclaw.gx10.vllm_wait` |', '| module | `openclaw.gx10.vllm_waits` |')
    assert edited != readme_generated
    assert gen_docs.render(edited) == readme_generated


def test_the_design_table_names_every_line_of_the_unit():
    """docs/design.md's "Every start passes the gate" table has a row for each Exec*= and Restart=
    line of the unit the vllm role writes, and no row for a line the unit does not have."""
    with open(os.path.join(REPO, 'roles', 'vllm', 'templates', 'vllm.service.j2')) as handle:
        unit = {line.split('=', 1)[0] for line in handle if re.match(r'(Exec[A-Za-z]*|Restart)=', line)}
    with open(os.path.join(REPO, 'docs', 'design.md')) as handle:
        design = handle.read()
    section = design.split('## Every start passes the gate', 1)[1].split('\n## ', 1)[0]
    rows = {m.group(1) for m in re.finditer(r'^\| `(Exec[A-Za-z]*|Restart)=', section, re.M)}
    assert rows == unit


def test_benchmarks_say_when():
    with open(os.path.join(REPO, 'docs', 'benchmarks.md')) as handle:
        entries = [line for line in handle if line.startswith('- **')]
    assert entries
    for entry in entries:
        assert re.search(r'\b20\d\d-\d\d-\d\d\b', entry), 'a figure without its date: ' + entry[:80]


@pytest.mark.parametrize('text,expected', [
    ('C(ceil(MemTotal x utilization)) bytes', '`ceil(MemTotal x utilization)` bytes'),
    ('O(gx10_primary_server=vllm), V(0)', '`gx10_primary_server=vllm`, `0`'),
    ('filter P(openclaw.gx10.size_bytes#filter)', 'filter `openclaw.gx10.size_bytes`'),
    ('I(only) B(this) L(docs, https://x.invalid) U(https://y.invalid)',
     '*only* **this** [docs](https://x.invalid) https://y.invalid'),
    ('ABC(x) stays', 'ABC(x) stays'),
])
def test_markup(text, expected):
    assert gen_docs.markdown(text) == expected


def test_a_bar_in_a_default_does_not_split_the_table_row():
    gen = _gen_docs()
    cell = gen._default('oom_guard_prefer', {'default': '^(vllm|ollama)$'}, {})
    row = '| `x` | str | %s | text |' % cell
    assert cell == '`^(vllm\\|ollama)$`'
    assert len(re.findall(r'(?<!\\)\|', row)) == 5  # four cells, not five
