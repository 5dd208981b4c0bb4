#!/bin/bash
# Documentation checks of `make lint` (issue 15), offline:
#   1. antsibull-docs lint-collection-docs --plugin-docs on the collection copy: every plugin, filter
#      (sidecar plugins/filter/<name>.yml) and role entry point documented, markup valid;
#   2. antsibull-changelog lint: every fragment under changelogs/fragments is well formed;
#   3. galaxy-importer on the tarball `ansible-galaxy collection build` makes (ansible-doc and
#      ansible-lint inside it; no ansible-test, no container, see scripts/galaxy-importer.cfg). It
#      runs with HOME in a temporary directory: a tibero.cm installed under ~/.ansible/collections
#      would otherwise shadow the one being imported. Any WARNING or ERROR fails, except the
#      importer's notice that tests/sanity/ignore-*.txt exists.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[docs-lint] %s\n' "$*" >&2; }

[[ -d "$TCM_COLLECTION_DIR" ]] || bash "$TCM_ROOT/scripts/build_collection.sh"

start=$SECONDS
log "antsibull-docs lint-collection-docs --plugin-docs"
(cd "$TCM_COLLECTION_DIR" && antsibull-docs lint-collection-docs --plugin-docs .)
log "antsibull-changelog lint"
(cd "$TCM_ROOT" && antsibull-changelog lint)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "ansible-galaxy collection build + galaxy-importer"
ansible-galaxy collection build --output-path "$work/dist" "$TCM_ROOT" >/dev/null
tarball="$(find "$work/dist" -name 'tibero-cm-*.tar.gz')"
mkdir -p "$work/home"
rc=0
# In $work: the importer writes importer_result.json into its working directory.
(cd "$work" && env -u ANSIBLE_CONFIG -u ANSIBLE_COLLECTIONS_PATH HOME="$work/home" \
    GALAXY_IMPORTER_CONFIG="$TCM_ROOT/scripts/galaxy-importer.cfg" \
    python -m galaxy_importer.main "$tarball") >"$work/importer.log" 2>&1 || rc=$?
problems="$(grep -E '^(WARNING|ERROR)' "$work/importer.log" \
    | grep -v 'Ignore files skip ansible-test sanity tests' || true)"
if ((rc != 0)) || [[ -n "$problems" ]] || ! grep -q 'Importer processing completed successfully' "$work/importer.log"; then
    cat "$work/importer.log" >&2
    log "galaxy-importer failed (rc=$rc)"
    exit 1
fi
grep -E '^(Importing with|Linting|WARNING|Importer)' "$work/importer.log" >&2 || true
log "ok in $((SECONDS - start))s"
