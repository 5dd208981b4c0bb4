"""Simulated Tibero Cluster Manager: `tbcm -b|-d|-s` and the CM daemon.

Where the CM keeps things (see lab/README.md):
- tip: $TB_HOME/config/$CM_SID.tip (CM_NAME, CM_UI_PORT, CM_RESOURCE_FILE required);
- node resources (network, cluster, db, agent): CM_RESOURCE_FILE (JSON), survive tbcm -d / -b;
- cluster-wide resources (service, group): $LAB_SHARED/cm/<cluster>/cmfile.json (the "CM file");
- node status published for the other nodes (heartbeat): $LAB_SHARED/cm/<cluster>/nodes/<CM_NAME>.json;
- daemon pid, runtime status and log: $TB_HOME/instance/$CM_SID/ (log in CM_LOG_DEST/cm.log).
"""

import contextlib
import errno
import os
import signal
import subprocess
import sys
import threading
import time

from labsim import common, tibero, tsc

CM_MODULE = "labsim.cm"
REQUIRED_TIP_KEYS = ("CM_NAME", "CM_UI_PORT", "CM_RESOURCE_FILE")
NODE_TYPES = ("network", "cluster", "db", "agent")
CLUSTER_TYPES = ("service", "group")
SCRIPT_NOT_FOUND_RC = 127
SCRIPT_NOT_EXECUTABLE_RC = 126
READY_TIMEOUT = 30  # tbcm -b: seconds for a new daemon to publish its first heartbeat


# ---------------------------------------------------------------- shared (cluster-wide) files

def cluster_file_path(cluster):
    return os.path.join(common.cm_cluster_dir(cluster), "cmfile.json")


def empty_cluster_file():
    return {"resources": []}


def read_cluster_file(cluster):
    return common.read_json(cluster_file_path(cluster), empty_cluster_file())


def node_doc_path(cluster, cm_name):
    return os.path.join(common.cm_cluster_dir(cluster), "nodes", "%s.json" % cm_name)


def peer_docs(cluster):
    """Every node document published in a cluster: {cm_name: doc}."""
    directory = os.path.join(common.cm_cluster_dir(cluster), "nodes")
    docs = {}
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return docs
    for name in names:
        if name.endswith(".json"):
            doc = common.read_json(os.path.join(directory, name))
            if doc:
                docs[doc["cm_name"]] = doc
    return docs


def doc_alive(doc, expire):
    """A node counts as up while its CM runs and its heartbeat is younger than `expire` s."""
    return doc.get("state") == "running" and common.now() - doc.get("ts", 0) <= expire


def of_type(records, rtype):
    return [r for r in records if r["type"] == rtype]


def find(records, rtype, name):
    for record in records:
        if record["type"] == rtype and record["name"] == name:
            return record
    return None


# ---------------------------------------------------------------- the local CM (files, tip)

