"""Simulated Tibero Standby Cluster (TSC) observer and auto-failover (AFO), after seed 004.

Three parts, all talking through $LAB_SHARED/tsc/<tscid>/ (the lab's "network"):
- the CM-side hook (`cm_tick`, `cm_leaving`), called by every DB-node CM daemon that has a service
  registered with --tscid: publishes the member heartbeat (members/<CM_NAME>.json), applies the
  primary-side rules (CM file I/O failure, isolation from observer and standby) and carries out the
  failover / switchover requests for its own DB instance;
- the observer daemon (`tbcmobs -b`): publishes observer_<port>.json, decides AFO with the seed's
  table (`afo_trigger`) and its timers, and writes the failover request into state.json;
- `cli(argv)`: `cmrctl set --tscid`, `show --tscid`, `switchover --tscid` and the observer's `show`.

Network failure of a node is the flag file $LAB_SHARED/netcut/<node> (`lab-netcut <node> on|off`):
heartbeats between a cut node and any other node are ignored in both directions.
The decision functions are pure (time passed in) so tests check every scenario x mode exactly.
"""

import contextlib
import os
import signal
import stat
import sys
import time

from labsim import common, tibero

OBSERVER_MODULE = "labsim.tsc"
PROTECTIVE, DISASTER_PLAN = "PROTECTIVE", "DIS_PLAN"
MODE_BY_OPTION = {"protective": PROTECTIVE, "disaster_plan": DISASTER_PLAN}
PRIMARY_MODES = ("NORMAL", "FAILOVER")
STANDBY_MODE = "RECOVERY"
INST_STAT = dict(tibero.CM_STATUS_BY_MODE, FAILOVER="UP(FAILOVER)")

# Timers (tip name -> seed default, seconds). The CMs read them from their CM tip, the standby's
# DB side (_STANDBY_NETWORK_TIMEOUT) from its DB tip; the observer uses what the primary publishes.
TIMER_DEFAULTS = {
    "_OBSERVER_EXPIRE_TIME": 60, "_CM_OBSERVER_EXPIRE": 60, "_CM_AUTOFAILOVER_WAIT_TIME": 10,
    "_STANDBY_NETWORK_TIMEOUT": 60, "_CM_MAX_IO_RETRY": 10, "CM_HEARTBEAT_EXPIRE": 300,
    "CM_NET_MARGIN": 0,
}

SHOW_TSC_WIDTHS = (10, 14, 8, 11, 6, 5, 13, 20)
SHOW_TSC_HEADER = ("FAILOVER", "MODE", "CLS_ID", "CM_NAME", "CONN", "LOG", "Heartbeat", "RCVD.TSN")
SHOW_OBS_WIDTHS = (7, 7, 12, 5, 8, 12, 8)
SHOW_OBS_HEADER = ("TSC_ID", "CLS_ID", "CM_NAME", "NID", "CM_STAT", "INST_STAT", "PRI/TAR")


def fresh_seconds():
    """A heartbeat older than this means its sender is not talking (several missed ticks)."""
    return max(1.5, 4 * common.conf_float("LAB_CM_TICK"))


def timers_from(*tips):
    """Timer values from tip dicts (later ones override), seed defaults for the rest."""
    values = dict(TIMER_DEFAULTS)
    for tip in tips:
        for key in TIMER_DEFAULTS:
            with contextlib.suppress(KeyError, ValueError):
                values[key] = float(tip[key])
    return values


def observer_gives_up(timers):
    """Seconds before the observer treats a silent primary as lost: the seed names both
    _CM_OBSERVER_EXPIRE and _OBSERVER_EXPIRE_TIME for it; the lab waits for the longer one."""
    return max(timers["_CM_OBSERVER_EXPIRE"], timers["_OBSERVER_EXPIRE_TIME"])


# ---------------------------------------------------------------- shared files

def tsc_dir(tscid):
    return common.shared_path("tsc", str(tscid))


def member_path(tscid, cm_name):
    return os.path.join(tsc_dir(tscid), "members", "%s.json" % cm_name)


def state_path(tscid):
    return os.path.join(tsc_dir(tscid), "state.json")


def events_path(tscid):
    return os.path.join(tsc_dir(tscid), "events.log")


def observer_doc_path(port):
    return common.shared_path("tsc", "observer_%s.json" % port)


def netcut_path(node):
    return common.shared_path("netcut", node)


def tsc_ids():
    try:
        names = os.listdir(common.shared_path("tsc"))
    except FileNotFoundError:
        return []
    return sorted(int(n) for n in names if n.isdigit())


def members(tscid):
    """Every member document ever published in a TSC: {cm_name: doc}."""
    directory = os.path.join(tsc_dir(tscid), "members")
    docs = {}
    with contextlib.suppress(FileNotFoundError):
        for name in sorted(os.listdir(directory)):
            doc = common.read_json(os.path.join(directory, name)) if name.endswith(".json") else None
            if doc:
                docs[doc["cm_name"]] = doc
    return docs


def read_state(tscid):
    return common.read_json_locked(state_path(tscid), {}) or {}


def log_event(tscid, message):
    common.append_log(events_path(tscid), message)


# ---------------------------------------------------------------- the lab's network

