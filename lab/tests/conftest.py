"""Fixtures for lab tests: a temporary multi-node "site" on the host (no Docker).

Every node gets its own TB_HOME / PRS_HOME / LAB_NODE under tmp_path and shares one LAB_SHARED.
Tools run as the current user with LAB_ALLOW_ROOT=1 (test-only override of the root refusal).
At teardown every process whose environment carries this site's LAB_SHARED is killed, so daemons
(tbsvr, tbcm, prs_agent, ...) never outlive a test.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_BIN = os.path.join(LAB_DIR, "bin")
sys.path.insert(0, LAB_DIR)

from labsim import common  # noqa: E402

# Short timings so the whole lab suite stays fast.
FAST_CONF = {
    "LAB_BOOT_SECONDS": "0.2",
    "LAB_CM_TICK": "0.1",
    "LAB_CM_PROBE_INTERVAL": "0.5",
    "LAB_CM_HEARTBEAT_EXPIRE": "2",
    "LAB_CM_SCRIPT_TIMEOUT": "10",
    "LAB_CMRCTL_ACK_TIMEOUT": "10",
}


# Deadline for "this must happen" waits: generous, since it costs time only when a test fails and a
# CPU-starved host (2 cores, several molecule runs) can take seconds for what takes 0.2 s at rest.
# Waits that assert a bound ("AFO within the seed's timers", "nothing happens for 2 s") keep theirs.
SETTLE = 30.0


def wait_until(predicate, timeout=10.0, interval=0.1):
    """Poll `predicate` until it returns a truthy value; returns the last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


class Node:
    """One simulated node: its roots, tip files and a runner for the lab tools."""

    def __init__(self, site, name, tb_sid, cm_sid, cm_name=None, cm_id=None, ui_port=8645,
                 db_name="tibero", extra_tip=None):
        self.site = site
        self.name = name
        self.tb_sid = tb_sid
        self.cm_sid = cm_sid
        self.cm_name = cm_name or cm_sid
        self.tb_home = os.path.join(site.root, name, "tibero7")
        self.prs_home = os.path.join(site.root, name, "prosync")
        self.resource_file = os.path.join(self.tb_home, "cmfile", "%s.res" % cm_sid)
        os.makedirs(os.path.join(self.tb_home, "config"), exist_ok=True)
        os.makedirs(self.prs_home, exist_ok=True)
        lines = [] if cm_id is None else ["CM_ID=%s" % cm_id]
        lines += ["CM_NAME=%s" % self.cm_name, "CM_UI_PORT=%d" % ui_port,
                  "CM_RESOURCE_FILE=%s" % self.resource_file]
        lines += ["%s=%s" % kv for kv in (extra_tip or {}).items()]
        self.write_tip(cm_sid, lines)
        self.write_tip(tb_sid, ["DB_NAME=%s" % db_name, "LISTENER_PORT=8629"])

    def write_tip(self, sid, lines):
        with open(os.path.join(self.tb_home, "config", "%s.tip" % sid), "w") as handle:
            handle.write("\n".join(lines) + "\n")

    def tip_path(self, sid):
        return os.path.join(self.tb_home, "config", "%s.tip" % sid)

    @property
    def env(self):
        env = dict(os.environ)
        env.update({"TB_HOME": self.tb_home, "TB_SID": self.tb_sid, "CM_SID": self.cm_sid,
                    "CM_HOME": self.tb_home,
                    "PRS_HOME": self.prs_home, "LAB_SHARED": self.site.shared, "LAB_NODE": self.name,
                    "LAB_ALLOW_ROOT": "1", "LC_ALL": "C",
                    "PATH": LAB_BIN + os.pathsep + env.get("PATH", "")})
        return env

    def run(self, tool, *args, stdin=None, timeout=30, env=None, tty=None):
        """Run lab/bin/<tool> as this node; returns CompletedProcess (text).

        tbboot runs on a pseudo-terminal (its output merged into stdout), as it must on a site
        (TB-1; LAB_TBBOOT_NEEDS_TTY is on by default); tty=False gives it pipes, tty=True any tool
        a terminal."""
        argv = [sys.executable, os.path.join(LAB_BIN, tool)] + list(args)
        if tty if tty is not None else (tool == "tbboot" and stdin is None):
            return common.run_in_pty(argv, env=env or self.env, timeout=timeout)
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout,
                              env=env or self.env, stdin=None if stdin is not None else subprocess.DEVNULL)

    def ok(self, tool, *args, **kwargs):
        """Run a tool and assert exit code 0; returns stdout."""
        result = self.run(tool, *args, **kwargs)
        assert result.returncode == 0, (tool, args, result.stdout, result.stderr)
        return result.stdout

    def cm_log(self):
        path = os.path.join(self.tb_home, "instance", self.cm_sid, "log", "cm", "cm.log")
        with open(path) as handle:
            return handle.read()

    def register_db_resources(self, cluster, net_name, ip, port, service=None, cfile=None):
        """The pre-existing site registration: network, cluster (started), [service], db."""
        self.ok("cmrctl", "add", "network", "--name", net_name, "--nettype", "private",
                "--ipaddr", ip, "--portno", str(port))
        self.ok("cmrctl", "add", "cluster", "--name", cluster, "--incnet", net_name,
                "--cfile", cfile or os.path.join(self.tb_home, "cmfile", "cmdata"))
        self.ok("cmrctl", "start", "cluster", "--name", cluster)
        if service:
            self.ok("cmrctl", "add", "service", "--name", service, "--cname", cluster,
                    "--type", "db", "--mode", "AC")
        self.ok("cmrctl", "add", "db", "--name", self.tb_sid, "--svcname", service or "tibero",
                "--dbhome", self.tb_home, "--envfile", "/dev/null")


