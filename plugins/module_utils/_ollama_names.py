# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ollama's model names and manifests (private to openclaw.gx10), without HTTP.

The model-name parser mirrors Ollama's own (types/model/name.go), so that a name given by the
operator compares equal to the name ``/api/tags`` lists; ``manifest_digests`` gives the digests
under which Ollama stores a manifest it pulled. Used by openclaw.gx10.ollama_model and the role's
``ollama_model_specs`` filter.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json
import re

DEFAULT_REGISTRY = 'registry.ollama.ai'
DEFAULT_NAMESPACE = 'library'
DEFAULT_TAG = 'latest'
MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json'

_PART_RE = {
    # Ollama's isValidPart: first character alphanumeric or "_"; then also "-" and "_";
    # "." except in a namespace; ":" only in a host.
    'host': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$'),
    'namespace': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$'),
    'model': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$'),
    'tag': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$'),
}


class ModelNameError(ValueError):
    """A model name Ollama would refuse."""


def parse_model_name(name):
    """Split a model name the way Ollama does: ``[scheme://][host/][namespace/]model[:tag]``.

    Returns a dict with ``host``, ``namespace``, ``model``, ``tag`` (defaults filled in:
    registry.ollama.ai, library, latest) and ``display``, the name as ``/api/tags`` lists it
    (Ollama's DisplayShortest). Raises ModelNameError for a name Ollama refuses.
    """
    raw = (name or '').strip()
    if not raw:
        raise ModelNameError('an empty model name')
    text = raw
    if '://' in text:
        text = text.split('://', 1)[1]
    tag = ''
    if text.rfind(':') > text.rfind('/'):
        text, tag = text.rsplit(':', 1)
    parts = text.split('/')
    if len(parts) > 3:
        raise ModelNameError('%r has more than three "/"-separated parts (host/namespace/model)' % raw)
    parts = [''] * (3 - len(parts)) + parts
    result = dict(host=parts[0] or DEFAULT_REGISTRY, namespace=parts[1] or DEFAULT_NAMESPACE,
                  model=parts[2], tag=tag or DEFAULT_TAG)
    for kind in ('host', 'namespace', 'model', 'tag'):
        if not _PART_RE[kind].match(result[kind]):
            raise ModelNameError('%r: the %s part %r is not valid for Ollama (letters, digits, "_", "-"%s; '
                                 'starting with a letter, digit or "_")'
                                 % (raw, kind, result[kind],
                                    {'host': ', "." and ":"', 'namespace': ''}.get(kind, ' and "."')))
    if result['host'].lower() != DEFAULT_REGISTRY:
        display = '%(host)s/%(namespace)s/%(model)s:%(tag)s' % result
    elif result['namespace'].lower() != DEFAULT_NAMESPACE:
        display = '%(namespace)s/%(model)s:%(tag)s' % result
    else:
        display = '%(model)s:%(tag)s' % result
    result['display'] = display
    return result


def same_model_name(a, b):
    """Whether two names name the same model (Ollama compares names case-insensitively)."""
    try:
        return parse_model_name(a)['display'].lower() == parse_model_name(b)['display'].lower()
    except ModelNameError:
        return (a or '').strip().lower() == (b or '').strip().lower()


def manifest_url(name, insecure=False):
    """The registry URL Ollama fetches the manifest from (``insecure`` means plain http, as in Ollama)."""
    parsed = parse_model_name(name)
    return '%s://%s/v2/%s/%s/manifests/%s' % ('http' if insecure else 'https', parsed['host'],
                                              parsed['namespace'], parsed['model'], parsed['tag'])


def manifest_digests(body):
    """Digests under which Ollama may store a manifest fetched from a registry.

    Ollama writes the manifest it pulled re-encoded by Go's encoding/json (struct order, compact),
    and ``/api/tags`` lists the sha256 of that file. Returns the sha256 of the bytes as served and
    of that re-encoding (they are equal when the registry serves Go's encoding, as Ollama's does).
    """
    if isinstance(body, bytes):
        raw = body
        text = body.decode('utf-8')
    else:
        text = body
        raw = body.encode('utf-8')
    digests = ['sha256:' + hashlib.sha256(raw).hexdigest()]
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError('the manifest is not a JSON object')

    def layer(item):
        item = item or {}
        out = '{"mediaType":%s,"digest":%s,"size":%d' % (json.dumps(item.get('mediaType') or ''),
                                                         json.dumps(item.get('digest') or ''),
                                                         int(item.get('size') or 0))
        if item.get('from'):
            out += ',"from":%s' % json.dumps(item['from'])
        return out + '}'

    layers = data.get('layers')
    encoded = '{"schemaVersion":%d,"mediaType":%s,"config":%s,"layers":%s}' % (
        int(data.get('schemaVersion') or 0), json.dumps(data.get('mediaType') or ''),
        layer(data.get('config')),
        '[' + ','.join(layer(x) for x in layers) + ']' if isinstance(layers, list) else 'null')
    go = 'sha256:' + hashlib.sha256(encoded.encode('utf-8')).hexdigest()
    if go not in digests:
        digests.append(go)
    return digests
