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
OBSERVER_READY_TIMEOUT = 30  # tbcmobs -b: seconds for a new observer to write its pid file
# MODE words of `cmrctl show --tscid` (vendor facts TSC-3; aws-ia deployment guide screenshots).
PROTECTIVE, DISASTER_PLAN = "PROTECTIVE", "DISASTER_PLAN"
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
    """A heartbeat older than this means its sender is not talking (several missed ticks; generous
    so that a CPU-starved CM on a loaded lab host does not flap between talking and silent)."""
    return max(3.0, 8 * common.conf_float("LAB_CM_TICK"))


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
    return common.read_json(state_path(tscid), {}) or {}


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


# ---------------------------------------------------------------- the CM side (hook in cm.CMDaemon)

class MemberMemory:
    """What one CM daemon remembers between ticks (lost with the process, like a real CM's)."""

    def __init__(self, now):
        self.started = now
        self.observer_seen_at = None
        self.standby_seen_at = now
        self.last_received = now
        self.rcvd_tsn = 0
        self.io_failing_since = None
        self.cluster_down_at = None
        self.db_mode = None
        self.db_down_at = None
        self.services = []


_MEMORY = {}


def leaving_marker(cm):
    return os.path.join(cm.runtime_dir, "lab_tsc_leaving")


def tsc_services(cm, memory):
    """This CM's services registered with --tscid; remembered while the CM file is unreadable."""
    from labsim import cm as cmlib  # late import: cm imports this module
    found = []
    for cluster in cm.clusters():
        path = cmlib.cluster_file_path(cluster)
        if cmfile_unusable(path):
            return memory.services
        for svc in cmlib.of_type(cmlib.read_cluster_file(cluster)["resources"], "service"):
            if svc.get("tscid"):
                found.append(dict(svc, cmfile=path))
    memory.services = found
    return found


def local_db(cm):
    """(dbhome, sid, db_name) of this node's db resource, or None."""
    from labsim import cm as cmlib
    for db in cmlib.of_type(cm.resources(), "db"):
        tip = common.read_kv_file(os.path.join(db["dbhome"], "config", "%s.tip" % db["name"]))
        return db["dbhome"], db["name"], tip.get("DB_NAME", ""), tip
    return None


def db_mode_of(db):
    state = tibero.running_instance(db[0], db[1]) if db else None
    return state["mode"] if state else None


def kill_db(db, why, tscid):
    """The CM shuts its DB down (abnormal) on its own initiative."""
    if db and tibero.running_instance(db[0], db[1]):
        tibero.shutdown(db[0], db[1], "ABNORMAL")
    log_event(tscid, why)


def cm_tick(daemon):
    """Called by every CM daemon tick. Returns "stop" when the CM must go down (isolated primary)."""
    cm = daemon.cm
    now = common.now()
    memory = _MEMORY.setdefault(cm.name, MemberMemory(now))
    services = tsc_services(cm, memory)
    if not services:
        return None
    svc = services[0]
    tscid, me = int(svc["tscid"]), common.lab_node()
    db = local_db(cm)
    timers = timers_from(cm.tip, db[3] if db else {})
    state = read_state(tscid)
    carry_out_request(cm, db, tscid, state)
    track_db(memory, db_mode_of(db), now)
    check_cmfile(memory, timers, svc["cmfile"], db, tscid, cm.name, now)
    role = role_of(state, svc["cname"])
    peers = members(tscid)
    observer = common.read_json(observer_doc_path(svc.get("obsport")))
    if talking(observer, me, now):
        memory.observer_seen_at = now
    others = [d for d in peers.values() if d["cluster"] != svc["cname"]]
    if any(talking(d, me, now) for d in others):
        memory.standby_seen_at = now
    link_lost = None
    if role == "standby":
        link_lost = track_primary_link(memory, timers, others, me, now)
    publish_member(cm, memory, svc, db, timers, link_lost, now)
    if role == "primary" and db_mode_of(db) and \
            isolation_due(timers, memory.observer_seen_at, memory.standby_seen_at, now):
        kill_db(db, "%s: no observer and no standby for %ss: primary DB and CM go down"
                % (cm.name, observer_gives_up(timers)), tscid)
        return "stop"
    return None


