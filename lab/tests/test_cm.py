"""tbcm -b/-d/-s and the CM daemon: tip checks, persistence, DB monitoring, agent scripts, failover."""

import os

import pytest

from conftest import SETTLE, wait_until, write_script


def show_rows(node, *args):
    """{(TYPE, NAME): (STATUS, DETAIL)} of the local node's table, parsed via the header/ruler."""
    out = node.ok("cmrctl", "show", *args)
    rows, last = {}, None
    for line in out.splitlines():
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[1] in ("network", "cluster", "file", "service", "db", "group", "agent"):
            last = (parts[1], parts[2])
            rows.setdefault(last, (parts[3], parts[4]))
        elif line.startswith(" " * 45) and line.strip() and last:  # wrapped DETAIL
            rows[last] = (rows[last][0], rows[last][1] + " " + line.strip())
        else:
            last = None
    return rows


def status(node, rtype, name):
    return show_rows(node).get((rtype, name), ("MISSING", ""))[0]


def agent_script(site, name, body, shebang="#!/bin/bash"):
    """An agent script logging every call to <root>/<name>.calls; `body` decides the exit code."""
    calls = os.path.join(site.root, "%s.calls" % name)
    return write_script(os.path.join(site.root, "%s.sh" % name),
                        'echo "$*" >> %s\n%s\n' % (calls, body), shebang), calls


def calls_of(path):
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return handle.read().split("\n")[:-1]


def add_group_and_agent(node, group, agent, script, *extra):
    node.run("cmrctl", "add", "group", "--name", group, "--cname", "cls_tibero", "--grptype", "prosync")
    node.ok("cmrctl", "add", "agent", "--name", agent, "--grpname", group, "--script", script, *extra)


