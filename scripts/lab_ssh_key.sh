#!/bin/bash
# The lab's SSH key pair, made once per machine (never committed): prints the private key's path.
# scripts/lab.sh up and molecule create give the public key to each container's login user
# (lab-authorize-key); inventories/lab, inventories/tsc_lab and molecule read the private key from
# TCM_LAB_SSH_KEY (scripts/env.sh), the same path.
set -euo pipefail
key="${TCM_LAB_SSH_KEY:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/lab/ssh/id_ed25519}"
mkdir -p "$(dirname "$key")"
chmod 0700 "$(dirname "$key")"
# Two lab starts at once make the pair once.
exec {lock_fd}>"$(dirname "$key")/.lock"
flock "$lock_fd"
if [[ ! -f "$key" || ! -f "$key.pub" ]]; then
    rm -f "$key" "$key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "tibero-cm-lab@$(hostname)" -f "$key"
fi
echo "$key"
