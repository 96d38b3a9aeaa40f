# shellcheck shell=bash
# Source me instead of scripts/env.sh:  . scripts/env-2.21.sh
# The same test-bench environment (scripts/env.sh) with the second venv, .cache/venv-2.21:
# ansible-core 2.21 on Python 3.13/3.12 (scripts/bootstrap.sh venv221). scripts/gx10_test.py
# sources it in a bash of its own and reads `env -0`, so the switch never leaks into other stages.
_gx10_here=${BASH_SOURCE[0]:-$0}
# shellcheck source=/dev/null
. "$(cd "$(dirname "$_gx10_here")" && pwd -P)/env.sh"
unset _gx10_here
export GX10_CORE=2.21
_gx10_old_venv=$VIRTUAL_ENV
export VIRTUAL_ENV="$GX10_CACHE/venv-2.21"
# .venv/bin out of PATH, the 2.21 venv first.
_gx10_path=":$PATH:"
_gx10_path=${_gx10_path//":$_gx10_old_venv/bin:"/:}
_gx10_path=${_gx10_path#:}
export PATH="$VIRTUAL_ENV/bin:${_gx10_path%:}"
# community.docker & co. from this venv's "ansible" bundle (its python3.X directory).
for _gx10_site in "$VIRTUAL_ENV"/lib/python3.*/site-packages; do break; done
export ANSIBLE_COLLECTIONS_PATH="$GX10_CACHE/collections:$_gx10_site"
unset _gx10_old_venv _gx10_path _gx10_site
