# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The --kv-cache-dtype values the vLLM of an image accepts (table in module_utils)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_versions import kv_cache_dtypes

display = Display()


def vllm_kv_cache_dtypes(image):
    if not isinstance(image, str) or not image:
        raise AnsibleFilterError('vllm_kv_cache_dtypes: expected an image reference such as '
                                 'vllm/vllm-openai:v0.32.0, got %r' % (image,))
    result = kv_cache_dtypes(image)
    if result['warning']:
        display.warning(result['warning'])  # Display shows each distinct warning once
    return result


class FilterModule(object):
    def filters(self):
        return {'vllm_kv_cache_dtypes': vllm_kv_cache_dtypes}
