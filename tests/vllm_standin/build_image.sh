#!/bin/sh
# Build the vLLM stand-in image inside a test target, from local files only (no registry).
#
#   build_image.sh CONTEXT_DIR [ROOTFS_TARBALL]
#
# CONTEXT_DIR holds Dockerfile, vllm and vllm_standin.py (this directory, copied to the target) and
# _vllm_flags.py (plugins/module_utils/_vllm_flags.py: the table of vLLM options the stand-in parses with).
# ROOTFS_TARBALL: a python3 rootfs (the bench's .cache/images/python3-rootfs.tar.gz). Without it,
# the target's own runtime (/usr, /etc and the merged-/usr links) is packed instead.
# Images: BASE_IMAGE (default gx10-python3:bookworm) and IMAGE (default openclaw/vllm-standin:test).
# Prints "built IMAGE" when it built something, "present IMAGE" when the image was up to date.
set -eu
ctx=$1
rootfs=${2:-}
base=${BASE_IMAGE:-gx10-python3:bookworm}
image=${IMAGE:-openclaw/vllm-standin:test}

# Content stamp of the build context: rebuild only when it changed.
stamp=$(cat "$ctx/Dockerfile" "$ctx/vllm" "$ctx/vllm_standin.py" "$ctx/_vllm_flags.py" | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "openclaw.standin.stamp"}}' "$image" 2>/dev/null)" = "$stamp" ]; then
    echo "present $image"
    exit 0
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
    if [ -n "$rootfs" ] && [ -s "$rootfs" ]; then
        docker import "$rootfs" "$base" >/dev/null
    else
        # The target's own python3 runtime: everything but kernel file systems, docker's data,
        # caches and documentation.
        tar --numeric-owner -C / -c \
            --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./run --exclude=./tmp \
            --exclude=./var/lib/docker --exclude=./var/lib/containerd --exclude=./var/cache \
            --exclude=./var/log --exclude=./usr/share/doc --exclude=./usr/share/man \
            --exclude=./usr/share/locale --exclude=./usr/bin/dockerd --exclude=./usr/sbin/dockerd \
            --exclude=./usr/bin/containerd --exclude=./usr/bin/docker --exclude=./opt \
            --exclude=./root --exclude=./home --exclude=./srv \
            ./bin ./sbin ./lib ./lib64 ./usr ./etc 2>/dev/null \
            | docker import --change 'CMD ["/bin/sh"]' - "$base" >/dev/null
    fi
fi
docker build -q --build-arg "BASE=$base" --label "openclaw.standin.stamp=$stamp" -t "$image" "$ctx" >/dev/null
echo "built $image"
