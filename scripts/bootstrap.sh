#!/bin/bash
# Fresh machine -> everything the project needs to build, run and test; idempotent (a second run
# checks and does nothing, in a few seconds). Debian 12, run as root. Only Debian's archive and
# PyPI are used (shared/docs/offline-molecule.md).
#
#   1. Debian packages: docker.io, debootstrap, rsync, openssh-client (the lab is reached over SSH)
#      (apt-get only when one is missing)
#   2. the Docker engine: started in the background when `docker info` fails -- never a second one
#   3. .venv from scripts/requirements.txt, redone when the file (or the Python) changes
#   4. community.docker, community.library_inventory_filtering_v1, ansible.posix from the
#      ansible==12.3.0 wheel into the venv (Galaxy is unreachable)
#   5. ansible-test's pip bootstrap stand-in (scripts/get_pip_offline.py)
#   6. mitogen (scripts/requirements-mitogen.txt) into build/mitogen with pip --target: the optional
#      strategy TCM_MITOGEN=1 turns on (scripts/env.sh); not in the venv, not used unless asked for
#   7. only with --controller-matrix: one venv per ansible-core release of
#      scripts/controller-matrix.txt (build/venvs/core-<release>), for make controller-matrix
#
# Usage: scripts/bootstrap.sh [--no-docker]   (--no-docker: steps 3-6 only, for unit tests and lint)
#        scripts/bootstrap.sh --controller-matrix        (step 7 only)
#        scripts/bootstrap.sh --list-controller-matrix   (prints "<release> <venv dir>" lines)
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

ANSIBLE_BUNDLE_VERSION=12.3.0
# The other ansible-core releases tested on the controller (step 7): "release lowest-Python highest-Python".
CONTROLLER_MATRIX="$TCM_ROOT/scripts/controller-matrix.txt"
MATRIX_PYTEST=9.2.0
BUNDLED_COLLECTIONS=(community/docker community/library_inventory_filtering_v1 ansible/posix)
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tibero-cm"
DOCKERD_LOG=/var/log/dockerd.log

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ 1. Debian packages
apt_packages() {
    local missing=() pkg
    for pkg in docker.io debootstrap rsync openssh-client; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        log "Debian packages present (docker.io debootstrap rsync openssh-client)"
        return
    fi
    [[ $EUID -eq 0 ]] || die "installing ${missing[*]} needs root"
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # docker.io's maintainer scripts try to start the service; there is no init system here, and
    # the engine is started below instead. policy-rc.d tells invoke-rc.d not to try.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 0755 "$policy"
        created_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    ((created_policy)) && rm -f "$policy"
    return 0
}

# ------------------------------------------------------------------ 2. Docker engine
docker_engine() {
    if docker info >/dev/null 2>&1; then
        log "Docker engine running"
        return
    fi
    # A dockerd that runs but does not answer yet (just started by someone else) must not get a twin:
    # a second dockerd deletes the first one's docker0 bridge.
    if pgrep -x dockerd >/dev/null; then
        log "dockerd is running but not answering yet; waiting for it"
    else
        command -v dockerd >/dev/null || die "dockerd not found (package docker.io)"
        log "starting dockerd in the background (log: $DOCKERD_LOG)"
        # Own session: a Ctrl-C or the end of the calling make does not reach it.
        setsid nohup /usr/sbin/dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
    fi
    local waited=0
    until docker info >/dev/null 2>&1; do
        ((waited < 60)) || die "the Docker engine did not answer within 60 s (see $DOCKERD_LOG)"
        sleep 1
        waited=$((waited + 1))
    done
    log "Docker engine up after ${waited}s"
}

# ------------------------------------------------------------------ 2b. PID space
# The lab runs thousands of short-lived processes (tool calls, agent scripts) in many containers that
# share the host's PID counter; with the common default pid_max of 32768 PIDs are reused within
# minutes, and the lab's pid-file bookkeeping can then signal the wrong process. Widen it when we can
# (root on the host); a machine where /proc/sys is read-only keeps its value.
pid_space() {
    local file=/proc/sys/kernel/pid_max want=4194304
    if [[ -w $file ]] && (($(cat "$file") < want)); then
        echo "$want" >"$file" 2>/dev/null && log "kernel.pid_max raised to $want" || true
    fi
}

# ------------------------------------------------------------------ 3. venv
pick_python() {
    local candidate
    for candidate in "${TCM_BASE_PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [[ -n "$candidate" ]] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        # ansible-core 2.19 runs its controller on Python 3.11-3.13.
        if "$candidate" -c 'import sys, venv; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    die "no Python 3.11-3.13 with the venv module found (set TCM_BASE_PYTHON)"
}