class LocalCM:
    """Everything about this node's CM that lives in files: tip, resources, pid, runtime."""

    def __init__(self, home=None, cm_sid=None):
        self.home = home or common.tb_home() or ""
        self.cm_sid = cm_sid or common.env("CM_SID") or ""
        self.tip = common.read_kv_file(os.path.join(self.home, "config", "%s.tip" % self.cm_sid))
        self.name = self.tip.get("CM_NAME") or self.cm_sid
        self.runtime_dir = os.path.join(self.home, "instance", self.cm_sid)
        self.pid_path = os.path.join(self.runtime_dir, "lab_cm.json")
        self.env_path = os.path.join(self.runtime_dir, "lab_cm_env.json")
        self.status_path = os.path.join(self.runtime_dir, "lab_cm_status.json")
        log_dest = self.tip.get("CM_LOG_DEST") or os.path.join(self.runtime_dir, "log", "cm")
        self.log_path = os.path.join(log_dest, "cm.log")

    # tip
    def tip_error(self):
        """Why the tip cannot start a CM, or None."""
        if not self.tip:
            return "tip file not found: %s" % os.path.join(self.home, "config", self.cm_sid + ".tip")
        missing = [k for k in REQUIRED_TIP_KEYS if not self.tip.get(k)]
        if missing:
            return "required parameter(s) missing in tip: %s" % ", ".join(missing)
        if not self.tip["CM_UI_PORT"].isdigit():
            return "CM_UI_PORT must be a number: %s" % self.tip["CM_UI_PORT"]
        if self.tip.get("CM_ID", "0").strip() and not self.tip.get("CM_ID", "0").isdigit():
            return "CM_ID must be a non-negative number: %s" % self.tip["CM_ID"]
        return None

    def tip_ok(self):
        return self.tip_error() is None

    def is_observer(self):
        return self.tip.get("CM_MODE_OBSERVER", "N").upper() == "Y"

    def cm_id(self):
        value = self.tip.get("CM_ID", "")
        return int(value) if value.isdigit() else None

    def heartbeat_expire(self):
        value = self.tip.get("CM_HEARTBEAT_EXPIRE") or common.conf_str("LAB_CM_HEARTBEAT_EXPIRE")
        return float(value)

    # resources (node-level, in CM_RESOURCE_FILE)
    @property
    def resource_file(self):
        return self.tip.get("CM_RESOURCE_FILE", "")

    def resources(self):
        return common.read_json(self.resource_file, {"resources": []})["resources"]

    @contextlib.contextmanager
    def edit_resources(self):
        with common.json_update(self.resource_file, {"resources": []}) as data:
            yield data["resources"]

    def has_db(self, sid):
        return find(self.resources(), "db", sid) is not None

    def clusters(self):
        return [r["name"] for r in of_type(self.resources(), "cluster")]

    # daemon
    def pid(self):
        state = common.read_json(self.pid_path) or {}
        return state.get("pid")

    def running(self):
        return common.pid_alive(self.pid(), CM_MODULE)

    def runtime(self):
        return common.read_json(self.status_path, {}) or {}

    def log(self, message):
        common.append_log(self.log_path, message)

    def local_doc(self):
        """This node's document built from files (what the daemon publishes, but fresh)."""
        runtime = self.runtime()
        resources = self.resources()
        return {
            "cm_name": self.name, "node": common.lab_node(), "cm_id": self.cm_id(),
            "state": "running" if self.running() else "stopped", "ts": common.now(),
            "resources": resources, "agents": runtime.get("agents", {}),
            "db_status": db_statuses(resources), "acks": runtime.get("acks", {}),
        }


def db_statuses(resources):
    return {db["name"]: tibero.cm_status(db["dbhome"], db["name"]) for db in of_type(resources, "db")}


# ---------------------------------------------------------------- cmrctl show tables

TABLE_RULER = "=" * 69
TABLE_HEADER = "  CLUSTER     TYPE        NAME       STATUS           DETAIL         "
TABLE_DASHES = "----------- -------- -------------- -------- ------------------------"
ROW_FORMAT = "%11s %8s %14s %8s %s"
DETAIL_WIDTH = 56
SERVICE_MODES = {"AC": "Active Cluster", "HA": "High Availability"}


def network_detail(net):
    if net.get("nettype") == "public":
        return "(public) %s" % net.get("ifname", "")
    return "(private) %s/%s" % (net.get("ipaddr", ""), net.get("portno", ""))


def service_detail(svc):
    kind = "Database" if svc.get("svctype", "db") == "db" else svc.get("svctype", "")
    mode = SERVICE_MODES.get(svc.get("mode", "").upper(), svc.get("mode", "").upper())
    return "%s, %s (auto-restart: OFF)" % (kind, mode)


def group_detail(group):
    return "type: %s (failover: %s)" % (group["grptype"], "ON" if group.get("failover", True) else "OFF")


def agent_detail(agent, runtime):
    return "%s, start retry cnt: %d" % (agent["script"], runtime.get("retry", 0))


