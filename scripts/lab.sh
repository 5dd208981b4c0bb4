#!/bin/bash
# The rehearsal lab: the seed's 4-node ProSync CM failover topology in Docker containers.
#
#   scripts/lab.sh up        bootstrap, lab image, network, shared volume, containers node1..node4,
#                            topology + lab.conf on the shared volume, lab-provision on every node,
#                            this machine's SSH key (scripts/lab_ssh_key.sh) for the login user tcmadm
#   scripts/lab.sh converge  ansible-playbook site.yml -i inventories/lab (against the built collection),
#                            over SSH as tcmadm (sshd -i through docker exec, no port, no address)
#   scripts/lab.sh status    `prs_adm status` and `cmrctl show all`, as the site's users, on node1
#   scripts/lab.sh down      remove the containers, the network and the shared volume
#
# Names: containers tibero-lab-node<N> (hostname node<N>), network tibero-lab, volume
# tibero-lab-shared mounted at /lab/shared. `up` is idempotent: on a running lab it changes nothing;
# a lab made from an older image or another topology must be taken down first.
# Environment: TIBERO_LAB_TOPOLOGY (default lab/topologies/prosync.json), TIBERO_LAB_CONF (a lab.conf
# to use instead of the topology's <name>.conf, see lab/README.md), TIBERO_LAB_NODES (default 4),
# TIBERO_LAB_PREFIX (default tibero-lab: the prefix of every name above; a second lab runs beside the
# first under another prefix, and converge then points the inventory's hosts at its containers).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

PREFIX="${TIBERO_LAB_PREFIX:-tibero-lab}"
NETWORK=$PREFIX
VOLUME=$PREFIX-shared
NODES="${TIBERO_LAB_NODES:-4}"
TOPOLOGY="${TIBERO_LAB_TOPOLOGY:-$TCM_ROOT/lab/topologies/prosync.json}"
STATUS_NODE=node1