def track_db(memory, mode, now):
    """Remember when the DB went down under a running CM (not when the CM took the cluster down)."""
    if mode is None and memory.db_mode is not None and memory.cluster_down_at is None:
        memory.db_down_at = now
    if mode is not None:
        memory.db_down_at = None
    memory.db_mode = mode


def check_cmfile(memory, timers, path, db, tscid, cm_name, now):
    if not cmfile_unusable(path):
        memory.io_failing_since = memory.cluster_down_at = None
        return
    if memory.io_failing_since is None:
        memory.io_failing_since = now
        log_event(tscid, "%s: CM file I/O failed: %s" % (cm_name, path))
    if memory.cluster_down_at is None and cmfile_shutdown_due(timers, memory.io_failing_since, now):
        memory.cluster_down_at = now
        memory.db_down_at = None
        kill_db(db, "%s: CM file failure: DB cluster down" % cm_name, tscid)


def track_primary_link(memory, timers, others, me, now):
    """Standby side: is the primary DB still sending logs? Returns link_lost_at or None."""
    primary = next(iter(others), None)
    visible = bool(primary) and reachable(primary.get("node"), me)
    open_now = visible and primary_instance_open(primary)
    if open_now:
        memory.last_received = now
        memory.rcvd_tsn += 1
    return link_lost_at(timers, visible, open_now, memory.last_received, now)


def instance_mode(doc):
    """The mode the DB instance of a member document advertises itself (fresh tbsvr entry), or None."""
    entry = common.read_json(tibero.open_instance_path(doc.get("db_name") or "", doc.get("db_sid") or ""))
    if entry and common.now() - entry.get("ts", 0) < tibero.INSTANCE_FRESH_SECONDS:
        return entry.get("mode")
    return None


def primary_instance_open(doc):
    return instance_mode(doc) in PRIMARY_MODES


def publish_member(cm, memory, svc, db, timers, link_lost, now):
    marker = leaving_marker(cm)
    left = os.path.exists(marker) and os.path.getmtime(marker) >= memory.started
    doc = {"cm_name": cm.name, "node": common.lab_node(), "cluster": svc["cname"],
           "tscid": int(svc["tscid"]), "obsip": svc.get("obsip"), "obsport": svc.get("obsport"),
           "nid": (cm.cm_id() or 0) + 1, "state": "stopped" if left else "running", "left": left,
           "ts": now, "db_sid": db[1] if db else None, "db_name": db[2] if db else None,
           "db_mode": memory.db_mode, "db_down_at": memory.db_down_at,
           "cluster_down_at": memory.cluster_down_at, "link_lost_at": link_lost,
           "rcvd_tsn": memory.rcvd_tsn, "timers": timers}
    if cut(common.lab_node()) and not left:
        return  # nobody hears a cut-off node; its last heartbeat simply ages
    common.write_json_atomic(member_path(doc["tscid"], cm.name), doc)


def cm_leaving(cm):
    """Called by `tbcm -d` before it takes the DB down: the CM says goodbye (seed 004 [2])."""
    marker = leaving_marker(cm)
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    with open(marker, "w") as handle:
        handle.write("%s\n" % common.now())
    for tscid in tsc_ids():
        doc = common.read_json(member_path(tscid, cm.name))
        if doc:
            doc.update(state="stopped", left=True, ts=common.now())
            common.write_json_atomic(member_path(tscid, cm.name), doc)


def role_of(state, cluster):
    if state.get("primary") == cluster:
        return "primary"
    if state.get("standby") == cluster:
        return "standby"
    return None


