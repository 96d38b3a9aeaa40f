# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument specs of the options the modules share (private to openclaw.gx10).

Documented once in plugins/doc_fragments/common.py: keep the two in step.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

# openclaw.gx10.common
HTTP_ARGUMENT_SPEC = dict(
    request_timeout=dict(type='float', default=30),
    validate_certs=dict(type='bool', default=True),
    headers=dict(type='dict', no_log=True),
)

# openclaw.gx10.common.margin
MARGIN_ARGUMENT_SPEC = dict(
    margin=dict(type='str', default='3GiB'),
)


def argument_spec(own, margin=False):
    """The module's ``own`` options on top of the shared HTTP options (and ``margin``)."""
    spec = copy.deepcopy(HTTP_ARGUMENT_SPEC)
    if margin:
        spec.update(copy.deepcopy(MARGIN_ARGUMENT_SPEC))
    for name, option in own.items():
        spec[name] = dict(spec.get(name, {}), **option)
    return spec


class GX10Module(object):
    """The modules' one client of their shared options (community.docker's
    ``AnsibleModuleDockerClient`` shape): the AnsibleModule built from the module's own options on
    top of the shared spec (documented by the doc fragment ``openclaw.gx10.common``), the one check
    of its URLs and timeouts (``_urls``), the one client per service (``ollama_client``,
    ``vllm_client``) and one fail path (``fail``) that turns the transport's typed errors into the
    module's failure.

    ``urls`` and ``timeouts``: the names of the options to check before anything is asked.
    """

    def __init__(self, own, margin=False, urls=('url',), timeouts=('request_timeout',), **kwargs):
        # imported here: module_utils that the host gate bundles never import this file, and a
        # module pays for AnsibleModule once
        from ansible.module_utils.basic import AnsibleModule
        from ansible_collections.openclaw.gx10.plugins.module_utils._urls import URLError, http_url, timeout_seconds
        self.module = AnsibleModule(argument_spec=argument_spec(own, margin=margin), **kwargs)
        self.params = self.module.params
        try:
            for name in urls:
                http_url(self.params[name], name)
            for name in timeouts:
                timeout_seconds(self.params[name], name)
        except URLError as exc:
            self.fail(str(exc))

    def fail(self, msg=None, error=None, **result):
        """Fail the module: ``msg``, else the typed ``error``'s own message (``_http.HTTPError``:
        it says what was asked of which server and what went wrong)."""
        if msg is None:
            msg = getattr(error, 'msg', None) or str(error)
        self.module.fail_json(msg=msg, **result)

    def ollama_client(self, url='url', listener=None):
        """The Ollama client of the options ``url``, ``headers``, ``validate_certs``, ``request_timeout``."""
        from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import OllamaClient
        return OllamaClient.from_params(self.params, url=url, listener=listener)

    def vllm_client(self, url='url', api_key=None, listener=None):
        """The vLLM client of the same options; the API key goes only through ``listener``'s proof."""
        from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import VLLMClient
        return VLLMClient.from_params(self.params, url=url, api_key=api_key, listener=listener)