class Site:
    """A temporary lab: one LAB_SHARED and any number of nodes."""

    def __init__(self, root):
        self.root = str(root)
        self.shared = os.path.join(self.root, "shared")
        os.makedirs(self.shared)
        self.nodes = {}
        self.conf(**FAST_CONF)

    def conf(self, **values):
        """Merge values into $LAB_SHARED/lab.conf."""
        path = os.path.join(self.shared, "lab.conf")
        current = {}
        if os.path.exists(path):
            with open(path) as handle:
                current = dict(line.strip().split("=", 1) for line in handle if "=" in line)
        current.update(values)
        with open(path, "w") as handle:
            handle.write("".join("%s=%s\n" % kv for kv in current.items()))

    def node(self, name, **kwargs):
        self.nodes[name] = Node(self, name, **kwargs)
        return self.nodes[name]

    def cleanup(self):
        """Kill every process started for this site (found by LAB_SHARED in its environment)."""
        marker = ("LAB_SHARED=%s" % self.shared).encode()
        for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
            try:
                with open("/proc/%s/environ" % pid, "rb") as handle:
                    if marker in handle.read().split(b"\0"):
                        os.kill(int(pid), signal.SIGKILL)
            except OSError:
                continue


@pytest.fixture
def site(tmp_path):
    lab = Site(tmp_path)
    yield lab
    lab.cleanup()


@pytest.fixture
def cm_node(site):
    """One node with its CM running and the site's db resources registered (DB not booted)."""
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    node.ok("tbcm", "-b")
    node.register_db_resources("cls_tibero", "inc1", "172.19.0.11", 8640, service="tibero")
    return node


@pytest.fixture
def cm_pair(site):
    """Two nodes of cluster cls_tibero, CMs running, db resources registered, CM_ID set."""
    node1 = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    node2 = site.node("node2", tb_sid="tibero2", cm_sid="cm_tibero2", cm_id=1, ui_port=8675)
    node1.ok("tbcm", "-b")
    node2.ok("tbcm", "-b")
    cfile = os.path.join(site.root, "cmdata")
    node1.register_db_resources("cls_tibero", "inc1", "172.19.0.11", 8640, service="tibero", cfile=cfile)
    node2.register_db_resources("cls_tibero", "inc2", "172.19.0.12", 8670, cfile=cfile)
    return node1, node2


def write_script(path, body, shebang="#!/bin/bash"):
    """An executable agent script."""
    with open(path, "w") as handle:
        handle.write(shebang + "\n" + body)
    os.chmod(path, 0o755)
    return path