def carry_out_request(cm, db, tscid, state):
    """Reboot the local DB in the mode a failover/switchover request asks of this cluster."""
    request = state.get("request") or {}
    clusters = cm.clusters()
    wanted = [mode for cluster, mode in request.get("modes", {}).items() if cluster in clusters]
    if not wanted or cm.name in request.get("done", []) or db is None:
        return
    home, sid, db_name, _tip = db
    if db_mode_of(db) != wanted[0]:
        if tibero.running_instance(home, sid):
            tibero.shutdown(home, sid, "SWITCHOVER")
        tibero.start_tbsvr(home, sid, wanted[0], db_name)
    with common.json_update(state_path(tscid), {}) as data:
        if (data.get("request") or {}).get("seq") == request.get("seq"):
            done = data["request"].setdefault("done", [])
            done.append(cm.name)
            data["request"]["finished"] = set(data["request"].get("expect", [])) <= set(done)
    log_event(tscid, "%s: %s: DB %s now %s" % (cm.name, request.get("op"), sid, wanted[0]))


# ---------------------------------------------------------------- roles and views

def ensure_roles(tscid, docs):
    """state.json roles: CLS_ID order (first registered first) and which cluster is primary, set
    once from the DB modes the CMs report; failover and switchover swap them afterwards."""
    with common.json_update(state_path(tscid), {}) as state:
        clusters = state.setdefault("clusters", [])
        for doc in sorted(docs.values(), key=lambda d: d.get("db_mode") not in PRIMARY_MODES):
            if doc["cluster"] not in clusters:
                clusters.append(doc["cluster"])
        if not state.get("primary"):
            primary = [d["cluster"] for d in docs.values() if d.get("db_mode") in PRIMARY_MODES]
            if primary and len(clusters) > 1:
                state["primary"] = primary[0]
                state["standby"] = [c for c in clusters if c != primary[0]][0]
        return dict(state)


def cluster_view(docs, me, now):
    """Fold the member documents of one cluster into a ClusterView (first talking CM = master)."""
    live = [d for d in docs if talking(d, me, now) and not d.get("left")]
    head = live[0] if live else None
    return ClusterView(
        talking=bool(live), left=bool(docs) and all(d.get("left") for d in docs),
        db_mode=head.get("db_mode") if head else None,
        db_down_at=head.get("db_down_at") if head else None,
        cluster_down_at=head.get("cluster_down_at") if head else None,
        link_lost_at=head.get("link_lost_at") if head else None)


def request_pending(state, now):
    request = state.get("request") or {}
    return bool(request) and not request.get("finished") and now - request.get("ts", 0) < 60


# ---------------------------------------------------------------- the observer daemon

