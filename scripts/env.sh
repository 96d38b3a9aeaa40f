# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Source me:  . scripts/env.sh
# The test bench's environment: the venv on PATH, our own dockerd, the collection path, no colour.
# (scripts/bootstrap.sh creates what these point at.)

_gx10_here=${BASH_SOURCE[0]:-$0}
GX10_REPO=$(cd "$(dirname "$_gx10_here")/.." && pwd -P)
unset _gx10_here
export GX10_REPO
export GX10_CACHE="$GX10_REPO/.cache"
export VIRTUAL_ENV="$GX10_REPO/.venv"
case ":$PATH:" in
    *":$VIRTUAL_ENV/bin:"*) ;;
    *) export PATH="$VIRTUAL_ENV/bin:$PATH" ;;
esac
unset PYTHONHOME

# Our own dockerd (scripts/bootstrap.sh dockerd), never the host's.
export DOCKER_HOST="unix://$GX10_CACHE/docker.sock"
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

# This checkout as openclaw.gx10 first, then the PyPI "ansible" bundle in the venv
# (community.docker, community.general, ansible.posix: Galaxy is unreachable).
export ANSIBLE_COLLECTIONS_PATH="$GX10_CACHE/collections:$VIRTUAL_ENV/lib/python3.11/site-packages"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=true
export ANSIBLE_LOCAL_TEMP="$GX10_CACHE/ansible/tmp"
export ANSIBLE_HOME="$GX10_CACHE/ansible"
export ANSIBLE_HOST_KEY_CHECKING=False
export ANSIBLE_RETRY_FILES_ENABLED=False
export ANSIBLE_GALAXY_DISABLE_GPG_VERIFY=1
# Molecule's ephemeral state and other caches under .cache/ (not ~/.cache).
export MOLECULE_NO_LOG=false
export ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1
export XDG_CACHE_HOME="$GX10_CACHE/xdg"

# Plain output: pytest's closing line, Ansible and Molecule without escape codes.
export NO_COLOR=1 ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 FORCE_COLOR=0
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$ANSIBLE_LOCAL_TEMP" "$XDG_CACHE_HOME" 2>/dev/null || true
