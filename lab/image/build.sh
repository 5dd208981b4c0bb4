#!/bin/bash
# Build the lab node image offline, in two cached layers:
#   1. base: debootstrap bookworm minbase + base-packages.txt, tarred into `docker import`
#      (no registry is reachable). Tag tibero-lab-base:<hash of its inputs>.
#   2. lab: Dockerfile FROM that base adding lab/labsim, lab/bin, lab/prosync, the users and the
#      collection's sudoers file (examples/sudoers/tibero-cm, installed as it is shipped).
#      Tag tibero-lab:<hash of the lab content and of the base tag>.
# Each layer is built only when its tag is missing, so a run with unchanged inputs takes a second.
# Builds on one machine take turns (flock), so two `make image` at once build a tag only once.
#
# A build never deletes an image: while one person edits lab/ (new tag) another may be running
# molecule, the bench or the reliability suite on the previous tag, and those create containers
# from it long after their tag was computed. Old images go only with an explicit --prune.
#
# Usage: lab/image/build.sh [--print-tag | --prune [KEEP]]
#   --print-tag   print the lab image tag that the current inputs give, build nothing.
#   --prune KEEP  build nothing; remove older tibero-lab / tibero-lab-base images, except the current
#                 tags, the KEEP newest other lab tags (default 2) and any image a container (running
#                 or stopped) was created from.
# Environment: TIBERO_LAB_DEBIAN_MIRROR (default: the host's apt mirror, else deb.debian.org),
#              TIBERO_LAB_IMAGE_FORCE=1 rebuilds both layers,
#              TIBERO_LAB_IMAGE_REPO names the repositories (default tibero-lab, base <repo>-base).
# Prints the lab image tag as its last line of stdout (not with --prune).
set -euo pipefail

IMAGE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_DIR="$(dirname "$IMAGE_DIR")"
SUITE=bookworm
# Bump when the way the base is made changes (not its package list, which is hashed anyway).
BASE_RECIPE_VERSION=1
# The lab folders copied into the image; anything under them is picked up.
LAB_PARTS=(labsim bin prosync)
# The login user's sudo rights: the file the collection ships and the README shows, never a copy.
SUDOERS="$(dirname "$LAB_DIR")/examples/sudoers/tibero-cm"
REPO="${TIBERO_LAB_IMAGE_REPO:-tibero-lab}"
BASE_REPO="$REPO-base"

log() { printf '[lab-image] %s\n' "$*" >&2; }

base_packages() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$IMAGE_DIR/base-packages.txt" | grep -v '^$' | sort -u
}

base_tag() {
    local sum
    sum="$( { echo "suite=$SUITE recipe=$BASE_RECIPE_VERSION"; base_packages; } | sha256sum | cut -c1-12)"
    echo "$BASE_REPO:$sum"
}

# Hash of every file that goes into the lab layer: path, mode and content, in a stable order.
# Python caches and the lab's own tests are not part of the image.
lab_content_hash() {
    (
        cd "$LAB_DIR"
        local parts=()
        for part in "${LAB_PARTS[@]}"; do
            [[ -e "$part" ]] && parts+=("$part")
        done
        parts+=(image/Dockerfile image/install-lab.sh ../examples/sudoers/tibero-cm)
        find "${parts[@]}" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
            | LC_ALL=C sort -z \
            | while IFS= read -r -d '' f; do
                printf '%s %s ' "$f" "$(stat -c %a "$f")"
                sha256sum < "$f"
            done
    ) | sha256sum | cut -c1-12
}

