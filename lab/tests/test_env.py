"""The Tibero user's environment: tbboot needs a terminal (TB-1), the CM tools need CM_HOME (ENV-1),
and the CM daemon hands agent scripts exactly the environment tbcm -b was given (ENV-2)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import LAB_BIN, SETTLE, wait_until, write_script
from labsim import common, tibero


@pytest.fixture
def db_node(site):
    return site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")


def test_tbboot_without_a_terminal_hangs_until_killed_by_default(db_node):
    assert common.LAB_CONF_DEFAULTS["LAB_TBBOOT_NEEDS_TTY"] == "Y"
    with pytest.raises(subprocess.TimeoutExpired):
        db_node.run("tbboot", timeout=2, tty=False)  # stdout is a pipe, as under a bare Ansible command
    assert tibero.running_instance(db_node.tb_home, db_node.tb_sid) is None


def test_tbboot_on_a_pseudo_terminal_boots(db_node):
    result = db_node.run("tbboot", tty=True)
    assert result.returncode == 0, result.stdout
    assert "Tibero instance started up (NORMAL mode)." in result.stdout


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux script not installed")
def test_tbboot_under_script_boots_and_passes_its_exit_code(db_node):
    """The way the collection runs it: script -q -e -c '<tbboot> [mode]' /dev/null, with pipes."""
    command = "%s %s mount" % (sys.executable, os.path.join(LAB_BIN, "tbboot"))
    argv = ["script", "-q", "-e", "-c", command, "/dev/null"]
    run = dict(env=db_node.env, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    booted = subprocess.run(argv, **run)
    assert booted.returncode == 0 and "Tibero instance started up (MOUNT mode)." in booted.stdout, booted
    again = subprocess.run(argv, **run)
    assert again.returncode != 0 and "BOOT FAILED." in again.stdout, again


def test_tbboot_without_a_terminal_boots_when_the_switch_is_off(db_node):
    db_node.site.conf(LAB_TBBOOT_NEEDS_TTY="N")
    assert "Tibero instance started up" in db_node.ok("tbboot", tty=False)


@pytest.mark.parametrize("tool, args", [("tbcm", ["-b"]), ("cmrctl", ["show"]), ("tbcmobs", ["-b"])])
def test_cm_tools_refuse_to_run_without_cm_home(db_node, tool, args):
    env = dict(db_node.env)
    del env["CM_HOME"]
    result = db_node.run(tool, *args, env=env)
    assert result.returncode != 0
    assert "%s: environment variable CM_HOME is not set." % tool in result.stderr, result.stderr
    assert not os.path.exists(os.path.join(db_node.tb_home, "instance", db_node.cm_sid, "lab_cm.json"))


def test_agent_scripts_get_exactly_the_environment_tbcm_was_started_with(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    # What a login profile sets, plus a site variable; no PYTHONPATH, no lab plumbing.
    given = {"TB_HOME": node.tb_home, "TB_SID": node.tb_sid, "CM_SID": node.cm_sid, "CM_HOME": node.tb_home,
             "PATH": "%s:%s/bin:%s/client/bin:/usr/bin:/bin" % (LAB_BIN, node.tb_home, node.tb_home),
             "LD_LIBRARY_PATH": "%s/lib:%s/client/lib" % (node.tb_home, node.tb_home),
             "HOME": site.root, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TB_NLS_LANG": "UTF8",
             "LAB_SHARED": site.shared, "LAB_NODE": node.name, "LAB_ALLOW_ROOT": "1"}
    node.ok("tbcm", "-b", env=given)
    node.register_db_resources("cls_tibero", "inc1", "172.19.0.11", 8640, service="tibero")
    seen = os.path.join(site.root, "agent_env.json")
    # A Python agent script: it adds nothing to the environment it prints (bash would add PWD, SHLVL, _).
    script = write_script(os.path.join(site.root, "prs_0.sh"),
                          "import json, os, sys\n"
                          "if sys.argv[1] == 'START':\n"
                          "    with open(%r, 'w') as out:\n"
                          "        json.dump(dict(os.environ), out)\n" % seen,
                          shebang="#!%s" % sys.executable)
    node.run("cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero", "--grptype", "prosync")
    node.ok("cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1", "--script", script)
    node.ok("cmrctl", "start", "group", "--name", "CM1")
    assert wait_until(lambda: os.path.exists(seen), timeout=SETTLE)
    with open(seen) as handle:
        assert json.load(handle) == given
    with open(os.path.join(node.tb_home, "instance", node.cm_sid, "lab_cm_env.json")) as handle:
        assert json.load(handle) == given
