"""prs_agent: the ProSync agent of one host, and the lab-only control verbs prs_cm.sh uses.

    prs_agent <agent_id>                          start the daemon; returns once it is up
    prs_agent --probe <agent_id>                  rc 0 when the agent runs on this node
    prs_agent --stop <agent_id> [<seconds>]       stop it (SIGTERM, then SIGKILL after <seconds>)
    prs_agent --takeover <agent_id> <failed>...   CM's COMMIT: declare <failed> lost, wait until
                                                  <agent_id> has taken its processes over

The daemon runs, as real child processes (`prs_ext TAC2TAC 1 agent1`, ...), every process of the
installed instances for which it is the first live agent of the process's list, and hands a process
over when a preferred agent comes back. With USE_CM=Y it restarts a child that dies, up to
PRS_AGENT_PROC_MAX_FAIL_CNT times, and then stops itself (the vendor agent asks CM to stop it) so CM
fails the agent over; with USE_CM=N a dead child stays down, as the seed describes.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from labsim import common
from labsim.prosync import config, layout, proc, registry

TOOL = "prs_agent"
PROCESS_TOOLS = {"ext": "prs_ext", "apply": "prs_apply", "llob": "prs_llob"}
START_WAIT_SECONDS = 20
CHILD_STOP_SECONDS = 3
DEFAULT_STOP_SECONDS = 10


def load_settings(agent_id):
    """Validated prs_agent_<id>.cfg; raises config.ConfigError (operator-facing message)."""
    path = layout.agent_cfg(agent_id)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise config.ConfigError("%s not found. Run prs_install_agent.sh first." % path) from None
    try:
        settings = config.parse_agent_cfg(text)
    except config.ConfigError as exc:
        raise config.ConfigError("%s: %s" % (path, exc)) from None
    settings["log_dir"] = settings["log_dir"] or layout.default_agent_log_dir(agent_id)
    return settings


class Child:
    """One running replication process of this agent."""

    def __init__(self, popen, instance_id, install_id):
        self.popen = popen
        self.instance_id = instance_id
        self.install_id = install_id


class AgentDaemon:
    """The body of the prs_agent daemon: one loop of placement, child watch and heartbeat."""

    def __init__(self, agent_id, settings):
        self.agent_id = agent_id
        self.settings = settings
        self.node = common.lab_node()
        self.incarnation = "%s:%d:%.3f" % (self.node, os.getpid(), common.now())
        self.started = common.now()
        self.children = {}      # process name -> Child
        self.fail_counts = {}   # (install_id, name) -> deaths so far
        self.given_up = set()   # (install_id, name) not restarted any more
        self.stop_reason = None
        self.final_state = registry.STATE_STOPPED
        # Start of the last tick whose placement is done (`--takeover` waits for one after its fence).
        self.last_tick_started = self.started
        self.stopped = threading.Event()
        self.log_path = os.path.join(settings["log_dir"], "prs_agent.log")

    def log(self, message):
        common.append_log(self.log_path, "[%s] %s" % (self.agent_id, message))

    # ------------------------------------------------------------ lifecycle

    def run(self):
        signal.signal(signal.SIGTERM, lambda _s, _f: self.request_stop("SIGTERM received"))
        if not self.register():
            return 1
        self.log("started (pid %d, USE_CM=%s)" % (os.getpid(), "Y" if self.settings["use_cm"] else "N"))
        # The heartbeat has its own thread: a tick that waits (a child slow to stop, the peers' claim
        # locks, a starved CPU) must not make a live agent read as lost to its peers, to the CM's
        # PROBE or to the START waiting for it. The tick's progress is `tick_started` in the record.
        heart = threading.Thread(target=self.heartbeat_loop, daemon=True)
        heart.start()
        try:
            while self.stop_reason is None:
                self.tick()
                time.sleep(registry.conf_seconds("LAB_PRS_TICK"))
        finally:
            self.stopped.set()
            heart.join()  # no "running" heartbeat may follow the final record
            self.shutdown()
        return 0

    def heartbeat_loop(self):
        while not self.stopped.wait(registry.conf_seconds("LAB_PRS_TICK")):
            try:
                self.beat(self.last_tick_started)
            except Exception as exc:  # logged; a full disk must not kill the daemon
                self.log("heartbeat: %s" % exc)

    def request_stop(self, reason):
        if self.stop_reason is None:
            self.stop_reason = reason

    def register(self):
        """Refuse to run twice: another live incarnation of this agent id wins."""
        with common.file_lock(layout.heartbeat_file(self.agent_id)):
            other = registry.read_heartbeat(self.agent_id)
            if registry.heartbeat_live(other) and self.other_incarnation_alive(other):
                self.log("not started: already running on %s (pid %s)" % (other["node"], other["pid"]))
                return False
            self.beat(common.now())
        return True

    def other_incarnation_alive(self, other):
        if other.get("node") != self.node:
            return True  # another node's agent: only its heartbeat can tell
        return common.pid_alive(other.get("pid"), registry.DAEMON_MODULE)

    def shutdown(self):
        for name in list(self.children):
            self.stop_child(name)
        self.release_all_claims()
        record = self.record(common.now())
        record["state"] = self.final_state
        registry.write_heartbeat(self.agent_id, record)
        self.log("stopped: %s" % self.stop_reason)

    # ------------------------------------------------------------ one tick

    def tick(self):
        tick_started = common.now()
        if registry.is_fenced(self.record(tick_started)):
            self.final_state = registry.STATE_FENCED
            self.request_stop("declared failed through CM (fenced): processes stopped")
            return
        self.reap_children()
        wanted = self.wanted_processes()
        for name in list(self.children):
            child = self.children[name]
            if name not in wanted or wanted[name][0]["install_id"] != child.install_id:
                shut = registry.admin_shutdown(child.instance_id)
                self.log("stopping %s (prs_adm shutd %s)" % (name, shut["mode"]) if shut
                         else "handing over %s" % name)
                self.stop_child(name)
        self.release_unwanted_claims(wanted)
        for name, (catalogue, process) in sorted(wanted.items()):
            if self.should_start(name, catalogue) and self.claim(catalogue, process):
                self.start_child(catalogue, process)
        if self.stop_reason is None:
            self.last_tick_started = tick_started
            self.beat(tick_started)

    def wanted_processes(self):
        """{name: (catalogue, process)} of the processes whose first live agent is this one."""
        wanted = {}
        for catalogue in registry.catalogues():
            listed = registry.all_listed_agents(catalogue)
            if self.agent_id not in listed or registry.admin_shutdown(catalogue["instance"]):
                continue  # not ours, or shut down with prs_adm until `prs_adm start`
            live = registry.live_agents(listed - {self.agent_id}) | {self.agent_id}
            for process in catalogue["processes"]:
                if registry.first_live_agent(process["agents"], live) == self.agent_id:
                    wanted[process["name"]] = (catalogue, process)
        return wanted

    def should_start(self, name, catalogue):
        return name not in self.children and (catalogue["install_id"], name) not in self.given_up

    # ------------------------------------------------------------ children

    def start_child(self, catalogue, process):
        name = process["name"]
        argv = [layout.tool_path(PROCESS_TOOLS[process["kind"]]), catalogue["instance"],
                str(process["number"]), self.agent_id]
        try:
            popen = self.spawn(argv, name)
        except OSError as exc:
            self.log("cannot start %s: %s" % (name, exc))
            self.on_child_exit(name, catalogue["instance"], catalogue["install_id"], 127)
            return
        self.children[name] = Child(popen, catalogue["instance"], catalogue["install_id"])
        self.set_claim_state(catalogue["instance"], name, registry.STATE_RUNNING, popen.pid)
        self.log("started %s (pid %d): %s" % (name, popen.pid, " ".join([PROCESS_TOOLS[process["kind"]]] + argv[1:])))

    def spawn(self, argv, name):
        os.makedirs(self.settings["log_dir"], exist_ok=True)
        with open(os.path.join(self.settings["log_dir"], "%s.log" % name), "a") as log, \
                open(os.devnull) as devnull:
            return subprocess.Popen(argv, stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
                                    close_fds=True, cwd=layout.prs_home(TOOL),
                                    env=dict(os.environ, **{proc.AGENT_PID_ENV: str(os.getpid())}))

    def stop_child(self, name):
        child = self.children.pop(name)
        child.popen.terminate()
        try:
            child.popen.wait(CHILD_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.popen.kill()
            child.popen.wait()
        self.release_claim(child.instance_id, name)

    def reap_children(self):
        for name in list(self.children):
            child = self.children[name]
            rc = child.popen.poll()
            if rc is not None:
                del self.children[name]
                self.on_child_exit(name, child.instance_id, child.install_id, rc)

    def on_child_exit(self, name, instance_id, install_id, rc):
        """A child died by itself: restart it (USE_CM=Y, within the limit) or leave it down."""
        key = (install_id, name)
        if not self.settings["use_cm"]:
            self.give_up(key, instance_id, "%s exited (rc %s); USE_CM=N: not restarted" % (name, rc))
            return
        limit = self.settings["PRS_AGENT_PROC_MAX_FAIL_CNT"]
        self.fail_counts[key] = self.fail_counts.get(key, 0) + 1
        if self.fail_counts[key] > limit:
            self.give_up(key, instance_id, "%s failed %d times (PRS_AGENT_PROC_MAX_FAIL_CNT=%d)"
                         % (name, self.fail_counts[key], limit))
            self.request_stop("process failure limit reached: stopping so CM can fail over")
            return
        self.log("%s exited (rc %s); restarting (%d/%d)" % (name, rc, self.fail_counts[key], limit))

    def give_up(self, key, instance_id, message):
        self.given_up.add(key)
        self.set_claim_state(instance_id, key[1], "down", None)
        self.log(message)

    # ------------------------------------------------------------ claims

    def claim(self, catalogue, process):
        """Take a process unless another live agent still holds it (it releases on its next tick)."""
        name = process["name"]
        with common.json_update(layout.claims_file(catalogue["instance"]), {}) as claims:
            holder = claims.get(name)
            if (holder and holder.get("incarnation") != self.incarnation
                    and registry.agent_live(holder.get("agent", ""))):
                return False
            claims[name] = self.claim_entry("starting", None, catalogue["install_id"])
        return True

    def claim_entry(self, state, pid, install_id):
        return {"agent": self.agent_id, "incarnation": self.incarnation, "node": self.node,
                "state": state, "pid": pid, "install_id": install_id, "since": common.now()}

    def set_claim_state(self, instance_id, name, state, pid):
        with common.json_update(layout.claims_file(instance_id), {}) as claims:
            holder = claims.get(name)
            if holder and holder.get("incarnation") == self.incarnation:
                holder.update({"state": state, "pid": pid, "since": common.now()})

    def release_claim(self, instance_id, name):
        with common.json_update(layout.claims_file(instance_id), {}) as claims:
            holder = claims.get(name)
            if holder and holder.get("incarnation") == self.incarnation:
                del claims[name]

    def release_unwanted_claims(self, wanted):
        """Claims kept for processes given up here must go once another agent should run them."""
        for catalogue in registry.catalogues():
            for name, holder in registry.read_claims(catalogue["instance"]).items():
                if holder.get("incarnation") == self.incarnation and name not in wanted:
                    self.release_claim(catalogue["instance"], name)

    def release_all_claims(self):
        for catalogue in registry.catalogues():
            for name in list(registry.read_claims(catalogue["instance"])):
                self.release_claim(catalogue["instance"], name)

    # ------------------------------------------------------------ heartbeat

    def record(self, tick_started):
        # tuple(dict) copies the keys in one step under the GIL, safe against the tick's changes.
        return {"agent": self.agent_id, "node": self.node, "pid": os.getpid(),
                "incarnation": self.incarnation, "state": registry.STATE_RUNNING,
                "started": self.started, "tick_started": tick_started, "heartbeat": common.now(),
                "use_cm": self.settings["use_cm"], "processes": sorted(tuple(self.children))}

    def beat(self, tick_started):
        registry.write_heartbeat(self.agent_id, self.record(tick_started))


# ---------------------------------------------------------------- command line verbs

def start(agent_id):
    try:
        settings = load_settings(agent_id)
    except config.ConfigError as exc:
        common.die("prs_agent: %s" % exc)
    if registry.running_here(agent_id):
        print("prs_agent %s is already running." % agent_id)
        return 0
    other = registry.read_heartbeat(agent_id)
    if registry.heartbeat_live(other) and other.get("node") != common.lab_node():
        common.die("prs_agent: %s is already running on %s." % (agent_id, other["node"]))
    out_log = os.path.join(settings["log_dir"], "prs_agent.out")
    pid = common.spawn_daemon("prs_agent", registry.DAEMON_MODULE, ["--daemon", agent_id], out_log)
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        record = registry.read_heartbeat(agent_id)
        if record and record.get("pid") == pid and registry.heartbeat_live(record):
            print("prs_agent %s started (pid %d)." % (agent_id, pid))
            return 0
        if not common.pid_alive(pid):
            break
        time.sleep(0.1)
    common.die("prs_agent: %s failed to start; see %s and %s."
               % (agent_id, out_log, os.path.join(settings["log_dir"], "prs_agent.log")))
    return 1


def probe(agent_id):
    record = registry.running_here(agent_id)
    if record:
        print("prs_agent %s is running (pid %s)." % (agent_id, record["pid"]))
        return 0
    print("prs_agent %s is not running." % agent_id)
    return 1


def stop(agent_id, seconds=DEFAULT_STOP_SECONDS):
    record = registry.read_heartbeat(agent_id)
    pid = record and record.get("node") == common.lab_node() and record.get("pid")
    if not pid or not common.pid_alive(pid, registry.DAEMON_MODULE):
        print("prs_agent %s is not running." % agent_id)
        return 0
    common.kill_pid(pid)
    if not common.wait_pid_gone(pid, seconds, registry.DAEMON_MODULE):
        common.kill_pid(pid, signal.SIGKILL)
        common.wait_pid_gone(pid, 2, registry.DAEMON_MODULE)
        print("prs_agent %s killed (pid %s)." % (agent_id, pid))
        return 0
    print("prs_agent %s stopped (pid %s)." % (agent_id, pid))
    return 0


def takeover(agent_id, failed_agents, seconds):
    """CM's COMMIT on a surviving node: the local agent takes over the failed agents' processes."""
    if not registry.running_here(agent_id):
        common.die("prs_agent: %s is not running on this node; cannot take over %s."
                   % (agent_id, " ".join(failed_agents)))
    fenced_at = common.now()
    for failed in failed_agents:
        if failed != agent_id and registry.fence(failed, agent_id):
            print("prs_agent %s declared failed." % failed)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = registry.running_here(agent_id)
        if record and record.get("tick_started", 0) > fenced_at:
            print("prs_agent %s took over the processes of %s." % (agent_id, " ".join(failed_agents)))
            return 0
        time.sleep(0.1)
    common.die("prs_agent: %s did not confirm the takeover within %ss." % (agent_id, seconds))
    return 1


def run_daemon(agent_id):
    common.set_process_name("prs_agent")
    try:
        settings = load_settings(agent_id)
    except config.ConfigError as exc:
        common.die("prs_agent: %s" % exc)
    return AgentDaemon(agent_id, settings).run()


USAGE = """usage: prs_agent <agent_id>
       prs_agent --probe <agent_id>
       prs_agent --stop <agent_id> [<seconds>]
       prs_agent --takeover <agent_id> <failed_agent_id>..."""


def seconds_arg(text):
    try:
        return max(1.0, float(text))
    except ValueError:
        common.die(USAGE, rc=2)
        return 0.0


def main(argv):
    common.setup_tool(TOOL)
    if len(argv) == 1 and not argv[0].startswith("-"):
        return start(argv[0])
    verb, args = (argv[0], argv[1:]) if argv else ("", [])
    if verb == "--daemon" and len(args) == 1:
        return run_daemon(args[0])
    if verb == "--probe" and len(args) == 1:
        return probe(args[0])
    if verb == "--stop" and len(args) in (1, 2):
        return stop(args[0], seconds_arg(args[1]) if len(args) == 2 else DEFAULT_STOP_SECONDS)
    if verb == "--takeover" and len(args) >= 2:
        return takeover(args[0], args[1:], START_WAIT_SECONDS)
    common.die(USAGE, rc=2)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