def test_boot_prints_startup_lines_and_status(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")
    out = node.ok("tbcm", "-b")
    assert "Tibero cluster manager started up." in out
    assert "Local node name is (cm_tibero1:8645)." in out
    assert "is running" in node.ok("tbcm", "-s")
    again = node.run("tbcm", "-b")
    assert again.returncode != 0
    assert "Tibero cluster manager (cm_tibero1) startup failed!" in again.stdout
    assert "already running" in again.stdout


@pytest.mark.parametrize("tip_lines, reason", [
    (["CM_NAME=cm_tibero1", "CM_UI_PORT=8645"], "CM_RESOURCE_FILE"),
    (["CM_NAME=cm_tibero1", "CM_UI_PORT=port", "CM_RESOURCE_FILE=/tmp/x.res"], "CM_UI_PORT"),
    (["CM_ID=zero", "CM_NAME=cm_tibero1", "CM_UI_PORT=1", "CM_RESOURCE_FILE=/tmp/x.res"], "CM_ID"),
])
def test_boot_fails_on_invalid_tip(site, tip_lines, reason):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")
    node.write_tip("cm_tibero1", tip_lines)
    result = node.run("tbcm", "-b")
    assert result.returncode != 0
    assert "startup failed!" in result.stdout and reason in result.stdout
    assert node.run("tbcm", "-s").returncode != 0


def test_down_when_not_running_fails(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")
    assert node.run("tbcm", "-d").returncode != 0


def test_db_status_follows_tbsvr(cm_node):
    assert status(cm_node, "db", "tibero1") == "DOWN"
    cm_node.ok("tbboot")
    assert status(cm_node, "db", "tibero1") == "UP(NRML)"
    cm_node.ok("tbdown", "immediate")
    assert status(cm_node, "db", "tibero1") == "DOWN"


def test_cm_down_takes_db_down_abnormally_and_resources_persist(cm_node, site):
    script, _calls = agent_script(site, "prs_0", "exit 0")
    add_group_and_agent(cm_node, "CM1", "agent1", script)
    cm_node.ok("tbboot")
    before = show_rows(cm_node)
    out = cm_node.ok("tbcm", "-d")
    assert "Tibero instance terminated (ABNORMAL mode)." in out
    assert cm_node.run("tbdown").returncode != 0  # the instance is already down
    assert cm_node.run("cmrctl", "show").returncode != 0  # cmrctl needs the local CM
    cm_node.ok("tbcm", "-b")
    after = show_rows(cm_node)
    assert set(after) == set(before)
    assert after[("db", "tibero1")][0] == "DOWN"


def test_cm_restart_keeps_the_registration_and_restarts_a_started_groups_agent(cm_node, site):
    """Issue 3: registered resources survive tbcm -d / tbcm -b, and the new CM drives them again."""
    script, calls = agent_script(site, "prs_0", "exit 0")
    add_group_and_agent(cm_node, "CM1", "agent1", script, "--retry_cnt", "5")
    cm_node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert status(cm_node, "agent", "agent1") == "UP"
    with open(cm_node.resource_file) as handle:
        registered = handle.read()
    cm_node.ok("tbcm", "-d")
    assert calls_of(calls)[-1] == "DOWN"
    cm_node.ok("tbcm", "-b")
    with open(cm_node.resource_file) as handle:
        assert handle.read() == registered
    assert wait_until(lambda: calls_of(calls).count("START") == 2, timeout=SETTLE), calls_of(calls)
    assert wait_until(lambda: status(cm_node, "agent", "agent1") == "UP", timeout=SETTLE)
    assert status(cm_node, "group", "CM1") == "UP"


def test_group_start_runs_start_probe_and_stop_runs_down(cm_node, site):
    script, calls = agent_script(site, "prs_0", "exit 0")
    add_group_and_agent(cm_node, "CM1", "agent1", script)
    assert status(cm_node, "agent", "agent1") == "DOWN"
    out = cm_node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert "SUCCESS!" in out and "under the group(CM1)" in out
    assert status(cm_node, "group", "CM1") == "UP"
    assert status(cm_node, "agent", "agent1") == "UP"
    assert wait_until(lambda: "PROBE" in calls_of(calls), timeout=SETTLE)
    cm_node.ok("cmrctl", "stop", "group", "--name", "CM1")
    assert wait_until(lambda: "DOWN" in calls_of(calls), timeout=SETTLE)
    assert status(cm_node, "agent", "agent1") == "DOWN"
    assert status(cm_node, "group", "CM1") == "DOWN"
    cm_node.ok("cmrctl", "start", "agent", "--name", "agent1")  # group stopped: stays down
    cm_node.ok("cmrctl", "start", "group", "--name", "CM1")
    cm_node.ok("cmrctl", "stop", "group", "--name", "CM1", "--force")
    assert wait_until(lambda: "KILL" in calls_of(calls), timeout=SETTLE)


def test_sh_script_with_source_fails_with_127(cm_node, site):
    """Seed 000 section 2: `source` under /bin/sh (dash) is 'not found' -> rc 127."""
    body = "source /nonexistent/prs_cm.sh 2>/dev/null\nstart 7 agent1\nrc=$?\nexit $rc"
    script, _calls = agent_script(site, "prs_0", body, shebang="#!/bin/sh")
    add_group_and_agent(cm_node, "CM1", "agent1", script, "--retry_cnt", "0")
    cm_node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert wait_until(lambda: "returned 127" in cm_node.cm_log(), timeout=SETTLE)
    assert status(cm_node, "agent", "agent1") == "DOWN"


def test_retry_count_exhaustion_leaves_agent_down(cm_node, site):
    script, calls = agent_script(site, "prs_0", "exit 1")
    add_group_and_agent(cm_node, "CM1", "agent1", script, "--retry_cnt", "2")
    cm_node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert wait_until(lambda: "reached retry_cnt 2" in cm_node.cm_log(), timeout=SETTLE)
    assert calls_of(calls) == ["START"] * 3  # first start + 2 retries, then given up
    assert show_rows(cm_node)[("agent", "agent1")] == ("DOWN", "%s, start retry cnt: 2" % script)


def test_failed_probe_restarts_the_agent(cm_node, site):
    flag = os.path.join(site.root, "probe_fails")
    body = '[ "$1" = PROBE ] && [ -e %s ] && { rm -f %s; exit 1; }\nexit 0' % (flag, flag)
    script, calls = agent_script(site, "prs_0", body)
    add_group_and_agent(cm_node, "CM1", "agent1", script)
    cm_node.ok("cmrctl", "start", "group", "--name", "CM1")
    open(flag, "w").close()
    assert wait_until(lambda: calls_of(calls).count("START") == 2, timeout=SETTLE)
    assert wait_until(lambda: show_rows(cm_node)[("agent", "agent1")][1].endswith("start retry cnt: 1"))
    # The retry is counted when the restart begins; UP follows once its START returned.
    assert wait_until(lambda: status(cm_node, "agent", "agent1") == "UP", timeout=SETTLE)


def test_prosync_agent_does_not_start_without_cm_id(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")  # tip without CM_ID
    node.ok("tbcm", "-b")
    node.register_db_resources("cls_tibero", "inc1", "172.19.0.11", 8640, service="tibero")
    script, calls = agent_script(site, "prs_0", "exit 0")
    add_group_and_agent(node, "CM1", "agent1", script)
    node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert wait_until(lambda: "has no CM_ID" in node.cm_log(), timeout=SETTLE)
    assert calls_of(calls) == []
    assert status(node, "agent", "agent1") == "DOWN"


def test_commit_on_heartbeat_expiry_of_another_node(cm_pair, site):
    node1, node2 = cm_pair
    script1, calls1 = agent_script(site, "prs_0", "exit 0")
    script2, calls2 = agent_script(site, "prs_1", "exit 0")
    add_group_and_agent(node1, "CM1", "agent1", script1)
    add_group_and_agent(node2, "CM1", "agent2", script2)
    node1.ok("cmrctl", "start", "group", "--name", "CM1")
    assert status(node2, "agent", "agent2") == "UP"
    # "Container stopped": kill node2's CM without a goodbye, its heartbeat goes stale.
    os.kill(int(open(os.path.join(node2.tb_home, "instance", "cm_tibero2", "lab_cm.json")).read()
                .split('"pid":')[1].split(",")[0]), 9)
    assert wait_until(lambda: "COMMIT agent2" in calls_of(calls1), timeout=SETTLE)
    assert calls_of(calls1).count("COMMIT agent2") == 1
    assert "COMMIT" not in " ".join(calls_of(calls2))


def test_commit_when_an_agent_is_lost_for_good(cm_pair, site):
    node1, node2 = cm_pair
    script1, calls1 = agent_script(site, "prs_0", "exit 0")
    fail = os.path.join(site.root, "fail2")
    script2, _ = agent_script(site, "prs_1", "[ -e %s ] && exit 1\nexit 0" % fail)
    add_group_and_agent(node1, "CM1", "agent1", script1)
    add_group_and_agent(node2, "CM1", "agent2", script2, "--retry_cnt", "1")
    node1.ok("cmrctl", "start", "group", "--name", "CM1")
    open(fail, "w").close()
    assert wait_until(lambda: "COMMIT agent2" in calls_of(calls1), timeout=SETTLE)
    assert status(node2, "agent", "agent2") == "DOWN"


def test_no_commit_when_failover_is_off(cm_pair, site):
    node1, node2 = cm_pair
    script1, calls1 = agent_script(site, "prs_0", "exit 0")
    script2, _ = agent_script(site, "prs_1", "exit 0")
    node1.ok("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync",
             "--failover", "false")
    node1.ok("cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1", "--script", script1)
    node2.ok("cmrctl", "add", "agent", "--name", "agent2", "--grpname", "CM1", "--script", script2)
    node1.ok("cmrctl", "start", "group", "--name", "CM1")
    node2.ok("tbcm", "-d")
    assert wait_until(lambda: "lost" in node1.cm_log() or None, timeout=2) is None
    assert "COMMIT" not in " ".join(calls_of(calls1))