class Observer:
    """`tbcmobs -b`: watches the TSCs whose services point at its port and fails over."""

    def __init__(self):
        self.home = common.require_env("TB_HOME", "tbcmobs")
        self.sid = common.require_env("CM_SID", "tbcmobs")
        self.tip = common.read_tip(self.sid)
        self.name = self.tip.get("CM_NAME", self.sid)
        self.port = self.tip.get("CM_OBSERVER_PORT", "")
        self.node = common.lab_node()
        self.started = common.now()
        self.modes = {}        # tscid -> mode; in memory only: PROTECTIVE after every start
        self.heard = {}        # (tscid, cm_name) -> last time heard
        self.counting = {}     # tscid -> reason being counted down
        self.stopping = False

    def run(self):
        common.daemon_started("tbcmobs")
        signal.signal(signal.SIGTERM, self.request_stop)
        self.publish(common.now())  # reachable before tbcmobs -b returns (it waits for the pid file)
        write_observer_pid(self.home, self.sid, os.getpid())
        tick = min(0.5, common.conf_float("LAB_CM_TICK"))
        while not self.stopping:
            try:
                self.tick(common.now())
            except Exception as exc:  # keep observing; a real observer logs and carries on
                common.append_log(observer_log(self.home, self.sid), "[ERROR] %r" % exc)
            time.sleep(tick)
        self.publish(common.now(), state="stopped")

    def request_stop(self, _signum, _frame):
        self.stopping = True

    def my_tscs(self):
        return [t for t in tsc_ids()
                if any(str(d.get("obsport")) == self.port for d in members(t).values())]

    def tick(self, now):
        for tscid in self.my_tscs():
            self.take_mode_request(tscid)
            self.step(tscid, now)
        self.publish(now)

    def take_mode_request(self, tscid):
        request = common.read_json(os.path.join(tsc_dir(tscid), "mode_request.json")) or {}
        if request.get("ts", 0) >= self.started and self.modes.get(tscid) != request.get("mode"):
            self.modes[tscid] = request["mode"]
            log_event(tscid, "observer %s: mode %s" % (self.name, request["mode"]))

    def connected(self, tscid, doc, timers, now):
        """CONN: heard within _OBSERVER_EXPIRE_TIME and not gone with tbcm -d."""
        key = (tscid, doc["cm_name"])
        if talking(doc, self.node, now):
            self.heard[key] = now
        if doc.get("left"):
            return False
        return now - self.heard.get(key, -1e9) < timers["_OBSERVER_EXPIRE_TIME"]

    def step(self, tscid, now):
        docs = members(tscid)
        state = ensure_roles(tscid, docs)
        primary = [d for d in docs.values() if d["cluster"] == state.get("primary")]
        standby = [d for d in docs.values() if d["cluster"] == state.get("standby")]
        timers = timers_from(*(d.get("timers", {}) for d in primary))
        self.conn = getattr(self, "conn", {})
        self.conn[tscid] = {d["cm_name"]: self.connected(tscid, d, timers, now) for d in docs.values()}
        if not primary or not standby or request_pending(state, now):
            return
        mode = self.modes.get(tscid, PROTECTIVE)
        pview, sview = cluster_view(primary, self.node, now), cluster_view(standby, self.node, now)
        reason, since = afo_trigger(mode, timers, pview, sview)
        if reason and now >= since and self.counting.get(tscid) != reason:
            log_event(tscid, "observer %s: Start count down auto failover. (%s, %ss)"
                      % (self.name, reason, timers["_CM_AUTOFAILOVER_WAIT_TIME"]))
        self.counting[tscid] = reason if reason and now >= since else None
        if afo_due(mode, timers, pview, sview, now):
            self.fail_over(tscid, reason, mode, now)

    def fail_over(self, tscid, reason, mode, now):
        with common.json_update(state_path(tscid), {}) as state:
            old, new = state["primary"], state["standby"]
            seq = (state.get("request") or {}).get("seq", 0) + 1
            state.update(primary=new, standby=old)
            state["request"] = {"seq": seq, "op": "failover", "ts": now, "modes": {new: "FAILOVER"},
                                "expect": [d["cm_name"] for d in members(tscid).values()
                                           if d["cluster"] == new and talking(d, self.node, now)],
                                "done": []}
            state.setdefault("history", []).append(
                {"ts": now, "op": "failover", "reason": reason, "mode": mode, "from": old, "to": new})
        self.counting[tscid] = None
        log_event(tscid, "observer %s: AUTO FAILOVER (%s, mode %s): %s -> %s"
                  % (self.name, reason, mode, old, new))

    def publish(self, now, state="running"):
        doc = {"name": self.name, "node": self.node, "port": self.port, "pid": os.getpid(),
               "state": state, "ts": now, "started": self.started,
               "modes": {str(k): v for k, v in self.modes.items()},
               "conn": {str(k): v for k, v in getattr(self, "conn", {}).items()}}
        common.write_json_atomic(observer_doc_path(self.port), doc)


def observer_runtime(home, sid):
    return os.path.join(home, "instance", sid)


def observer_log(home, sid):
    return os.path.join(observer_runtime(home, sid), "log", "obs.log")


def write_observer_pid(home, sid, pid):
    common.write_json_atomic(os.path.join(observer_runtime(home, sid), "lab_tbcmobs.json"), {"pid": pid})


def observer_pid(home, sid):
    doc = common.read_json(os.path.join(observer_runtime(home, sid), "lab_tbcmobs.json")) or {}
    pid = doc.get("pid")
    return pid if common.pid_alive(pid, OBSERVER_MODULE) else None