lab_tag() {
    local sum
    sum="$( { base_tag; lab_content_hash; } | sha256sum | cut -c1-12)"
    echo "$REPO:$sum"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

debian_mirror() {
    if [[ -n "${TIBERO_LAB_DEBIAN_MIRROR:-}" ]]; then
        echo "$TIBERO_LAB_DEBIAN_MIRROR"
        return
    fi
    local uri
    uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v security | head -n1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*//')"
    echo "${uri:-http://deb.debian.org/debian}"
}

build_base() {
    local tag="$1" rootfs include
    command -v debootstrap >/dev/null || { log "debootstrap is missing (run scripts/bootstrap.sh)"; exit 1; }
    rootfs="$(mktemp -d /var/tmp/tibero-lab-rootfs.XXXXXX)"
    # shellcheck disable=SC2064  # expand now: the path is fixed
    trap "rm -rf '$rootfs'" EXIT
    include="$(base_packages | paste -sd, -)"
    log "debootstrap $SUITE minbase (+$include) from $(debian_mirror) ..."
    debootstrap --variant=minbase --include="$include" "$SUITE" "$rootfs" "$(debian_mirror)" \
        > /var/tmp/tibero-lab-debootstrap.log 2>&1 \
        || { log "debootstrap failed, see /var/tmp/tibero-lab-debootstrap.log"; tail -n 20 /var/tmp/tibero-lab-debootstrap.log >&2; exit 1; }
    log "docker import -> $tag"
    tar -C "$rootfs" --numeric-owner \
        --exclude='./var/lib/apt/lists/*' --exclude='./var/cache/apt/*' \
        --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/locale/*' \
        -c . | docker import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
}

build_lab() {
    local base="$1" tag="$2" ctx
    ctx="$(mktemp -d /var/tmp/tibero-lab-ctx.XXXXXX)"
    # shellcheck disable=SC2064
    trap "rm -rf '$ctx'" EXIT
    mkdir -p "$ctx/lab"
    for part in "${LAB_PARTS[@]}"; do
        if [[ -e "$LAB_DIR/$part" ]]; then
            cp -a "$LAB_DIR/$part" "$ctx/lab/"
        else
            log "note: lab/$part does not exist yet; the image is built without it"
            mkdir -p "$ctx/lab/$part"
        fi
    done
    find "$ctx/lab" \( -name __pycache__ -o -name '*.pyc' \) -prune -exec rm -rf {} +
    cp "$IMAGE_DIR/Dockerfile" "$IMAGE_DIR/install-lab.sh" "$ctx/"
    cp "$SUDOERS" "$ctx/sudoers-tibero-cm"
    log "docker build -> $tag (FROM $base)"
    # The classic builder uses the local base image as is; --network none: the build needs nothing outside.
    local build_log=/var/tmp/tibero-lab-docker-build.log
    DOCKER_BUILDKIT=0 docker build --network none --build-arg "BASE_IMAGE=$base" \
        --label "org.tibero-cm.lab-hash=${tag#*:}" -t "$tag" "$ctx" >"$build_log" 2>&1 \
        || { tail -n 30 "$build_log" >&2; log "docker build failed (full log: $build_log)"; exit 1; }
    rm -rf "$ctx"
    trap - EXIT
}

# Image IDs that any container, running or stopped, was created from.
images_in_use() {
    local ids
    ids="$(docker ps -aq)"
    # shellcheck disable=SC2086  # one argument per container id
    [[ -z "$ids" ]] || docker inspect --format '{{.Image}}' $ids 2>/dev/null | sort -u
}

# Older lab/base images (other hashes): removed only on request (--prune), never one in use.
prune_old() {
    local keep_base="$1" keep_lab="$2" keep_count="$3" used ref id kept=0
    used="$(images_in_use)"
    # Lab tags newest first; the KEEP newest besides the current one stay for runs still using them.
    while read -r ref; do
        [[ -n "$ref" && "$ref" != "$keep_lab" ]] || continue
        id="$(docker image inspect --format '{{.Id}}' "$ref")"
        if grep -qxF "$id" <<<"$used"; then
            log "keeping $ref: a container was created from it"
        elif ((kept < keep_count)); then
            kept=$((kept + 1))
            log "keeping $ref: one of the $keep_count newest older lab images"
        else
            log "removing unused older image $ref"
            docker image rm "$ref" >/dev/null
        fi
    done < <(docker image ls --format '{{.CreatedAt}}\t{{.Repository}}:{{.Tag}}' "$REPO" | sort -r | cut -f2)
    # A base still under a kept lab image cannot go (Docker refuses: dependent child images).
    for ref in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$BASE_REPO"); do
        [[ "$ref" != "$keep_base" ]] || continue
        id="$(docker image inspect --format '{{.Id}}' "$ref")"
        if grep -qxF "$id" <<<"$used"; then
            log "keeping $ref: a container was created from it"
        elif docker image rm "$ref" >/dev/null 2>&1; then
            log "removed unused older base image $ref"
        else
            log "keeping $ref: a kept lab image is built on it"
        fi
    done
}

# Older images that a --prune would consider: tell, never delete.
note_old() {
    local keep_lab="$1" count
    count="$(docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -cvxF "$keep_lab" || true)"
    if ((count > 0)); then
        log "$count older $REPO image(s) kept; 'bash lab/image/build.sh --prune' removes unused ones"
    fi
}

main() {
    local base lab
    base="$(base_tag)"
    lab="$(lab_tag)"
    case "${1:-}" in
        --print-tag) echo "$lab"; return ;;
        --prune) ;;
        "") ;;
        *) log "usage: build.sh [--print-tag | --prune [KEEP]]"; exit 2 ;;
    esac
    docker info >/dev/null 2>&1 || { log "the Docker engine is not running (run scripts/bootstrap.sh)"; exit 1; }
    # One build at a time on this machine; the lock goes with the process.
    exec {lock_fd}>/var/tmp/tibero-lab-build.lock
    flock "$lock_fd"
    if [[ "${1:-}" == "--prune" ]]; then
        local keep="${2:-2}"
        [[ "$keep" =~ ^[0-9]+$ ]] || { log "--prune KEEP must be a number: $keep"; exit 2; }
        prune_old "$base" "$lab" "$keep"
        return
    fi
    if [[ "${TIBERO_LAB_IMAGE_FORCE:-0}" == 1 ]] || ! image_exists "$base"; then
        build_base "$base"
    else
        log "base image $base is up to date"
    fi
    if [[ "${TIBERO_LAB_IMAGE_FORCE:-0}" == 1 ]] || ! image_exists "$lab"; then
        build_lab "$base" "$lab"
    else
        log "lab image $lab is up to date"
    fi
    note_old "$lab"
    echo "$lab"
}

main "$@"
