# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Extra `vllm serve` arguments against the options of the image's release (tables in module_utils)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_flags import check_extra_args
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_versions import image_version


def vllm_extra_args_check(args, image, variable='vllm_extra_args'):
    if isinstance(args, (str, bytes, dict)) or not isinstance(args, (list, tuple)):
        raise AnsibleFilterError('vllm_extra_args_check: %s must be a list of strings, got %s'
                                 % (variable, type(args).__name__))
    odd = [a for a in args if not isinstance(a, str)]
    if odd:
        raise AnsibleFilterError('vllm_extra_args_check: %s must be a list of strings; %r is not one'
                                 % (variable, odd[0]))
    if not isinstance(image, str) or not image:
        raise AnsibleFilterError('vllm_extra_args_check: expected an image reference such as '
                                 'vllm/vllm-openai:v0.32.0, got %r' % (image,))
    return check_extra_args([str(a) for a in args], image_version(image), image, variable)


class FilterModule(object):
    def filters(self):
        return {'vllm_extra_args_check': vllm_extra_args_check}