log() { printf '[lab] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

container() { echo "$PREFIX-$1"; }
node_names() { local i; for ((i = 1; i <= NODES; i++)); do echo "node$i"; done; }
exists() { docker "$1" inspect "$2" >/dev/null 2>&1; }
running() { [[ "$(docker container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" == true ]]; }

# The lab.conf that goes with the topology: $TIBERO_LAB_CONF, else <topology>.conf beside it, else
# the documented defaults (an empty lab.conf).
lab_conf_source() {
    if [[ -n "${TIBERO_LAB_CONF:-}" ]]; then
        echo "$TIBERO_LAB_CONF"
    elif [[ -f "${TOPOLOGY%.json}.conf" ]]; then
        echo "${TOPOLOGY%.json}.conf"
    fi
}

write_lab_conf() {
    local dest="$1" src
    src="$(lab_conf_source)"
    if [[ -n "$src" ]]; then
        cp "$src" "$dest"
    else
        printf '# lab.conf: every key at its default (lab/README.md)\n' > "$dest"
    fi
}

# Copy topology.json and lab.conf onto the shared volume through the first container.
seed_shared_volume() {
    local first tmp
    first="$(container node1)"
    if docker exec "$first" test -f /lab/shared/topology.json; then
        if ! docker exec -i "$first" cmp -s - /lab/shared/topology.json < "$TOPOLOGY"; then
            die "the running lab was made from another topology than $TOPOLOGY: run '$0 down' first"
        fi
        log "shared volume already holds this topology"
        return
    fi
    tmp="$(mktemp -d)"
    cp "$TOPOLOGY" "$tmp/topology.json"
    write_lab_conf "$tmp/lab.conf"
    docker cp "$tmp/lab.conf" "$first:/lab/shared/lab.conf"
    docker cp "$tmp/topology.json" "$first:/lab/shared/topology.json"
    docker exec "$first" chmod 0644 /lab/shared/lab.conf /lab/shared/topology.json
    rm -rf "$tmp"
    log "topology $(basename "$TOPOLOGY") and lab.conf written to the shared volume"
}

start_node() {
    local node="$1" image="$2" name current
    name="$(container "$node")"
    if exists container "$name"; then
        current="$(docker container inspect -f '{{.Config.Image}}' "$name")"
        [[ "$current" == "$image" ]] \
            || die "$name runs $current, the lab image is now $image: run '$0 down' first"
        if running "$name"; then
            log "$name running"
        else
            log "starting stopped $name"
            docker start "$name" >/dev/null
        fi
        return
    fi
    log "creating $name (hostname $node)"
    docker run -d --name "$name" --hostname "$node" \
        --network "$NETWORK" --network-alias "$node" \
        --mount "type=volume,source=$VOLUME,target=/lab/shared" \
        --label org.tibero-cm.lab=1 \
        "$image" /opt/lab/bin/lab-init >/dev/null
}

# lab-init is PID 1: a container that stopped right away has a broken image or lab-init.
check_running() {
    local name="$1"
    sleep 1
    running "$name" && return
    docker logs --tail 20 "$name" >&2 || true
    die "$name stopped right after it started (its log is above)"
}

cmd_up() {
    local start=$SECONDS image node key
    [[ -f "$TOPOLOGY" ]] || die "topology $TOPOLOGY not found"
    bash "$TCM_ROOT/scripts/bootstrap.sh"
    image="$(bash "$TCM_ROOT/lab/image/build.sh" | tail -n1)"
    exists network "$NETWORK" || docker network create --label org.tibero-cm.lab=1 "$NETWORK" >/dev/null
    exists volume "$VOLUME" || docker volume create --label org.tibero-cm.lab=1 "$VOLUME" >/dev/null
    for node in $(node_names); do
        start_node "$node" "$image"
    done
    for node in $(node_names); do
        check_running "$(container "$node")"
    done
    seed_shared_volume
    key="$(bash "$TCM_ROOT/scripts/lab_ssh_key.sh")"
    for node in $(node_names); do
        log "lab-provision on $node"
        docker exec "$(container "$node")" /opt/lab/bin/lab-provision
        # Ansible logs in as tcmadm with this machine's key (inventories/lab); lab.sh itself stays root.
        docker exec -i "$(container "$node")" /opt/lab/bin/lab-authorize-key < "$key.pub"
    done
    log "lab up in $((SECONDS - start))s (image $image)"
}

cmd_converge() {
    local start=$SECONDS node
    for node in $(node_names); do
        running "$(container "$node")" || die "$(container "$node") is not running: run '$0 up' first"
    done
    bash "$TCM_ROOT/scripts/build_collection.sh"
    local inventories=(-i inventories/lab) override=""
    if [[ "$PREFIX" != tibero-lab ]]; then
        # inventories/lab names the default containers; a later inventory source wins for host vars.
        override="$(mktemp --suffix=.yml)"
        # shellcheck disable=SC2064  # expand now
        trap "rm -f '$override'" EXIT
        {
            echo "all:"
            echo "  hosts:"
            for node in $(node_names); do
                echo "    $node: {ansible_host: $(container "$node")}"
            done
        } > "$override"
        inventories+=(-i "$override")
    fi
    (cd "$TCM_ROOT" && ansible-playbook site.yml "${inventories[@]}" "$@")
    log "converged in $((SECONDS - start))s"
}

cmd_status() {
    local name
    name="$(container "$STATUS_NODE")"
    running "$name" || die "$name is not running: run '$0 up' first"
    # Login shells, as an operator would: the users' profiles set TB_SID / CM_SID / PATH.
    echo "--- prs_adm status (prosync@$STATUS_NODE)"
    docker exec -u prosync -w /home/prosync "$name" bash -lc 'prs_adm -c status' </dev/null
    echo "--- cmrctl show all (tibero@$STATUS_NODE)"
    docker exec -u tibero -w /home/tibero "$name" bash -lc 'cmrctl show all'
}

cmd_down() {
    local name
    for name in $(docker ps -a --filter "name=^$PREFIX-node[0-9]+\$" --format '{{.Names}}'); do
        log "removing $name"
        docker rm -f "$name" >/dev/null
    done
    if exists network "$NETWORK"; then log "removing network $NETWORK"; docker network rm "$NETWORK" >/dev/null; fi
    if exists volume "$VOLUME"; then log "removing volume $VOLUME"; docker volume rm "$VOLUME" >/dev/null; fi
    log "lab down"
}

case "${1:-}" in
    up) cmd_up ;;
    converge) shift; cmd_converge "$@" ;;
    status) cmd_status ;;
    down) cmd_down ;;
    *) echo "usage: $0 up | converge [ansible-playbook options] | status | down" >&2; exit 2 ;;
esac
