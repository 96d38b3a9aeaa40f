# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model names as Ollama parses them, manifest digests as Ollama stores them, the role's filter."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama_names import (
    ModelNameError, manifest_digests, manifest_url, parse_model_name, same_model_name,
)
from ansible_collections.openclaw.gx10.plugins.filter.ollama_models import ollama_model_specs


@pytest.mark.parametrize('name, display', [
    ('tiny', 'tiny:latest'),
    ('tiny:1b', 'tiny:1b'),
    ('library/tiny', 'tiny:latest'),
    ('registry.ollama.ai/library/qwen3:32b', 'qwen3:32b'),
    ('registry.ollama.ai/someone/qwen3:32b', 'someone/qwen3:32b'),
    ('ns/model', 'ns/model:latest'),
    ('127.0.0.1:5000/library/tiny', '127.0.0.1:5000/library/tiny:latest'),
    ('http://127.0.0.1:5000/library/tiny:v2', '127.0.0.1:5000/library/tiny:v2'),
    ('hf.co/bartowski/Qwen3-8B-GGUF:Q4_K_M', 'hf.co/bartowski/Qwen3-8B-GGUF:Q4_K_M'),
    (' qwen3 ', 'qwen3:latest'),
])
def test_display_names_as_api_tags_lists_them(name, display):
    assert parse_model_name(name)['display'] == display


@pytest.mark.parametrize('name', ['', '   ', 'a/b/c/d', '-x', 'a b', 'ns.x/m', 'm:-tag', 'm:a/b'])
def test_names_ollama_refuses(name):
    with pytest.raises(ModelNameError):
        parse_model_name(name)


def test_same_model_name_is_case_insensitive_and_fills_defaults():
    assert same_model_name('Qwen3', 'registry.ollama.ai/library/qwen3:latest')
    assert not same_model_name('qwen3', 'qwen3:32b')


def test_manifest_url():
    assert manifest_url('qwen3:32b') == 'https://registry.ollama.ai/v2/library/qwen3/manifests/32b'
    assert manifest_url('127.0.0.1:5000/library/tiny', insecure=True) == \
        'http://127.0.0.1:5000/v2/library/tiny/manifests/latest'


MANIFEST = {
    'schemaVersion': 2,
    'mediaType': 'application/vnd.docker.distribution.manifest.v2+json',
    'config': {'mediaType': 'application/vnd.docker.container.image.v1+json', 'digest': 'sha256:' + 'c' * 64, 'size': 10},
    'layers': [{'mediaType': 'application/vnd.ollama.image.model', 'digest': 'sha256:' + 'a' * 64, 'size': 1000}],
}


def test_manifest_digest_of_go_encoding_equals_raw():
    body = json.dumps(MANIFEST, separators=(',', ':')).encode()
    assert manifest_digests(body) == ['sha256:' + hashlib.sha256(body).hexdigest()]


def test_manifest_digest_of_reformatted_body_includes_go_encoding():
    pretty = json.dumps(dict(reversed(list(MANIFEST.items()))), indent=2)
    go = json.dumps(MANIFEST, separators=(',', ':')).encode()
    digests = manifest_digests(pretty)
    assert digests[0] == 'sha256:' + hashlib.sha256(pretty.encode()).hexdigest()
    assert digests[1] == 'sha256:' + hashlib.sha256(go).hexdigest()


def test_filter_normalises_and_drops_duplicates():
    assert ollama_model_specs(['tiny', {'name': 'tiny:latest'}, {'name': 'x:1', 'state': 'absent'}]) == [
        {'name': 'tiny', 'listed': 'tiny:latest', 'state': 'present'},
        {'name': 'x:1', 'listed': 'x:1', 'state': 'absent'},
    ]
    assert ollama_model_specs([]) == [] and ollama_model_specs(None) == []


@pytest.mark.parametrize('value, words', [
    ('tiny', ['must be a list']),
    ({'name': 'tiny'}, ['must be a list']),
    ([{'name': 'tiny', 'state': 'gone'}], ['ollama_models[0]', "state='gone'", 'present or absent']),
    ([{'name': 'tiny', 'tag': 'x'}], ['ollama_models[0]', 'unknown keys tag']),
    ([{'state': 'present'}], ['ollama_models[0]', '"name"']),
    ([42], ['ollama_models[0]', 'qwen3:32b']),
    (['ok', 'bad name'], ['ollama_models[1]', "'bad name'"]),
    (['tiny', {'name': 'tiny:latest', 'state': 'absent'}], ['tiny:latest', 'both present and absent']),
])
def test_filter_refuses_with_the_variable_and_the_accepted_values(value, words):
    with pytest.raises(AnsibleFilterError) as err:
        ollama_model_specs(value)
    for word in words:
        assert word in str(err.value)