venv_stamp_value() {
    # The requirements and the interpreter that built the venv: a change of either redoes it.
    { cat "$TCM_ROOT/scripts/requirements.txt"; "$1" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

venv() {
    local base stamp_file="$TCM_VENV/.tcm-requirements.sha256" want
    base="$(pick_python)"
    want="$(venv_stamp_value "$base")"
    if [[ -x "$TCM_PYTHON" ]] && [[ -f "$stamp_file" ]] && [[ "$(cat "$stamp_file")" == "$want" ]] \
        && "$TCM_PYTHON" -c 'import ansible, molecule' 2>/dev/null; then
        log "venv up to date ($TCM_VENV)"
        return
    fi
    if [[ -x "$TCM_PYTHON" ]] && "$TCM_PYTHON" -c 'import sys' 2>/dev/null; then
        log "venv exists but is stale; installing scripts/requirements.txt into it"
    else
        log "creating venv $TCM_VENV with $base"
        rm -rf "$TCM_VENV"
        "$base" -m venv "$TCM_VENV"
    fi
    "$TCM_PYTHON" -m pip install -q --disable-pip-version-check --upgrade pip
    "$TCM_PYTHON" -m pip install -q --disable-pip-version-check -r "$TCM_ROOT/scripts/requirements.txt"
    rm -f "$TCM_VENV"/lib/python3*/site-packages/ansible_collections/.tcm-bundle-*
    echo "$want" > "$stamp_file"
    log "venv ready"
}

# ------------------------------------------------------------------ 4. collections from the ansible wheel
bundled_collections() {
    local python="${1:-$TCM_PYTHON}" site stamp
    site="$("$python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
    stamp="$site/ansible_collections/.tcm-bundle-$ANSIBLE_BUNDLE_VERSION"
    if [[ -f "$stamp" ]]; then
        log "collections from ansible $ANSIBLE_BUNDLE_VERSION present"
        return
    fi
    mkdir -p "$CACHE_DIR/wheels"
    local wheel
    wheel="$(find "$CACHE_DIR/wheels" -maxdepth 1 -name "ansible-$ANSIBLE_BUNDLE_VERSION-*.whl" | head -n1)"
    if [[ -z "$wheel" ]]; then
        log "downloading the ansible $ANSIBLE_BUNDLE_VERSION wheel (once, cached in $CACHE_DIR/wheels)"
        "$python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
            -d "$CACHE_DIR/wheels" "ansible==$ANSIBLE_BUNDLE_VERSION"
        wheel="$(find "$CACHE_DIR/wheels" -maxdepth 1 -name "ansible-$ANSIBLE_BUNDLE_VERSION-*.whl" | head -n1)"
        [[ -n "$wheel" ]] || die "pip download gave no ansible $ANSIBLE_BUNDLE_VERSION wheel"
    fi
    log "extracting ${BUNDLED_COLLECTIONS[*]} from $(basename "$wheel")"
    "$python" - "$wheel" "$site" "${BUNDLED_COLLECTIONS[@]}" <<'PY'
import os
import shutil
import sys
import zipfile

wheel, site, collections = sys.argv[1], sys.argv[2], sys.argv[3:]
prefixes = ["ansible_collections/%s/" % name for name in collections]
for prefix in prefixes:
    shutil.rmtree(os.path.join(site, prefix), ignore_errors=True)
with zipfile.ZipFile(wheel) as archive:
    members = [m for m in archive.namelist() if any(m.startswith(p) for p in prefixes)]
    for prefix in prefixes:
        if not any(m.startswith(prefix) for m in members):
            sys.exit("%s is not in %s" % (prefix, wheel))
    archive.extractall(site, members)
print("%d files extracted" % len(members), file=sys.stderr)
PY
    touch "$stamp"
}

# ------------------------------------------------------------------ 5. ansible-test pip bootstrap
ansible_test_pip() {
    local version cache underscored
    version="$("$TCM_PYTHON" -c '
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])')"
    cache="$HOME/.ansible/test/cache"
    underscored="${version//./_}"
    mkdir -p "$cache"
    if ! compgen -G "$cache/pip-$version-*.whl" >/dev/null; then
        log "downloading pip $version for ansible-test's virtual environments"
        "$TCM_PYTHON" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
            -d "$cache" "pip==$version"
    fi
    if ! cmp -s "$TCM_ROOT/scripts/get_pip_offline.py" "$cache/get_pip_$underscored.py"; then
        install -m 0644 "$TCM_ROOT/scripts/get_pip_offline.py" "$cache/get_pip_$underscored.py"
        log "installed ansible-test pip bootstrap stand-in for pip $version"
    else
        log "ansible-test pip bootstrap stand-in present (pip $version)"
    fi
}

