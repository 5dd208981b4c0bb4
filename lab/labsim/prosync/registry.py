"""State the agents of every node share through $LAB_SHARED/prosync (see layout.py).

- heartbeats: agents/<id>.json, rewritten by the live agent every tick;
- fences: agents/<id>.fence.json, written when CM tells a surviving agent (COMMIT -> `send`) that an
  agent failed; it condemns that agent's current incarnation only, so a restarted agent is live again;
- the catalogue: <INSTANCE>/layout.json, the processes of an installed instance and their agent lists;
- claims: <INSTANCE>/claims.json, which agent runs each process now. A process is started only when no
  other live agent claims it, so a process never runs twice during a hand-over;
- shutdown: <INSTANCE>/admin.json, present after `prs_adm shutd <INSTANCE> abort` until
  `prs_adm start <INSTANCE>`: no agent runs a process of the instance meanwhile.
"""

import os

from labsim import common
from labsim.prosync import layout

# lab.conf keys of the ProSync simulation (documented in lab/README.md, section ProSync).
CONF_DEFAULTS = {
    "LAB_PRS_TICK": 0.5,              # agent loop period (placement, child watch, heartbeat)
    "LAB_PRS_HEARTBEAT_EXPIRE": 3.0,  # an agent silent this long is lost; others take over
}

# The agent daemon's module: in its argv, so a pid check cannot mistake a recycled pid for it.
DAEMON_MODULE = "labsim.prosync.agent"

STATE_RUNNING = "running"
STATE_STOPPED = "stopped"
STATE_FENCED = "fenced"


def conf_seconds(key):
    try:
        return float(common.lab_conf().get(key, CONF_DEFAULTS[key]))
    except ValueError:
        return CONF_DEFAULTS[key]


# ---------------------------------------------------------------- heartbeats and fences

def read_heartbeat(agent_id):
    return common.read_json(layout.heartbeat_file(agent_id))


def write_heartbeat(agent_id, record):
    common.write_json_atomic(layout.heartbeat_file(agent_id), record)


def read_fence(agent_id):
    return common.read_json(layout.fence_file(agent_id))


def fence(agent_id, by_agent):
    """Declare the current incarnation of `agent_id` failed. Returns the fence, None if not running."""
    record = read_heartbeat(agent_id)
    if not record or record.get("state") != STATE_RUNNING:
        return None
    entry = {"agent": agent_id, "incarnation": record["incarnation"], "by": by_agent,
             "node": common.lab_node(), "at": common.now()}
    common.write_json_atomic(layout.fence_file(agent_id), entry)
    return entry


def is_fenced(record):
    entry = read_fence(record.get("agent", ""))
    return bool(entry) and entry.get("incarnation") == record.get("incarnation")


def heartbeat_live(record, now=None):
    """An agent counts as live while it says it runs, is fresh, and was not declared failed."""
    if not record or record.get("state") != STATE_RUNNING:
        return False
    age = (now or common.now()) - record.get("heartbeat", 0)
    if age > conf_seconds("LAB_PRS_HEARTBEAT_EXPIRE"):
        return False
    return not is_fenced(record)


def agent_live(agent_id):
    return heartbeat_live(read_heartbeat(agent_id))


def running_here(agent_id):
    """The heartbeat of `agent_id` if its daemon is live on this node (its pid checked too)."""
    record = read_heartbeat(agent_id)
    if (heartbeat_live(record) and record.get("node") == common.lab_node()
            and common.pid_alive(record.get("pid"), DAEMON_MODULE)):
        return record
    return None


# ---------------------------------------------------------------- catalogue and claims

def read_catalogue(instance_id):
    return common.read_json(layout.catalogue_file(instance_id))


def catalogues():
    """Every installed instance's layout, in instance id order."""
    result = []
    for instance_id in layout.catalogue_instances():
        entry = read_catalogue(instance_id)
        if entry:
            result.append(entry)
    return result


def publish_catalogue(entry):
    """Install (or reinstall) an instance: new layout, claims forgotten (the agents restart all)."""
    instance_id = entry["instance"]
    common.write_json_atomic(layout.catalogue_file(instance_id), entry)
    with common.json_update(layout.claims_file(instance_id), {}) as claims:
        claims.clear()


def admin_shutdown(instance_id):
    """The `prs_adm shutd <inst> abort` record of an instance, None when it may run."""
    return common.read_json(layout.admin_file(instance_id))


def set_admin_shutdown(instance_id, mode):
    """`shutd <inst> <mode>` (mode set): agents stop its processes; `start <inst>` (None): they run it."""
    if mode is None:
        try:
            os.remove(layout.admin_file(instance_id))
        except FileNotFoundError:
            pass
        return
    common.write_json_atomic(layout.admin_file(instance_id),
                             {"mode": mode, "node": common.lab_node(), "at": common.now()})


def read_claims(instance_id):
    return common.read_json(layout.claims_file(instance_id), {})


def process_label(process):
    """How prs_adm names a process: ext and llob carry their number, apply does not (seed 000)."""
    if process["kind"] in ("ext", "llob"):
        return "%s (%d)" % (process["name"], process["number"])
    return process["name"]


def first_live_agent(agent_list, live):
    for agent_id in agent_list:
        if agent_id in live:
            return agent_id
    return None


def live_agents(agent_ids):
    return {agent_id for agent_id in agent_ids if agent_live(agent_id)}


def all_listed_agents(catalogue):
    return {agent for process in catalogue["processes"] for agent in process["agents"]}