def node_rows(doc, cluster_files, alive):
    """(CLUSTER, TYPE, NAME, STATUS, DETAIL) rows of one node, in the seed's order."""
    res = doc.get("resources", [])
    clusters = of_type(res, "cluster")
    cluster_up = {c["name"]: alive and c.get("started", False) for c in clusters}
    up = lambda flag: "UP" if flag else "DOWN"  # noqa: E731 - tiny local formatter
    rows = [("COMMON", "network", n["name"], up(alive), network_detail(n)) for n in of_type(res, "network")]
    rows += [("COMMON", "cluster", c["name"], up(cluster_up[c["name"]]),
              "inc: %s, pub: %s" % (c["incnet"], c.get("pubnet") or "N/A")) for c in clusters]
    for c in clusters:
        rows += [(c["name"], "file", "%s:%d" % (c["name"], i), up(cluster_up[c["name"]]), path)
                 for i, path in enumerate(c.get("cfile", []))]
    for c in clusters:
        rows += [(c["name"], "service", s["name"], up(cluster_up[c["name"]]), service_detail(s))
                 for s in of_type(cluster_files.get(c["name"], {}).get("resources", []), "service")]
    rows += [(d.get("cname", ""), "db", d["name"],
              doc.get("db_status", {}).get(d["name"], "DOWN") if alive else "DOWN",
              "%s, %s, failed retry cnt: 0" % (d["svcname"], d["dbhome"])) for d in of_type(res, "db")]
    for c in clusters:
        rows += [(c["name"], "group", g["name"], up(alive and g.get("started", False)), group_detail(g))
                 for g in of_type(cluster_files.get(c["name"], {}).get("resources", []), "group")]
    agents = doc.get("agents", {})
    for a in of_type(res, "agent"):
        runtime = agents.get(a["name"], {})
        status = runtime.get("status", "DOWN") if alive else "DOWN"
        rows.append((a.get("cname", ""), "agent", a["name"], status, agent_detail(a, runtime)))
    return rows


def wrap_detail(detail):
    """Split a DETAIL longer than DETAIL_WIDTH at spaces (never inside a word): continuation
    lines joined with one space give the DETAIL back. A longer word is never broken."""
    chunks = []
    while len(detail) > DETAIL_WIDTH:
        cut = detail.rfind(" ", 0, DETAIL_WIDTH + 1)
        if cut <= 0:
            cut = detail.find(" ")  # one overlong word keeps its own line
        if cut <= 0:
            break
        chunks.append(detail[:cut])
        detail = detail[cut + 1:]
    chunks.append(detail)
    return chunks


def render_node_table(cm_name, rows):
    lines = ["Resource List of Node %s" % cm_name, TABLE_RULER, TABLE_HEADER, TABLE_DASHES]
    for cluster, rtype, name, status, detail in rows:
        first, *rest = wrap_detail(detail)
        lines.append(ROW_FORMAT % (cluster, rtype, name, status, first))
        lines += [ROW_FORMAT % ("", "", "", "", more) for more in rest]
    lines.append(TABLE_RULER)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the daemon

