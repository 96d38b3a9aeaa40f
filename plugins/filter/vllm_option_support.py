# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether the vLLM release of an image takes an option the role renders (tables in module_utils)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_flags import option_support
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_versions import image_version

display = Display()


def vllm_option_support(image, flag, variable):
    if not isinstance(image, str) or not image:
        raise AnsibleFilterError('vllm_option_support: expected an image reference such as '
                                 'vllm/vllm-openai:v0.32.0, got %r' % (image,))
    if not isinstance(flag, str) or not flag.startswith('--'):
        raise AnsibleFilterError('vllm_option_support: expected an option such as --kv-cache-memory-bytes, got %r'
                                 % (flag,))
    result = option_support(flag, image_version(image), image, str(variable))
    if result['warning']:
        display.warning(result['warning'])  # Display shows each distinct warning once
    return result


class FilterModule(object):
    def filters(self):
        return {'vllm_option_support': vllm_option_support}