def cut(node):
    return os.path.exists(netcut_path(node))


def reachable(node_a, node_b):
    """Whether two nodes can talk: the same node always, otherwise neither may be cut off."""
    return node_a == node_b or not (cut(node_a) or cut(node_b))


def talking(doc, me, now):
    """A heartbeat document (member or observer) that is fresh and reaches node `me`."""
    return bool(doc) and doc.get("state") == "running" and \
        now - doc.get("ts", 0) <= fresh_seconds() and reachable(doc.get("node"), me)


def netcut(argv):
    """lab-netcut <node> on|off|status: cut a node off the TSC network, or restore it."""
    if len(argv) != 2 or argv[1] not in ("on", "off", "status"):
        common.die("Usage: lab-netcut <node> on|off|status")
    node, action = argv
    path = netcut_path(node)
    if action == "on":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("%s\n" % common.now())
    elif action == "off":
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    print("%s network: %s" % (node, "cut" if cut(node) else "connected"))
    return 0


# ---------------------------------------------------------------- pure decisions (seed 004 table)

class ClusterView:
    """What the observer knows of one cluster at one instant.

    talking: a CM of the cluster reaches the observer; left: its CMs said goodbye (tbcm -d);
    db_mode: the mode its CM reports for the DB (None = down); db_down_at / cluster_down_at: when its
    CM saw the DB go down / took the DB cluster down after CM file failures; link_lost_at (standby):
    when it stopped receiving logs from the primary.
    """

    def __init__(self, talking=True, left=False, db_mode=None, db_down_at=None,
                 cluster_down_at=None, link_lost_at=None):
        self.talking = talking
        self.left = left
        self.db_mode = db_mode
        self.db_down_at = db_down_at
        self.cluster_down_at = cluster_down_at
        self.link_lost_at = link_lost_at


def afo_trigger(mode, timers, primary, standby):
    """(scenario, since) when the observer should fail over once `since` + the wait has passed,
    else (None, None). Rows of seed 004's table:

    - DB abnormal / DB down: the primary CM talks and reports its DB down -> AFO in both modes.
    - CM file failure: the primary CM talks but took its cluster down -> DISASTER_PLAN only, after
      the observer's expiry (③) on top of the shutdown.
    - CM down (tbcm -d): the primary CM said goodbye -> never.
    - CM abnormal / network failure: the primary went silent -> DISASTER_PLAN only, once the standby
      lost the primary (immediately when the primary DB died, after _STANDBY_NETWORK_TIMEOUT when
      the network broke) and the observer's expiry passed since.
    PROTECTIVE needs a talking primary CM for any AFO. The standby must be up in recovery.
    """
    if not (standby.talking and standby.db_mode == STANDBY_MODE):
        return None, None
    if primary.talking and not primary.left:
        if primary.cluster_down_at is not None:
            if mode == DISASTER_PLAN:
                return "cmfile_failure", primary.cluster_down_at + observer_gives_up(timers)
            return None, None
        if primary.db_mode is None and primary.db_down_at is not None:
            return "db_down", primary.db_down_at
        return None, None
    if primary.left or mode != DISASTER_PLAN or standby.link_lost_at is None:
        return None, None
    return "primary_lost", standby.link_lost_at + observer_gives_up(timers)


def afo_due(mode, timers, primary, standby, now):
    """The scenario name when AFO must happen at `now` (trigger held for the wait time)."""
    reason, since = afo_trigger(mode, timers, primary, standby)
    if reason and now >= since + timers["_CM_AUTOFAILOVER_WAIT_TIME"]:
        return reason
    return None


def cmfile_shutdown_due(timers, io_failing_since, now):
    """Seed 004 [6]: the CM takes the DB cluster down after min(_CM_MAX_IO_RETRY, CM_HEARTBEAT_EXPIRE)."""
    limit = min(timers["_CM_MAX_IO_RETRY"], timers["CM_HEARTBEAT_EXPIRE"])
    return io_failing_since is not None and now - io_failing_since >= limit


def isolation_due(timers, observer_seen_at, standby_seen_at, now):
    """Seed 004 [5]: a primary CM that hears neither the observer nor the standby for the expiry
    takes its DB and itself down (only once it has known an observer: no observer, no isolation)."""
    if observer_seen_at is None:
        return False
    last_contact = max(observer_seen_at, standby_seen_at or 0)
    return now - last_contact >= observer_gives_up(timers)


def link_lost_at(timers, primary_visible, primary_open, last_received, now):
    """When the standby stopped receiving logs, or None while it receives them.

    A primary that is visible but closed resets the connection at once; an unreachable one is
    noticed after _STANDBY_NETWORK_TIMEOUT (seed: "Primary connection count is changed. 1 -> 0").
    """
    if primary_visible and primary_open:
        return None
    if primary_visible:
        return last_received
    if now - last_received >= timers["_STANDBY_NETWORK_TIMEOUT"]:
        return last_received + timers["_STANDBY_NETWORK_TIMEOUT"]
    return None


def cmfile_unusable(path):
    """The CM file is gone or has no read permission (also for root, who ignores permissions)."""
    try:
        return not stat.S_IMODE(os.stat(path).st_mode) & 0o444
    except OSError:
        return True