class CMDaemon:
    """The CM process: publishes heartbeats, watches the DB, drives agent scripts, fails over."""

    def __init__(self):
        self.cm = LocalCM()
        self.lock = threading.Lock()
        self.stopping = False
        self.agents = {}      # agent name -> runtime dict (status, retry, ...)
        self.acks = {}        # request key -> generation handled
        self.commit_memo = {}  # remote agent name -> incident already committed
        self.started = common.now()
        # The environment `tbcm -b` was run with (ENV-2): every agent script runs with exactly it.
        self.script_env = common.read_json(self.cm.env_path) or dict(os.environ)

    # -- lifecycle
    def run(self):
        common.daemon_started("tbcm")
        signal.signal(signal.SIGTERM, self.request_stop)
        self.cm.log("CM %s starting (pid %d, CM_ID=%s)" % (self.cm.name, os.getpid(), self.cm.cm_id()))
        self.remember_current_incidents()
        self.publish()
        common.write_json_atomic(self.cm.pid_path, {"pid": os.getpid(), "started": self.started})
        heart = threading.Thread(target=self.heartbeat_loop, daemon=True)
        heart.start()
        tick = common.conf_float("LAB_CM_TICK")
        while not self.stopping:
            try:
                self.tick()
            except Exception as exc:  # keep the CM alive; a real CM logs and carries on
                self.cm.log("[ERROR] %s: %s" % (type(exc).__name__, exc))
            time.sleep(tick)
        self.stop_agents_for_shutdown()
        heart.join()  # a heartbeat in flight must not overwrite the "stopped" document below
        self.publish(state="stopped")
        self.cm.log("CM %s stopped" % self.cm.name)

    def request_stop(self, _signum, _frame):
        self.stopping = True

    def heartbeat_loop(self):
        interval = common.conf_float("LAB_CM_TICK")
        while not self.stopping:
            try:
                self.publish()
            except Exception as exc:
                self.cm.log("[ERROR] heartbeat: %s" % exc)
            time.sleep(interval)

    def publish(self, state="running"):
        """Write this node's document to every cluster it belongs to and the local status file."""
        resources = self.cm.resources()
        with self.lock:
            doc = {"cm_name": self.cm.name, "node": common.lab_node(), "cm_id": self.cm.cm_id(),
                   "pid": os.getpid(), "state": state, "ts": common.now(),
                   "resources": resources, "agents": {k: dict(v) for k, v in self.agents.items()},
                   "db_status": db_statuses(resources), "acks": dict(self.acks)}
        common.write_json_atomic(self.cm.status_path, doc)
        for cluster in [c["name"] for c in of_type(resources, "cluster")]:
            common.write_json_atomic(node_doc_path(cluster, self.cm.name), doc)

    # -- one pass of the control loop
    def tick(self):
        # TSC member duties first (seed 004): they must run even when the CM file is unreadable.
        if tsc.cm_tick(self) == "stop":
            self.stopping = True
        resources = self.cm.resources()
        groups = self.groups(resources)
        local_agents = of_type(resources, "agent")
        for agent in local_agents:
            self.drive_agent(agent, groups.get(agent["grpname"]))
        with self.lock:
            for name in set(self.agents) - {a["name"] for a in local_agents}:
                del self.agents[name]
        self.commit_lost_peers(resources, groups)

    def groups(self, resources):
        """{group name: group record} of every cluster this node belongs to."""
        result = {}
        for cluster in [c["name"] for c in of_type(resources, "cluster")]:
            for group in of_type(read_cluster_file(cluster)["resources"], "group"):
                result[group["name"]] = group
        return result

    def runtime(self, name):
        with self.lock:
            return self.agents.setdefault(name, {"status": "DOWN", "retry": 0, "given_up": False,
                                                 "seen_gen": None, "seen_req": None})

    def set_runtime(self, rt, **changes):
        with self.lock:
            rt.update(changes)

    # -- agents
    def drive_agent(self, agent, group):
        rt = self.runtime(agent["name"])
        self.take_new_requests(agent, group, rt)
        desired = bool(group and group.get("started") and not agent.get("admin_down"))
        if rt["status"] == "UP" and not desired:
            forced = bool(group and group.get("force")) or agent.get("force")
            self.run_script(agent, "KILL" if forced else "DOWN")
            self.set_runtime(rt, status="DOWN")
        elif rt["status"] == "UP":
            self.probe_if_due(agent, rt)
        elif desired and not rt["given_up"] and not rt.get("blocked"):
            self.try_start(agent, group, rt)
        with self.lock:
            if group:
                self.acks["group:%s" % group["name"]] = group.get("gen", 0)
            self.acks["agent:%s" % agent["name"]] = agent.get("req", 0)

    def take_new_requests(self, agent, group, rt):
        """A new `start group`/`start agent` request gives the agent a fresh retry budget."""
        gen = group.get("gen", 0) if group else None
        req = agent.get("req", 0)
        if gen != rt["seen_gen"] or req != rt["seen_req"]:
            self.set_runtime(rt, seen_gen=gen, seen_req=req, retry=0, given_up=False, blocked=False)

    def try_start(self, agent, group, rt):
        if group.get("grptype") == "prosync" and self.cm.cm_id() is None:
            self.cm.log("[AGENT] %s: cannot start: group %s is of type prosync and the CM tip has no "
                        "CM_ID (add CM_ID to %s.tip and restart the CM)"
                        % (agent["name"], group["name"], self.cm.cm_sid))
            self.set_runtime(rt, blocked=True)
            return
        if self.run_script(agent, "START") == 0:
            self.set_runtime(rt, status="UP", last_probe=time.monotonic(), lost_at=None)
        else:
            self.on_failure(agent, rt, "START")

    def probe_if_due(self, agent, rt):
        if time.monotonic() - rt.get("last_probe", 0) < common.conf_float("LAB_CM_PROBE_INTERVAL"):
            return
        rc = self.run_script(agent, "PROBE")
        self.set_runtime(rt, last_probe=time.monotonic())
        if rc != 0:
            self.set_runtime(rt, status="DOWN")
            self.on_failure(agent, rt, "PROBE")

    def on_failure(self, agent, rt, action):
        """Count a failure: re-START next tick while retries remain, else give up (agent lost)."""
        limit = int(agent.get("retry_cnt", 3))
        if rt["retry"] >= limit:
            self.cm.log("[AGENT] %s: %s failed and start retry cnt %d reached retry_cnt %d: agent DOWN"
                        % (agent["name"], action, rt["retry"], limit))
            self.set_runtime(rt, status="DOWN", given_up=True, lost_at=common.now())
        else:
            self.set_runtime(rt, retry=rt["retry"] + 1)
            self.cm.log("[AGENT] %s: %s failed, re-START (retry %d/%d)"
                        % (agent["name"], action, rt["retry"], limit))

    def run_script(self, agent, *args):
        """Run the agent script directly (its shebang picks the shell), output to the CM log, with the
        environment tbcm -b was given and nothing else (ENV-2)."""
        script = agent["script"]
        self.cm.log("[AGENT] %s: exec %s %s" % (agent["name"], script, " ".join(args)))
        timeout = common.conf_float("LAB_CM_SCRIPT_TIMEOUT")
        os.makedirs(os.path.dirname(self.cm.log_path), exist_ok=True)
        with open(self.cm.log_path, "a") as log, open(os.devnull) as devnull:
            try:
                rc = subprocess.run([script] + list(args), cwd="/", stdin=devnull, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=timeout, env=self.script_env).returncode
            except subprocess.TimeoutExpired:
                rc = -1
            except OSError as exc:
                rc = SCRIPT_NOT_FOUND_RC if exc.errno == errno.ENOENT else SCRIPT_NOT_EXECUTABLE_RC
                log.write("%s: %s\n" % (script, exc.strerror))
        self.cm.log("[AGENT] %s: %s %s returned %d" % (agent["name"], script, " ".join(args), rc))
        return rc

    def stop_agents_for_shutdown(self):
        """tbcm -d: stop the local agents; the ones that were UP are lost for the other nodes."""
        for agent in of_type(self.cm.resources(), "agent"):
            rt = self.runtime(agent["name"])
            if rt["status"] == "UP":
                self.run_script(agent, "DOWN")
                self.set_runtime(rt, status="DOWN", lost_at=common.now())

    # -- failover to this node
    def lost_incidents(self, resources):
        """{(remote agent, group): incident id} for agents lost on other nodes of my clusters."""
        incidents = {}
        expire = self.cm.heartbeat_expire()
        for cluster in [c["name"] for c in of_type(resources, "cluster")]:
            for name, doc in peer_docs(cluster).items():
                if name == self.cm.name:
                    continue
                node_lost = not doc_alive(doc, expire)
                for agent in of_type(doc.get("resources", []), "agent"):
                    rt = doc.get("agents", {}).get(agent["name"], {})
                    if rt.get("lost_at"):
                        incidents[(agent["name"], agent["grpname"])] = "lost:%s" % rt["lost_at"]
                    elif node_lost and rt.get("status") == "UP":
                        incidents[(agent["name"], agent["grpname"])] = "hb:%s" % doc.get("ts")
        return incidents

    def remember_current_incidents(self):
        """Incidents older than this CM were handled (or not) before it started: never replay them."""
        for (name, _group), incident in self.lost_incidents(self.cm.resources()).items():
            self.commit_memo[name] = incident

    def commit_lost_peers(self, resources, groups):
        for (lost_agent, group_name), incident in self.lost_incidents(resources).items():
            if self.commit_memo.get(lost_agent) == incident:
                continue
            self.commit_memo[lost_agent] = incident
            group = groups.get(group_name)
            if not group or not group.get("started") or not group.get("failover", True):
                continue
            self.cm.log("[FAILOVER] agent %s of group %s lost (%s)" % (lost_agent, group_name, incident))
            for agent in of_type(resources, "agent"):
                if agent["grpname"] == group_name and self.runtime(agent["name"])["status"] == "UP":
                    self.run_script(agent, "COMMIT", lost_agent)


