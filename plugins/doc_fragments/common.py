# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Options the modules share; their argument specs come from module_utils/_options.py."""

    # The HTTP options (openclaw.gx10.common).
    DOCUMENTATION = r'''
options:
  request_timeout:
    description:
      - Seconds to wait for a connection and for the answer to each HTTP request.
      - A server that accepts connections but does not answer in time counts as a timeout.
    type: float
    default: 30
  validate_certs:
    description:
      - Verify the TLS certificates of https URLs.
    type: bool
    default: true
  headers:
    description:
      - Extra HTTP headers sent with every request, for example an C(Authorization) header for a
        proxy in front of the servers. Never logged.
    type: dict
'''

    # The memory gate's headroom (openclaw.gx10.common.margin).
    MARGIN = r'''
options:
  margin:
    description:
      - Added to the memory requirement, for the memory the starting server takes before it measures
        (vLLM reads about 2.7 GiB less than C(MemAvailable) on GB10).
      - An integer of bytes or a size such as V(3GiB) or V(3GB); KB/MB/GB/TB are powers of 1000,
        KiB/MiB/GiB/TiB powers of 1024 (the grammar of the P(openclaw.gx10.size_bytes#filter) filter).
    type: str
    default: 3GiB
'''

    # A module that only reads (openclaw.gx10.common.read_only).
    READ_ONLY = r'''
attributes:
  check_mode:
    description: Runs normally; the module never changes anything.
    support: full
  diff_mode:
    description: Nothing to show; the module never changes anything.
    support: none
'''
