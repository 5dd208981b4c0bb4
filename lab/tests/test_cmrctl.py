"""cmrctl: seed table layout, add/del/start/stop errors, TSC dispatch."""

import pytest

from conftest import SETTLE, wait_until, write_script

SEED_HOME = "/home/tibero/tibero/tibero7"
# Seed 000 section 5.6, node cm_tibero1 (db shown DOWN: the seed paths host no tbsvr here).
SEED_TABLE = """Resource List of Node cm_tibero1
=====================================================================
  CLUSTER     TYPE        NAME       STATUS           DETAIL         
----------- -------- -------------- -------- ------------------------
     COMMON  network           inc1       UP (private) 172.19.0.11/8640
     COMMON  cluster     cls_tibero       UP inc: inc1, pub: N/A
 cls_tibero     file   cls_tibero:0       UP /home/tibero/tibero/tibero7/cmfile/tibero/cmdata
 cls_tibero  service         tibero       UP Database, Active Cluster (auto-restart: OFF)
 cls_tibero       db        tibero1     DOWN tibero, /home/tibero/tibero/tibero7, failed retry cnt: 0
 cls_tibero    group            CM1     DOWN type: prosync (failover: ON)
=====================================================================
"""


@pytest.fixture
def seed_node(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    node.ok("tbcm", "-b")
    node.ok("cmrctl", "add", "network", "--name", "inc1", "--nettype", "private", "--ipaddr", "172.19.0.11",
            "--portno", "8640")
    node.ok("cmrctl", "add", "cluster", "--name", "cls_tibero", "--incnet", "inc1",
            "--cfile", SEED_HOME + "/cmfile/tibero/cmdata")
    node.ok("cmrctl", "start", "cluster", "--name", "cls_tibero")
    node.ok("cmrctl", "add", "service", "--name", "tibero", "--cname", "cls_tibero", "--type", "db",
            "--mode", "AC")
    node.ok("cmrctl", "add", "db", "--name", "tibero1", "--svcname", "tibero", "--dbhome", SEED_HOME,
            "--envfile", "/dev/null")
    return node


def test_show_matches_the_seed_layout(seed_node):
    out = seed_node.ok("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync")
    assert out == "Resource add success! (group, CM1)\n"
    assert seed_node.ok("cmrctl", "show") == SEED_TABLE
    assert seed_node.ok("cmrctl", "show", "all") == SEED_TABLE  # single node cluster


def test_long_detail_wraps_onto_detail_only_lines(seed_node, site):
    script = write_script(site.root + "/" + "a" * 40 + "_prs_0.sh", "exit 0")
    seed_node.ok("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync")
    seed_node.ok("cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1", "--script", script)
    lines = seed_node.ok("cmrctl", "show").splitlines()
    row = [i for i, line in enumerate(lines) if line.split()[1:3] == ["agent", "agent1"]][0]
    assert lines[row].split()[:4] == ["cls_tibero", "agent", "agent1", "DOWN"]
    assert lines[row + 1] == " " * 45 + "start retry cnt: 0"


@pytest.mark.parametrize("args, message", [
    (["add", "group", "--name", "CM1", "--cname", "nocluster", "--grptype", "prosync"], "nocluster"),
    (["add", "group", "--name", "CM1", "--cname", "cls_tibero"], "--grptype"),
    (["add", "agent", "--name", "a1", "--grpname", "NOGRP", "--script", "/bin/true"], "NOGRP"),
    (["add", "agent", "--name", "a1", "--grpname", "CM1", "--script", "/nonexistent/prs_0.sh"], "does not exist"),
    (["add", "agent", "--name", "a1", "--grpname", "CM1", "--script", "/bin/true", "--retry_cnt", "x"], "retry_cnt"),
    (["add", "db", "--name", "tibero1", "--svcname", "tibero", "--dbhome", "/x", "--envfile", "/dev/null"],
     "already exists"),
    (["add", "network", "--name", "inc1", "--nettype", "private", "--ipaddr", "1.2.3.4", "--portno", "1"],
     "already exists"),
    (["add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync", "--failover", "maybe"],
     "failover"),
    (["add", "vip", "--name", "v1"], "Invalid resource type"),
    (["del", "group", "--name", "NOGRP"], "NOGRP"),
    (["del", "network", "--name", "inc1"], "a cluster resource uses it"),
    (["start", "group", "--name", "NOGRP"], "NOGRP"),
    (["frobnicate"], "Usage"),
])
def test_errors_exit_non_zero_with_a_message(seed_node, args, message):
    result = seed_node.run("cmrctl", *args)
    assert result.returncode != 0
    assert message in result.stderr


def test_add_existing_group_fails(seed_node):
    args = ["add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync"]
    seed_node.ok("cmrctl", *args)
    result = seed_node.run("cmrctl", *args)
    assert result.returncode != 0 and "already exists" in result.stderr


def test_cannot_delete_started_group_or_running_agent(seed_node, site):
    script = write_script(site.root + "/prs_0.sh", "exit 0")
    seed_node.ok("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync")
    seed_node.ok("cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1", "--script", script)
    assert "agent resources still belong" in seed_node.run("cmrctl", "del", "group", "--name", "CM1").stderr
    seed_node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert "running" in seed_node.run("cmrctl", "del", "agent", "--name", "agent1").stderr
    seed_node.ok("cmrctl", "stop", "group", "--name", "CM1")
    assert seed_node.ok("cmrctl", "del", "agent", "--name", "agent1") == "Resource del success! (agent, agent1)\n"
    seed_node.ok("cmrctl", "del", "group", "--name", "CM1")
    assert "CM1" not in seed_node.ok("cmrctl", "show")


def test_cmrctl_needs_the_local_cm(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")
    result = node.run("cmrctl", "show")
    assert result.returncode != 0 and "cmrctl needs the local CM" in result.stderr


def test_service_keeps_tsc_options(seed_node):
    import json
    seed_node.ok("cmrctl", "add", "service", "--name", "tsc_db", "--cname", "cls_tibero", "--type", "db",
                 "--mode", "AC", "--tscid", "10", "--obsip", "172.19.0.20", "--obsport", "9000")
    with open(seed_node.site.shared + "/cm/cls_tibero/cmfile.json") as handle:
        service = [r for r in json.load(handle)["resources"] if r["name"] == "tsc_db"][0]
    assert (service["tscid"], service["obsip"], service["obsport"]) == ("10", "172.19.0.20", "9000")


def test_tsc_commands_are_dispatched(seed_node):
    """`set/switchover/show --tscid` go to labsim.tsc.cli; a clear error while it is missing."""
    result = seed_node.run("cmrctl", "show", "--tscid", "10")
    try:
        import labsim.tsc  # noqa: F401
    except ImportError:
        assert result.returncode != 0 and "labsim.tsc is missing" in result.stderr
    else:
        assert "TSC(ID: 10)" in result.stdout or result.returncode != 0


# Vendor-facts CMR-6: the public `cmrctl show service --name tac` sample, line for line but the values.
PUBLIC_SERVICE_SHAPE = """Service Resource Info
=================================================
Service name    : tibero
Service type    : Database
Service mode    : Active Cluster
Cluster         : cls_tibero
Inst. Auto Start: OFF
Interrupt Status: COMMITTED
Incarnation No. : 1 / 1 (CUR / COMMIT)
=================================================
| INSTANCE LIST                                 |
|-----------------------------------------------|
| NID   NAME    Status  Intr Stat ACK No. Sched |
| --- -------- -------- --------- ------- ----- |
|   1 cm_tibero1     DOWN COMMITTED       1     Y |
=================================================
"""


def test_show_service_name_prints_the_public_format(seed_node):
    assert seed_node.ok("cmrctl", "show", "service", "--name", "tibero") == PUBLIC_SERVICE_SHAPE


def test_show_group_name_prints_the_derived_format_per_node(site):
    nodes = [site.node("node%d" % i, tb_sid="tibero%d" % i, cm_sid="cm_tibero%d" % i, cm_id=i - 1) for i in (1, 2)]
    for i, node in enumerate(nodes, 1):
        node.ok("tbcm", "-b")
        node.ok("cmrctl", "add", "network", "--name", "inc%d" % i, "--nettype", "private", "--ipaddr",
                "172.19.0.1%d" % i, "--portno", "8640")
        node.ok("cmrctl", "add", "cluster", "--name", "cls_tibero", "--incnet", "inc%d" % i, "--cfile", "/x/cmdata")
    nodes[0].ok("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync",
                "--failover", "false")
    for i, node in enumerate(nodes, 1):
        script = write_script("%s/prs_%d.sh" % (site.root, i), "exit 0")
        node.ok("cmrctl", "add", "agent", "--name", "agent%d" % i, "--grpname", "CM1", "--script", script)
    # node1's agent reaches node2's view when node1's CM publishes it (a CM tick): wait for it, then the format.
    shown = wait_until(lambda: "cm_tibero1" in nodes[1].ok("cmrctl", "show", "group", "--name", "CM1")
                       and nodes[1].ok("cmrctl", "show", "group", "--name", "CM1"), timeout=SETTLE)
    assert shown == """Group Resource Info
=================================================
Group name      : CM1
Group type      : prosync
Cluster         : cls_tibero
Failover        : OFF
=================================================
| AGENT LIST                                    |
|-----------------------------------------------|
| NID   NAME          AGENT   Status            |
| --- ---------- ---------- --------            |
|   1 cm_tibero1     agent1     DOWN            |
|   2 cm_tibero2     agent2     DOWN            |
=================================================
"""


@pytest.mark.parametrize("args", [["show", "agent", "--name", "agent1"], ["show", "db", "--name", "tibero1"],
                                  ["show", "service", "--name", "nosvc"], ["show", "group", "--name", "NOGRP"]])
def test_show_name_of_other_types_or_unknown_names_fails(seed_node, args):
    result = seed_node.run("cmrctl", *args)
    assert result.returncode != 0 and result.stdout == "" and result.stderr


def test_start_and_stop_cluster_answer_msg_sending_success(seed_node):
    assert seed_node.ok("cmrctl", "stop", "cluster", "--name", "cls_tibero") == "MSG SENDING SUCCESS!\n"
    assert " cls_tibero       UP" not in seed_node.ok("cmrctl", "show")
    assert seed_node.ok("cmrctl", "start", "cluster", "--name", "cls_tibero") == "MSG SENDING SUCCESS!\n"


ADD_DB2 = ["add", "db", "--name", "tibero9", "--svcname", "tibero", "--dbhome", SEED_HOME]


@pytest.mark.parametrize("stdin", [None, "", "n\n", "yes please\n"], ids=["devnull", "eof", "no", "other"])
def test_add_db_without_envfile_is_cancelled_unless_confirmed(seed_node, stdin):
    result = seed_node.run("cmrctl", *ADD_DB2, stdin=stdin, timeout=10)
    assert result.returncode == 1
    assert "Continue? (y/n)" in result.stdout and "Canceled" in result.stderr
    assert "tibero9" not in seed_node.ok("cmrctl", "show")


def test_add_db_without_envfile_goes_on_after_y(seed_node):
    out = seed_node.ok("cmrctl", *ADD_DB2, stdin="y\n")
    assert out.endswith("Continue? (y/n): Resource add success! (db, tibero9)\n")
    assert " tibero9 " in seed_node.ok("cmrctl", "show")