# ---------------------------------------------------------------- tbcm

def startup_failed(name, reason):
    print("Tibero cluster manager (%s) startup failed!" % name)
    print(reason)
    return 1


def tbcm_boot(cm):
    error = cm.tip_error()
    if error:
        return startup_failed(cm.name, error)
    if cm.is_observer():
        return startup_failed(cm.name, "CM_MODE_OBSERVER=Y: start an observer with tbcmobs -b")
    if cm.running():
        return startup_failed(cm.name, "CM is already running (pid %s)." % cm.pid())
    with contextlib.suppress(FileNotFoundError):
        os.unlink(cm.pid_path)
    print("CM Guard daemon started up.")
    print("import resources from '%s'..." % cm.resource_file)
    out_path = os.path.join(cm.runtime_dir, "tbcm.out")
    # The daemon hands this environment, as tbcm -b got it, to its agent scripts (ENV-2); the
    # Python plumbing spawn_daemon adds for the lab's own daemon process is not part of it.
    common.write_json_atomic(cm.env_path, dict(os.environ), mode=0o660)
    pid = common.spawn_daemon("tbcm", CM_MODULE, ["daemon"], out_path)
    problem = wait_for_ready(cm, pid, READY_TIMEOUT)
    if problem:
        return startup_failed(cm.name, "CM daemon (pid %d) %s; see %s and %s"
                              % (pid, problem, out_path, cm.log_path))
    print(tibero.BANNER)
    print("")
    print("Tibero cluster manager started up.")
    print("Local node name is (%s:%s)." % (cm.name, cm.tip["CM_UI_PORT"]))
    return 0