def tbcmobs(argv):
    """tbcmobs -b (boot) | -d (down) | -s (status): the observer CM."""
    common.setup_tool("tbcmobs")
    home = common.require_env("TB_HOME", "tbcmobs")
    sid = common.require_env("CM_SID", "tbcmobs")
    if len(argv) != 1 or argv[0] not in ("-b", "-d", "-s"):
        common.die("Usage: tbcmobs -b (boot) | -d (down) | -s (status)")
    tip = common.read_tip(sid)
    name = tip.get("CM_NAME", sid)
    pid = observer_pid(home, sid)
    if argv[0] == "-s":
        print("Tibero cluster manager observer (%s) is %s." % (name, "running (pid %s)" % pid if pid else "not running"))
        return 0 if pid else 1
    if argv[0] == "-d":
        if not pid:
            print("Tibero cluster manager observer (%s) is not running." % name)
            return 1
        common.kill_pid(pid)
        if not common.wait_pid_gone(pid, 10, OBSERVER_MODULE):
            print("Tibero cluster manager observer (%s) did not stop." % name)
            return 1
        print("CM DOWN SUCCESS!")
        return 0
    problem = observer_tip_error(tip, sid)
    if problem or pid:
        print("Tibero cluster manager (%s) startup failed!" % name)
        print(problem or "Observer is already running (pid %s)." % pid)
        return 1
    out_path = os.path.join(observer_runtime(home, sid), "tbcmobs.out")
    new = common.spawn_daemon("tbcmobs", OBSERVER_MODULE, ["observer"], out_path)
    deadline = time.monotonic() + OBSERVER_READY_TIMEOUT
    # `new` is this tool's own child (no pid reuse while we wait): alive needs no argv check.
    while observer_pid(home, sid) != new and common.pid_alive(new) and time.monotonic() < deadline:
        time.sleep(0.05)
    if observer_pid(home, sid) != new:
        print("Tibero cluster manager (%s) startup failed!" % name)
        print("Observer daemon (pid %d) %s; see %s" % (
            new, "did not start within %d s" % OBSERVER_READY_TIMEOUT
            if common.pid_alive(new) else "exited during start-up", out_path))
        return 1
    print(tibero.BANNER)
    print("")
    print("Tibero cluster manager (observer) started up.")
    print("Local node name is (%s:%s)." % (name, tip.get("CM_UI_PORT")))
    return 0


def observer_tip_error(tip, sid):
    if not tip:
        return "tip file not found: %s" % common.tip_path(sid)
    if tip.get("CM_MODE_OBSERVER", "N").upper() != "Y":
        return "CM_MODE_OBSERVER=Y is required in the observer's tip (use tbcm -b for a node CM)."
    for key in ("CM_NAME", "CM_OBSERVER_PORT", "CM_UI_PORT"):
        if not tip.get(key, "").strip():
            return "required parameter missing in tip: %s" % key
        if key != "CM_NAME" and not tip[key].isdigit():
            return "%s must be a number: %s" % (key, tip[key])
    return None


# ---------------------------------------------------------------- cmrctl (TSC commands)

class TscError(Exception):
    pass


def fmt_number(value):
    return str(int(value)) if float(value).is_integer() else str(value)


def render(widths, header, rows):
    """A right-aligned table: header, '-' ruler, rows."""
    def line(cells):
        return " ".join(str(c).rjust(w) for c, w in zip(cells, widths))
    return [line(header), " ".join("-" * w for w in widths)] + [line(r) for r in rows]


def observer_doc_for(docs):
    port = next((d.get("obsport") for d in docs.values() if d.get("obsport")), None)
    return common.read_json(observer_doc_path(port)) if port else None


def ordered_members(state, docs):
    """Member docs, primary cluster first, with their CLS_ID: numbered from 0 in that order, so the
    primary is 0 and the standby 1, also after a switchover or failover (vendor facts TSC-3)."""
    roles = [c for c in (state.get("primary"), state.get("standby")) if c]
    present = {d["cluster"] for d in docs.values()}
    clusters = []
    for cluster in roles + (state.get("clusters") or []) + sorted(present):
        if cluster in present and cluster not in clusters:
            clusters.append(cluster)
    result = []
    for cls_id, cluster in enumerate(clusters):
        for doc in sorted((d for d in docs.values() if d["cluster"] == cluster), key=lambda d: d["nid"]):
            result.append((cls_id, doc))
    return result


