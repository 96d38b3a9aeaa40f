# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build an Ollama release archive, in the upstream layout, from the test bundle (the real 0.5.4 server).

    python3 make_release.py BUNDLE_DIR OUT.tgz [--version 0.5.5]

Upstream's ollama-linux-<arch>.tgz holds bin/ollama and lib/ollama/ (unpacked into /usr/local
by install.sh). Here bin/ollama is a wrapper that runs lib/ollama/ollama-lib with
LD_LIBRARY_PATH=lib/ollama (the bundle's libraries). --version rewrites the version string the
binary carries ("0.5.4-ipexllm-20250407" -> "0.5.5-ipexllm-20250407", same length), so that an
upgrade to another version can be tested with the same real server: `ollama --version` and
GET /api/version then report it. Prints the archive's sha256. Standard library only (it runs
inside a Molecule target).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tarfile

BUNDLE_VERSION = b"0.5.4-ipexllm-20250407"
WRAPPER = b"""#!/bin/sh
# Ollama (test build of the real 0.5.4 server) in the layout of Ollama's release archives.
self=$(readlink -f -- "$0" 2>/dev/null || echo "$0")
lib=$(cd "$(dirname -- "$self")/../lib/ollama" && pwd -P) || { echo "ollama: no ../lib/ollama next to $self" >&2; exit 127; }
LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
exec "$lib/ollama-lib" "$@"
"""


def _add(tar, name, data, mode):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 1700000000
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = 1700000000
    tar.addfile(info)


def build(bundle, out, version=None):
    """Write the archive; return its sha256 (hex)."""
    lib = os.path.join(bundle, "lib")
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
        for directory in ("bin", "lib", "lib/ollama"):
            _add_dir(tar, directory)
        _add(tar, "bin/ollama", WRAPPER, 0o755)
        for name in sorted(os.listdir(lib)):
            with open(os.path.join(lib, name), "rb") as handle:
                data = handle.read()
            if name == "ollama-lib" and version:
                new = (version.encode() + BUNDLE_VERSION[len(b"0.5.4"):])
                if len(new) != len(BUNDLE_VERSION) or BUNDLE_VERSION not in data:
                    raise SystemExit("cannot rewrite the version to %s (must be 5 characters like 0.5.5)" % version)
                data = data.replace(BUNDLE_VERSION, new)
            _add(tar, "lib/ollama/" + name, data, 0o755)
    os.replace(tmp, out)
    digest = hashlib.sha256()
    with open(out, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("bundle")
    parser.add_argument("out")
    parser.add_argument("--version", help="rewrite the version (e.g. 0.5.5)")
    args = parser.parse_args(argv)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    print(build(args.bundle, args.out, args.version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
