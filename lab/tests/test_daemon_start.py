"""Daemon start-up and locks under contention: deterministic, not timing luck.

Root cause of the old "CM daemon did not come up" under CPU load: Popen returns while the child is
still inside execve, and /proc/<pid>/cmdline is empty until the kernel has loaded the new program.
tbcm -b checked "alive" with an argv marker in that window and gave up on a healthy daemon. The
tests below hold that window open as long as they like (a shell that execs only once a gate file
exists), hold the shared file locks from a peer, and block a peer's agent script, instead of hoping
the scheduler races.
"""

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import LAB_DIR, wait_until, write_script
from labsim import cm, common

MARKER = "lab_test_sleeper"


def gated_exec(gate, command, env=None):
    """A child that stays a shell until the file `gate` exists, then execs `command` (bash `exec` args):
    the end of execve, held open for as long as the test needs."""
    wait_then_exec = 'while [ ! -e "$0" ]; do sleep 0.02; done; exec %s' % command
    return subprocess.Popen(["bash", "-c", wait_then_exec, gate], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def open_gate_later(gate, seconds=0.5):
    threading.Timer(seconds, lambda: open(gate, "w").close()).start()


@pytest.fixture
def sleeper_module(tmp_path):
    """A module for spawn_daemon that just sleeps; yields its PYTHONPATH."""
    (tmp_path / ("%s.py" % MARKER)).write_text("import time\ntime.sleep(60)\n")
    return str(tmp_path)


def test_spawned_daemon_is_alive_with_its_marker_from_the_first_check(sleeper_module, tmp_path):
    pids = []
    try:
        for _ in range(30):
            pid = common.spawn_daemon("sleeper", MARKER, [], str(tmp_path / "out.log"),
                                      {"PYTHONPATH": sleeper_module})
            pids.append(pid)
            assert common.pid_alive(pid, MARKER), common.command_line(pid)
            assert common.command_line(pid)[:3] == ["sleeper", "-m", MARKER]
    finally:
        for pid in pids:
            common.kill_pid(pid, 9)


def test_wait_exec_waits_out_a_slow_exec(tmp_path):
    gate = str(tmp_path / "gate")
    proc = gated_exec(gate, "-a sleeper %s -c 'import time; time.sleep(60)' %s" % (sys.executable, MARKER))
    try:
        # The window the old check fell into: the process lives, its argv is not the daemon's yet.
        assert common.pid_alive(proc.pid) and not common.pid_alive(proc.pid, MARKER)
        open_gate_later(gate)
        assert common.wait_exec(proc.pid, MARKER, timeout=30)
        assert common.pid_alive(proc.pid, MARKER)
    finally:
        proc.kill()
        proc.wait()


def test_wait_exec_reports_a_child_that_exits_and_leaves_it_unreaped():
    proc = subprocess.Popen(["bash", "-c", "sleep 0.2; exit 3"])
    assert common.wait_exec(proc.pid, MARKER, timeout=30) is False
    assert not common.pid_alive(proc.pid)  # a zombie is not alive
    assert proc.wait(timeout=5) == 3       # and still ours to reap


def test_tbcm_boot_waits_for_a_daemon_still_inside_its_exec(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    # What spawn_daemon gives a daemon whose argv[0] is renamed (see common.spawn_daemon).
    env = dict(node.env, PYTHONPATH=LAB_DIR, PYTHONHOME="%s:%s" % (sys.base_prefix, sys.base_exec_prefix),
               LAB_DAEMON_PYTHONHOME="1")
    gate = os.path.join(site.root, "gate")
    proc = gated_exec(gate, "-a tbcm %s -m labsim.cm daemon" % sys.executable, env)
    assert not common.pid_alive(proc.pid, cm.CM_MODULE)
    open_gate_later(gate)
    assert cm.wait_for_ready(cm.LocalCM(node.tb_home, node.cm_sid), proc.pid, timeout=30) is None
    assert "is running (pid %d)" % proc.pid in node.ok("tbcm", "-s")


def test_wait_for_ready_tells_an_exited_daemon_from_a_slow_one(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    local = cm.LocalCM(node.tb_home, node.cm_sid)
    proc = subprocess.Popen(["bash", "-c", "exit 1"])
    assert common.wait_exec(proc.pid, cm.CM_MODULE) is False
    assert cm.wait_for_ready(local, proc.pid, timeout=30) == "exited during start-up"
    proc.wait()
    slow = gated_exec(os.path.join(site.root, "never"), "true")
    try:
        assert cm.wait_for_ready(local, slow.pid, timeout=0.5) == "did not write its pid file within 0.5 s"
    finally:
        slow.kill()
        slow.wait()


def cluster_path(site, *parts):
    """A file of cluster cls_tibero's shared CM directory (see cm.cluster_file_path)."""
    return os.path.join(site.shared, "cm", "cls_tibero", *parts)


class HeldLock:
    """A peer process's view of common.file_lock: hold <path>.lock until release()."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.handle = open(path + ".lock", "a")
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)

    def release(self):
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()


def test_cm_boots_and_shows_while_a_peer_holds_the_file_locks(cm_pair):
    node1, _node2 = cm_pair
    node1.ok("tbcm", "-d")
    held = [HeldLock(node1.resource_file), HeldLock(cluster_path(node1.site, "cmfile.json"))]
    try:
        started = time.monotonic()
        assert "Tibero cluster manager started up." in node1.ok("tbcm", "-b", timeout=25)
        assert "cls_tibero" in node1.ok("cmrctl", "show", timeout=25)
        assert time.monotonic() - started < 25
    finally:
        for lock in held:
            lock.release()


def test_peer_agent_script_blocks_no_other_cm_and_no_heartbeat(cm_pair, site):
    """node2's START hangs until released: node1's CM restarts, registers resources and shows the
    cluster meanwhile, and node2's heartbeat stays fresh (no false failover during a long script)."""
    node1, node2 = cm_pair
    running, release = os.path.join(site.root, "running"), os.path.join(site.root, "release")
    body = ('[ "$1" = START ] && { touch %s; i=0; while [ ! -e %s ] && [ $i -lt 600 ]; do sleep 0.1; '
            'i=$((i+1)); done; }\nexit 0\n' % (running, release))
    script2 = write_script(os.path.join(site.root, "slow.sh"), body)
    script1 = write_script(os.path.join(site.root, "fast.sh"), "exit 0\n")
    node1.ok("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync")
    node2.ok("cmrctl", "add", "agent", "--name", "agent2", "--grpname", "CM1", "--script", script2)
    starter = subprocess.Popen([sys.executable, os.path.join(LAB_DIR, "bin", "cmrctl"), "start", "group",
                                "--name", "CM1"], env=node1.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: os.path.exists(running), timeout=30)
        doc_path = cluster_path(site, "nodes", "cm_tibero2.json")
        first = common.read_json(doc_path)["ts"]
        node1.ok("tbcm", "-d", timeout=25)
        assert "started up" in node1.ok("tbcm", "-b", timeout=25)
        node1.ok("cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1", "--script", script1,
                 timeout=25)
        node1.ok("cmrctl", "add", "group", "--name", "CM2", "--cname", "cls_tibero", "--grptype", "prosync",
                 timeout=25)
        assert "agent1" in node1.ok("cmrctl", "show", timeout=25)
        assert wait_until(lambda: common.read_json(doc_path)["ts"] > first + 1, timeout=30)
        assert not os.path.exists(release)  # all of the above happened while the script ran
    finally:
        open(release, "w").close()
        starter.communicate(timeout=60)
