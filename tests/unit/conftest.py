# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Make the collection importable by its full name (ansible_collections.openclaw.gx10) when the
# tests run under plain pytest, from any checkout, without installing it.
import os
import sys
import tempfile

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    root = os.path.join(_REPO, '.cache', 'collections')
    link = os.path.join(root, 'ansible_collections', 'openclaw', 'gx10')
    if not os.path.exists(link):
        try:
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(_REPO, link)
        except OSError:
            root = tempfile.mkdtemp(prefix='gx10-collections-')
            os.makedirs(os.path.join(root, 'ansible_collections', 'openclaw'))
            os.symlink(_REPO, os.path.join(root, 'ansible_collections', 'openclaw', 'gx10'))
    return root


if 'ansible_collections.openclaw.gx10' not in sys.modules:
    sys.path.insert(0, _collections_root())