def connections(tscid, docs, now):
    """{cm_name: connected} as the running observer last computed it ({} when it is not running)."""
    observer = observer_doc_for(docs)
    if not talking(observer, common.lab_node(), now):
        return {}, None
    return observer.get("conn", {}).get(str(tscid), {}), observer


def show_tscid(tscid):
    now = common.now()
    docs = members(tscid)
    if not docs:
        raise TscError("TSC(ID: %s) is not found." % tscid)
    state = read_state(tscid)
    conn, observer = connections(tscid, docs, now)
    mode = (observer or {}).get("modes", {}).get(str(tscid), PROTECTIVE)
    rows, masters, seen = [], set(), set()
    for cls_id, doc in ordered_members(state, docs):
        connected = conn.get(doc["cm_name"], False)
        flag = "N"
        if connected:
            flag = "Y" if doc["cluster"] in masters else "Y(M)"
            masters.add(doc["cluster"])
        role = role_of(state, doc["cluster"])
        rows.append(["", "", "" if cls_id in seen else cls_id, doc["cm_name"], flag,
                     log_cell(doc, role, now), fmt_number(doc["timers"]["_CM_OBSERVER_EXPIRE"]),
                     doc.get("rcvd_tsn", 0) if role == "standby" else 0])
        seen.add(cls_id)
    failover_on = observer is not None and len(masters) >= 2
    rows[0][0], rows[0][1] = ("ON(TSN)" if failover_on else "OFF"), mode
    rule = "=" * (sum(SHOW_TSC_WIDTHS) + len(SHOW_TSC_WIDTHS) - 1)
    print("TSC(ID: %s) Information" % tscid)
    print(rule)
    print("\n".join(render(SHOW_TSC_WIDTHS, SHOW_TSC_HEADER, rows)))
    print(rule)
    return 0


def log_cell(doc, role, now):
    """LOG: N (CM not connected to its DB), - (primary), redo threads received (standby)."""
    alive = doc.get("state") == "running" and now - doc.get("ts", 0) <= fresh_seconds()
    if not alive or not doc.get("db_mode"):
        return "N"
    if role != "standby":
        return "-"
    return "0" if doc.get("link_lost_at") is not None else "1"


def show_observer():
    sid = common.require_env("CM_SID", "cmrctl")
    tip = common.read_tip(sid)
    name, port = tip.get("CM_NAME", sid), tip.get("CM_OBSERVER_PORT", "")
    observer = common.read_json(observer_doc_path(port)) or {}
    if not talking(observer, common.lab_node(), common.now()):
        raise TscError("Failed to connect to the observer (%s): it is not running." % name)
    rows = []
    for tscid in sorted(int(t) for t in observer.get("conn", {})):
        state, docs = read_state(tscid), members(tscid)
        conn = observer["conn"][str(tscid)]
        seen = set()
        for cls_id, doc in ordered_members(state, docs):
            up = conn.get(doc["cm_name"], False)
            inst = INST_STAT.get(doc.get("db_mode"), "UP") if up and doc.get("db_mode") else "DOWN"
            role = "PRIMARY" if role_of(state, doc["cluster"]) == "primary" else "TARGET"
            rows.append(["" if seen else tscid, "" if cls_id in seen else cls_id,
                         doc["cm_name"], doc["nid"], "UP" if up else "DOWN", inst, role])
            seen.add(cls_id)
    rule = "=" * (sum(SHOW_OBS_WIDTHS) + len(SHOW_OBS_WIDTHS) - 1)
    print("Resource List of Observer %s" % name)
    print(rule)
    print("\n".join(render(SHOW_OBS_WIDTHS, SHOW_OBS_HEADER, rows)))
    print(rule)
    return 0


def ack_timeout():
    return common.conf_float("LAB_CMRCTL_ACK_TIMEOUT")


