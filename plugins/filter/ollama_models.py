# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ollama role's ``ollama_models``, checked and normalised with the module's own name parser."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama_names import ModelNameError, parse_model_name

_STATES = ('present', 'absent')


def ollama_model_specs(value, variable='ollama_models'):
    """[name | {name, state}] -> [{'name': as given, 'listed': as /api/tags lists it, 'state'}].

    Raises AnsibleFilterError naming ``variable``, the item and what is accepted.
    """
    if value is None:
        return []
    if isinstance(value, str) or isinstance(value, dict) or not hasattr(value, '__iter__'):
        raise AnsibleFilterError('%s must be a list of model names or of {name, state} dicts, got %r'
                                 % (variable, value))
    out = []
    seen = {}
    for index, item in enumerate(value):
        where = '%s[%d]' % (variable, index)
        if isinstance(item, str):
            name, state = item, 'present'
        elif isinstance(item, dict):
            unknown = sorted(set(item) - set(['name', 'state']))
            if unknown:
                raise AnsibleFilterError('%s=%r: unknown keys %s; accepted: name, state' % (where, item, ', '.join(unknown)))
            name, state = item.get('name'), item.get('state', 'present')
            if not isinstance(name, str):
                raise AnsibleFilterError('%s=%r: "name" must be a model name such as qwen3:32b' % (where, item))
        else:
            raise AnsibleFilterError('%s=%r: use a model name such as qwen3:32b, or {name: ..., state: present|absent}'
                                     % (where, item))
        if state not in _STATES:
            raise AnsibleFilterError('%s: state=%r is not accepted; use present or absent' % (where, state))
        try:
            listed = parse_model_name(name)['display']
        except ModelNameError as exc:
            raise AnsibleFilterError('%s: %s. Use [host/][namespace/]model[:tag], e.g. qwen3:32b' % (where, to_native(exc)))
        key = listed.lower()
        if key in seen and seen[key] != state:
            raise AnsibleFilterError('%s: %s is listed both present and absent' % (variable, listed))
        if key not in seen:
            seen[key] = state
            out.append(dict(name=name.strip(), listed=listed, state=state))
    return out


class FilterModule(object):

    def filters(self):
        return {'ollama_model_specs': ollama_model_specs}