# ------------------------------------------------------------------ 6. controller matrix venvs
# One small venv per other ansible-core release the collection declares (meta/runtime.yml), for
# `make controller-matrix`: that ansible-core, pytest and the collections the lab inventory names,
# nothing else (no molecule, no lint). The main venv is the 2.19 one. Each release runs on the
# newest Python of its controller range found on this machine: pyenv's, then the system's. No
# Python build is ever downloaded: a missing one is an error naming what to install.
matrix_python() {
    local lo=$1 hi=$2 minor candidate root="${PYENV_ROOT:-$HOME/.pyenv}"
    for ((minor = ${hi#3.}; minor >= ${lo#3.}; minor--)); do
        for candidate in $(ls -d "$root"/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -V -r) \
            /usr/local/bin/python3."$minor" /usr/bin/python3."$minor"; do
            [[ -x $candidate ]] || continue
            # A pyenv shim or a broken build must not count: ask the interpreter itself.
            if "$candidate" -c "import sys, venv, ensurepip, ssl; sys.exit(sys.version_info[:2] != (3, $minor))" \
                2>/dev/null; then
                echo "$candidate"
                return
            fi
        done
    done
    return 1
}

matrix_venv() {
    local core=$1 lo=$2 hi=$3 dir python want spec
    dir="$(matrix_venv_dir "$core")"
    python="$(matrix_python "$lo" "$hi")" ||
        die "ansible-core $core needs a controller Python $lo-$hi: none found in ${PYENV_ROOT:-$HOME/.pyenv}/versions, /usr/local/bin or /usr/bin (install one, e.g. pyenv install $hi)"
    spec="ansible-core==$core pytest==$MATRIX_PYTEST"
    want="$({ echo "$spec $ANSIBLE_BUNDLE_VERSION"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
    if [[ -f "$dir/.tcm-matrix.sha256" ]] && [[ "$(cat "$dir/.tcm-matrix.sha256")" == "$want" ]] &&
        "$dir/bin/python" -c 'import ansible, pytest' 2>/dev/null; then
        log "venv for ansible-core $core up to date ($dir)"
        return
    fi
    log "creating $dir: $spec on $("$python" -c 'import platform; print(platform.python_version())') ($python)"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    # shellcheck disable=SC2086 # spec is a list of requirements
    "$dir/bin/python" -m pip install -q --disable-pip-version-check $spec
    bundled_collections "$dir/bin/python"
    echo "$want" >"$dir/.tcm-matrix.sha256"
}

mitogen() {
    # Its own directory, redone when the pinned release changes: a plain copy that ansible-core's
    # strategy loader finds through ANSIBLE_STRATEGY_PLUGINS (the plugin puts its parent on sys.path).
    local want stamp_file="$TCM_MITOGEN_DIR/.tcm-requirements.sha256"
    want="$(sha256sum "$TCM_ROOT/scripts/requirements-mitogen.txt" | cut -d' ' -f1)"
    if [[ -f "$stamp_file" ]] && [[ "$(cat "$stamp_file")" == "$want" ]]; then
        log "mitogen up to date ($TCM_MITOGEN_DIR)"
        return
    fi
    rm -rf "$TCM_MITOGEN_DIR"
    "$TCM_PYTHON" -m pip install -q --disable-pip-version-check --no-deps --target "$TCM_MITOGEN_DIR" \
        -r "$TCM_ROOT/scripts/requirements-mitogen.txt"
    echo "$want" >"$stamp_file"
    log "mitogen ready ($TCM_MITOGEN_DIR)"
}

controller_matrix() {
    local core lo hi
    while read -r core lo hi; do
        matrix_venv "$core" "$lo" "$hi"
    done < <(matrix_entries)
}

matrix_entries() {
    grep -v -e '^#' -e '^[[:space:]]*$' "$CONTROLLER_MATRIX"
}

# Where the venv of one release lives: under build/ (ignored by git, the collection copy and lint).
matrix_venv_dir() {
    echo "$TCM_ROOT/build/venvs/core-$1"
}

main() {
    local with_docker=1
    case "${1:-}" in
        --no-docker) with_docker=0 ;;
        --controller-matrix)
            local start=$SECONDS
            controller_matrix
            log "controller matrix venvs ready in $((SECONDS - start))s"
            return
            ;;
        --list-controller-matrix)
            local core lo hi
            while read -r core lo hi; do echo "$core $(matrix_venv_dir "$core")"; done < <(matrix_entries)
            return
            ;;
        "") ;;
        *) die "unknown option $1 (usage: $0 [--no-docker | --controller-matrix | --list-controller-matrix])" ;;
    esac
    local start=$SECONDS
    if ((with_docker)); then
        apt_packages
        docker_engine
        pid_space
    else
        command -v rsync >/dev/null || apt_packages
    fi
    venv
    bundled_collections
    ansible_test_pip
    mitogen
    log "done in $((SECONDS - start))s"
}

main "$@"