def set_mode(tscid, option):
    mode = MODE_BY_OPTION.get((option or "").lower())
    if mode is None:
        raise TscError("Invalid --mode: %s (protective | disaster_plan)" % option)
    docs = members(tscid)
    if not docs:
        raise TscError("TSC(ID: %s) is not found." % tscid)
    observer = observer_doc_for(docs)
    if not talking(observer, common.lab_node(), common.now()):
        raise TscError("Failed to set the mode: the observer of TSC(ID: %s) is not connected." % tscid)
    common.write_json_atomic(os.path.join(tsc_dir(tscid), "mode_request.json"),
                             {"mode": mode, "ts": common.now()})
    wait_until(lambda: (common.read_json(observer_doc_path(observer["port"])) or {})
               .get("modes", {}).get(str(tscid)) == mode,
               "the observer did not take the mode %s" % mode)
    success()
    return 0


def switchover(tscid):
    now = common.now()
    docs = members(tscid)
    state = ensure_roles(tscid, docs)
    me = common.lab_node()
    by_role = {"primary": [], "standby": []}
    for doc in docs.values():
        role = role_of(state, doc["cluster"])
        if role and talking(doc, me, now):
            by_role[role].append(doc)
    # The databases' own word (their tbsvr entries, removed by tbdown before it returns), not the
    # modes in the CM heartbeats: those lag a CM tick behind a tbboot/tbdown that just returned.
    if not any(instance_mode(d) in PRIMARY_MODES for d in by_role["primary"]) or \
            not any(instance_mode(d) == STANDBY_MODE for d in by_role["standby"]):
        raise TscError("Switchover failed: TSC(ID: %s) needs an open primary and a standby in "
                       "recovery, with their CMs running." % tscid)
    expect = [d["cm_name"] for d in by_role["primary"] + by_role["standby"]]
    with common.json_update(state_path(tscid), {}) as data:
        seq = (data.get("request") or {}).get("seq", 0) + 1
        old, new = data["primary"], data["standby"]
        data.update(primary=new, standby=old)
        data["request"] = {"seq": seq, "op": "switchover", "ts": now, "expect": expect, "done": [],
                           "modes": {old: STANDBY_MODE, new: "NORMAL"}}
        data.setdefault("history", []).append({"ts": now, "op": "switchover", "from": old, "to": new})
    log_event(tscid, "switchover requested: %s -> %s" % (old, new))
    wait_until(lambda: (read_state(tscid).get("request") or {}).get("finished"),
               "the CMs did not complete the switchover")
    success()
    return 0


def wait_until(predicate, failure):
    deadline = time.monotonic() + ack_timeout()
    while not predicate():
        if time.monotonic() > deadline:
            raise TscError("Failed: %s within %ss." % (failure, ack_timeout()))
        time.sleep(0.1)


def success():
    from labsim import cmrctl  # the node cmrctl's banner, so every SUCCESS! looks the same
    cmrctl.success_banner([])


def tscid_option(args):
    for i, arg in enumerate(args):
        if arg.startswith("--tscid="):
            return arg.split("=", 1)[1]
        if arg == "--tscid" and i + 1 < len(args):
            return args[i + 1]
    return None


def option(args, name):
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def cli(argv):
    """cmrctl set|show|switchover for TSC; the observer node's plain `show`. Returns the exit code."""
    try:
        verb, rest = argv[0], argv[1:]
        tscid = tscid_option(rest)
        if verb == "show" and tscid is None:
            return show_observer()
        if tscid is None or not tscid.isdigit():
            raise TscError("Usage: cmrctl %s --tscid <id>%s" % (verb, " --mode protective|disaster_plan"
                                                                 if verb == "set" else ""))
        if verb == "show":
            return show_tscid(int(tscid))
        if verb == "set":
            return set_mode(int(tscid), option(rest, "--mode"))
        if verb == "switchover":
            return switchover(int(tscid))
        raise TscError("Unknown TSC command: %s" % verb)
    except TscError as exc:
        sys.stdout.flush()
        sys.stderr.write("%s\n" % exc)
        return 1


def main(argv):
    if argv == ["observer"]:
        Observer().run()
        return 0
    if argv[:1] == ["netcut"]:
        return netcut(argv[1:])
    return tbcmobs(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
