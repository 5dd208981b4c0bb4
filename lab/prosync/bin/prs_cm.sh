# prs_cm.sh -- ProSync agent control for Tibero CM (lab simulation of ProSync 4).
# Sourced, under bash only, by $PRS_HOME/bin/prs_<CM_ID>.sh, which CM runs with START, PROBE, DOWN,
# KILL, NOTI or COMMIT <failed agent id> (seed 000, step 2). Functions:
#   start <timeout_cnt> <agent_id>                  start prs_agent, wait up to <timeout_cnt> s
#   probe [<timeout_cnt>] <agent_id>                0 when the agent runs on this node
#   stop <timeout_cnt> <agent_id>                   stop the agent and its processes
#   send <timeout_cnt> <agent_id> <failed_id>...    the local agent takes over the failed agents'
#                                                   processes (CM's COMMIT after an agent was lost)
# Logs: $PRS_HOME/var/prs_cm_<agent_id>.log (what was done) and prs_cm_sh_err_<agent_id>.log
# (the tools' stderr). The control itself goes through prs_agent's lab-only verbs.

_prs_cm_log() {  # <agent_id> <message...>
    local agent=$1
    shift
    mkdir -p "$PRS_HOME/var"
    echo "$(date '+%Y/%m/%d %H:%M:%S') [$$] $*" >> "$PRS_HOME/var/prs_cm_${agent}.log"
}

_prs_cm_agent() {  # <agent_id> <prs_agent arguments...>
    local agent=$1
    shift
    mkdir -p "$PRS_HOME/var"
    "$PRS_HOME/bin/prs_agent" "$@" >> "$PRS_HOME/var/prs_cm_${agent}.log" \
        2>> "$PRS_HOME/var/prs_cm_sh_err_${agent}.log"
}

_prs_cm_count() {  # <timeout_cnt>: a positive number, 7 (the seed's TIMEOUT_CNT) otherwise
    case "$1" in
        '' | *[!0-9]*) echo 7 ;;
        *) echo "$1" ;;
    esac
}

start() {
    local cnt agent=$2 i
    cnt=$(_prs_cm_count "$1")
    _prs_cm_log "$agent" "start: timeout cnt $cnt"
    if _prs_cm_agent "$agent" --probe "$agent"; then
        _prs_cm_log "$agent" "start: already running"
        return 0
    fi
    if ! _prs_cm_agent "$agent" "$agent"; then
        _prs_cm_log "$agent" "start: prs_agent $agent failed"
        return 1
    fi
    for ((i = 0; i <= cnt; i++)); do
        if _prs_cm_agent "$agent" --probe "$agent"; then
            _prs_cm_log "$agent" "start: prs_agent $agent is up"
            return 0
        fi
        sleep 1
    done
    _prs_cm_log "$agent" "start: prs_agent $agent not up after $cnt s"
    return 1
}

probe() {
    local agent="${!#}"
    _prs_cm_agent "$agent" --probe "$agent"
}

stop() {
    local cnt agent=$2
    cnt=$(_prs_cm_count "$1")
    _prs_cm_log "$agent" "stop: timeout cnt $cnt"
    _prs_cm_agent "$agent" --stop "$agent" "$cnt"
}

send() {
    local cnt agent=$2
    cnt=$(_prs_cm_count "$1")
    if [ $# -lt 3 ]; then
        _prs_cm_log "$agent" "send: no failed agent given"
        return 1
    fi
    _prs_cm_log "$agent" "send: take over ${*:3}"
    _prs_cm_agent "$agent" --takeover "$agent" "${@:3}"
}
