#!/bin/bash
# Copy the repository into build/collections/ansible_collections/tibero/cm, the layout that
# ansible-test, ansible-doc, ansible-lint and the unit tests need (a real directory, not a symlink).
# Only what the collection ships or tests: the lab, the benchmark, the scripts, caches and VCS data
# stay out. rsync --delete keeps the copy exact, so a file removed from the repo leaves the copy too.
# The copy is a git work tree of its own (never committed to): ansible-test lists a collection's files
# with git when it finds a .git above them, and would otherwise find this repository's, where build/
# is ignored, and test nothing.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

mkdir -p "$TCM_COLLECTION_DIR"
rsync -a --delete --delete-excluded --filter='P /.git/' \
    --exclude='/lab/' --exclude='/bench/' --exclude='/scripts/' --exclude='/.ci/' \
    --exclude='/.venv/' --exclude='/build/' --exclude='/.git/' --exclude='/.cache/' \
    --exclude='/tests/output/' --exclude='/molecule/*/.cache/' \
    --exclude='__pycache__/' --exclude='*.pyc' --exclude='.pytest_cache/' \
    "$TCM_ROOT/" "$TCM_COLLECTION_DIR/"
[[ -d "$TCM_COLLECTION_DIR/.git" ]] || git -C "$TCM_COLLECTION_DIR" init -q
echo "collection copied to $TCM_COLLECTION_DIR" >&2