def wait_for_ready(cm, pid, timeout):
    """None once the daemon `pid` has written its pid file (after its first heartbeat), else why not.

    The daemon takes no lock before that point (readers never lock), so only CPU time bounds it.
    `pid` is this tool's own child, so it cannot be reused while we wait: "alive" needs no argv check
    (an argv check misreads a daemon still inside execve as dead, see common.wait_exec)."""
    deadline = time.monotonic() + timeout
    while True:
        if cm.pid() == pid and common.pid_alive(pid, CM_MODULE):
            return None
        if not common.pid_alive(pid):
            return "exited during start-up"
        if time.monotonic() > deadline:
            return "did not write its pid file within %g s" % timeout
        time.sleep(0.05)


def tbcm_down(cm):
    if not cm.running():
        print("Tibero cluster manager (%s) is not running." % cm.name)
        return 1
    tsc.cm_leaving(cm)  # seed 004 [2]: tell the observer first, so this is no DB failure to it
    # Seed 004 scenario 2: the CM brings its DB instances down (abnormal) before leaving.
    for db in of_type(cm.resources(), "db"):
        if tibero.running_instance(db["dbhome"], db["name"]):
            tibero.shutdown(db["dbhome"], db["name"], "ABNORMAL")
            print("Tibero instance terminated (ABNORMAL mode).")
    pid = cm.pid()
    common.kill_pid(pid)
    timeout = common.conf_float("LAB_CM_SCRIPT_TIMEOUT") + 10
    if not common.wait_pid_gone(pid, timeout, CM_MODULE):
        print("Tibero cluster manager (%s) did not stop." % cm.name)
        return 1
    print("CM DOWN SUCCESS!")
    return 0


def tbcm_status(cm):
    if cm.running():
        print("Tibero cluster manager (%s) is running (pid %s)." % (cm.name, cm.pid()))
        return 0
    print("Tibero cluster manager (%s) is not running." % cm.name)
    return 1


def tbcm(argv):
    common.setup_tool("tbcm")
    common.require_env("TB_HOME", "tbcm")
    common.require_env("CM_SID", "tbcm")
    actions = {"-b": tbcm_boot, "-d": tbcm_down, "-s": tbcm_status}
    if len(argv) != 1 or argv[0] not in actions:
        common.die("Usage: tbcm -b (boot) | -d (down) | -s (status)")
    return actions[argv[0]](LocalCM())


if __name__ == "__main__":
    if sys.argv[1:] == ["daemon"]:
        CMDaemon().run()
    else:
        sys.exit(tbcm(sys.argv[1:]))
