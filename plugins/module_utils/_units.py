# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one rule for the systemd unit names the roles write and pass to systemctl (private to
openclaw.gx10).

A unit name goes into a file name, an ``After=`` line and a ``systemctl`` command line: held to
letters, digits and ``:_.@-``, it reads literally in all three. A leading ``-`` would be read as
an option by systemctl, and a leading ``.`` makes a hidden file that systemd ignores, so the first
character is a letter, a digit, ``:`` or ``_``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

_UNIT_NAME = re.compile(r'\A[A-Za-z0-9:_][A-Za-z0-9:_.@-]*\Z')
# systemd's own limit for a unit name (UNIT_NAME_MAX), ".service" included.
UNIT_NAME_MAX = 255
SUFFIX = '.service'
# What a name may do with the ".service" suffix: added when missing, or never written (the role
# adds it itself, as in After=NAME.service).
SUFFIX_RULES = ('optional', 'forbidden')


def unit_name_problem(value, suffix='optional'):
    """Why ``value`` is not a service name the roles can write, or '' when it is."""
    if suffix not in SUFFIX_RULES:
        raise ValueError('suffix must be one of %s, not %r' % (', '.join(SUFFIX_RULES), suffix))
    if not isinstance(value, str):
        return 'must be a string, not %s' % type(value).__name__
    if not _UNIT_NAME.match(value):
        bad = sorted(set(re.sub(r'[A-Za-z0-9:_.@-]', '', value)))
        if bad:
            return 'must hold letters, digits and :_.@- only; found %s' % ' '.join(repr(c) for c in bad)
        if not value:
            return 'must not be empty'
        return 'must start with a letter, a digit, ":" or "_", not %r' % value[0]
    if suffix == 'forbidden' and value.endswith(SUFFIX):
        return 'must be written without "%s" (the role adds it)' % SUFFIX
    full = value if value.endswith(SUFFIX) else value + SUFFIX
    if len(full) > UNIT_NAME_MAX:
        return 'is %d characters long with "%s"; systemd allows %d' % (len(full), SUFFIX, UNIT_NAME_MAX)
    return ''
