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
