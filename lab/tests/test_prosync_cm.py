"""ProSync under the simulated CM, end to end: the seed's steps 1-9 on two nodes of cls_tibero.

CM runs the (step-2-fixed) prs_<CM_ID>.sh scripts; when a node freezes, the surviving CM's COMMIT is
what moves its processes (the agent heartbeat expiry is set far out of reach on purpose), and the
frozen agent, once it wakes up, finds itself fenced and stops its processes: nothing runs twice.
"""

import os
import signal

import pytest

from conftest import wait_until
from test_prosync import (FAST_PROSYNC_CONF, SETTLE, adm_status, bash, fix_cm_script, ok,
                          install_prosync_package, read_bytes, site_processes, source_install,
                          source_install_agent, install_cfg)

TWO_AGENTS_CFG = """\
AGENT_CNT=2
AGENT_ID_0=agent1
AGENT_HOST_0=172.19.0.11
AGENT_PORT_0=7600
AGENT_CM_GROUP_0=CM1
AGENT_CM_ID_0=0
AGENT_ID_1=agent2
AGENT_HOST_1=172.19.0.12
AGENT_PORT_1=7700
AGENT_CM_GROUP_1=CM1
AGENT_CM_ID_1=1
"""

PLACED = {("prs_ext", "TAC2TAC", "1", "agent1"), ("prs_ext", "TAC2TAC", "2", "agent2"),
          ("prs_apply", "TAC2TAC", "1", "agent2"), ("prs_llob", "TAC2TAC", "1", "agent1")}


def runs_once_each(processes):
    """Every process of the instance runs, and none on two agents."""
    return sorted(p[:3] for p in processes) == sorted(p[:3] for p in PLACED)


def node_pids(site, node_name):
    """Every live process of one simulated node (its CM, agent, children), from /proc."""
    markers = {("LAB_SHARED=%s" % site.shared).encode(), ("LAB_NODE=%s" % node_name).encode()}
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if markers <= set(read_bytes("/proc/%s/environ" % pid).split(b"\0")):
                pids.append(int(pid))
        except OSError:
            continue
    return pids


def signal_node(site, node_name, sig):
    for pid in node_pids(site, node_name):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            continue


@pytest.fixture
def cm_prosync(site):
    """Seed steps 1-8 on node1/node2 (CM1, cls_tibero); target DB tibero_tar open on node3."""
    site.conf(**dict(FAST_PROSYNC_CONF, LAB_PRS_HEARTBEAT_EXPIRE="600"))
    node1 = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    node2 = site.node("node2", tb_sid="tibero2", cm_sid="cm_tibero2", cm_id=1, ui_port=8675)
    node3 = site.node("node3", tb_sid="tibero3", cm_sid="cm_tibero3", db_name="tibero_tar")
    cfile = os.path.join(site.root, "cmdata")
    for node, net, ip, port in ((node1, "inc1", "172.19.0.11", 8640), (node2, "inc2", "172.19.0.12", 8670)):
        install_prosync_package(node)
        ok(node, "tbcm", "-b")
        node.register_db_resources("cls_tibero", net, ip, port, service="tibero" if node is node1 else None,
                                   cfile=cfile)
        assert source_install_agent(node, TWO_AGENTS_CFG).returncode == 0
    ok(node1, "tbboot")
    ok(node3, "tbboot")
    cfg = install_cfg(apply_list="agent2,agent1")
    result = source_install(node1, cfg=cfg)
    assert result.returncode == 0, result.stdout + result.stderr
    script1 = fix_cm_script(node1, 0, "agent1")
    script2 = fix_cm_script(node2, 1, "agent2")
    ok(node1, "cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync")
    ok(node1, "cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1", "--script", script1)
    ok(node2, "cmrctl", "add", "agent", "--name", "agent2", "--grpname", "CM1", "--script", script2)
    assert "SUCCESS!" in ok(node1, "cmrctl", "start", "group", "--name", "CM1")
    assert wait_until(lambda: site_processes(site) == PLACED, timeout=SETTLE), site_processes(site)
    yield node1, node2
    signal_node(site, "node2", signal.SIGCONT)  # never leave a stopped process behind


def test_cm_group_start_runs_every_agent_and_process(cm_prosync):
    node1, node2 = cm_prosync
    show = ok(node1, "cmrctl", "show")
    assert "agent1       UP %s" % os.path.join(node1.prs_home, "bin", "prs_0.sh") in show
    status = adm_status(node2)
    assert "prs_agent ID: agent1, HOST: 172.19.0.11, PORT: 7600, CM_GROUP: CM1, CM_ID: 0 is running\n" in status
    assert "TAC2TAC_apply1 is running (prs_agent ID : agent2, HOST: 172.19.0.12, PORT: 7700)\n" in status
    assert "start 7 agent1" in open(os.path.join(node1.prs_home, "var", "cmagent.log")).read()


def test_frozen_node_is_failed_over_by_cm_commit_and_fenced_on_wakeup(cm_prosync, site):
    node1, node2 = cm_prosync
    signal_node(site, "node2", signal.SIGSTOP)  # node2 hangs: its CM heartbeat goes stale
    taken_over = {("prs_ext", "TAC2TAC", "2", "agent1"), ("prs_apply", "TAC2TAC", "1", "agent1")}
    assert wait_until(lambda: taken_over <= site_processes(site), timeout=SETTLE), site_processes(site)
    assert "send 7 agent1 agent2" in open(os.path.join(node1.prs_home, "var", "cmagent.log")).read()
    status = adm_status(node1)
    assert "CM_GROUP: CM1, CM_ID: 1 is not running\n" in status
    assert "TAC2TAC_ext2 (2) is running (prs_agent ID : agent1, HOST: 172.19.0.11, PORT: 7600)\n" in status
    signal_node(site, "node2", signal.SIGCONT)
    # agent2 wakes up fenced and stops its processes; each process then runs exactly once.
    assert wait_until(lambda: runs_once_each(site_processes(site)), timeout=SETTLE), site_processes(site)
    log = os.path.join(node2.prs_home, "var", "agent", "agent2", "log", "prs_agent.log")
    assert wait_until(lambda: "declared failed through CM (fenced)" in open(log).read(), timeout=SETTLE)


def test_cm_down_stops_the_agent_and_its_processes(cm_prosync, site):
    node1, _node2 = cm_prosync
    assert "SUCCESS!" in ok(node1, "cmrctl", "stop", "group", "--name", "CM1")
    assert wait_until(lambda: not site_processes(site), timeout=SETTLE), site_processes(site)
    assert bash(node1, '"$PRS_HOME/bin/prs_agent" --probe agent1').returncode == 1
