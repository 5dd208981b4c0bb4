"""tbboot / tbdown: modes, the BOOT FAILED box, CM guard, root refusal, fault switches."""

import os
import subprocess

import pytest

from conftest import wait_until
from labsim import tibero


@pytest.fixture
def db_node(site):
    """A node with only a DB tip (not CM-managed)."""
    return site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")


def tbsvr_pid(node):
    return tibero.running_instance(node.tb_home, node.tb_sid)["pid"]


def test_boot_normal_starts_a_real_tbsvr_process(db_node):
    out = db_node.ok("tbboot")
    assert "Tibero instance started up (NORMAL mode)." in out
    with open("/proc/%d/cmdline" % tbsvr_pid(db_node), "rb") as handle:
        argv = handle.read().split(b"\0")
    assert argv[0] == b"tbsvr" and b"tibero1" in argv


@pytest.mark.parametrize("args, mode, status", [
    (["mount"], "MOUNT", "UP(MOUNT)"), (["-t", "recovery"], "RECOVERY", "UP(RECO)"),
    (["NOMOUNT"], "NOMOUNT", "UP(NOMT)")])
def test_boot_modes(db_node, args, mode, status):
    out = db_node.ok("tbboot", *args)
    assert "Tibero instance started up (%s mode)." % mode in out
    assert tibero.cm_status(db_node.tb_home, db_node.tb_sid) == status


def test_second_boot_prints_boot_failed_box(db_node):
    db_node.ok("tbboot")
    result = db_node.run("tbboot")
    assert result.returncode != 0
    assert "* BOOT FAILED." in result.stdout
    assert "tbsvr process (%d) is alive." % tbsvr_pid(db_node) in result.stdout


def test_boot_rejects_unknown_mode_and_missing_tip(db_node):
    assert db_node.run("tbboot", "fast").returncode != 0
    os.unlink(db_node.tip_path("tibero1"))
    result = db_node.run("tbboot")
    assert result.returncode != 0 and "Tip file open failed" in result.stdout


def test_open_instance_is_visible_in_shared_db_dir(db_node):
    db_node.ok("tbboot")
    assert wait_until(lambda: tibero.open_instances("tibero", shared=db_node.site.shared) == {"tibero1": "NORMAL"})


def test_tbboot_returns_only_once_the_instance_is_open(db_node, site):
    """No sleep stands in for readiness: with LAB_BOOT_SECONDS=0 the new tbsvr has not advertised
    anything yet when it is spawned, and tbboot must still return with the DB visible as open."""
    site.conf(LAB_BOOT_SECONDS="0")
    for _ in range(3):
        db_node.ok("tbboot")
        assert tibero.open_instances("tibero", shared=site.shared) == {"tibero1": "NORMAL"}
        db_node.ok("tbdown", "immediate")


@pytest.mark.parametrize("mode", ["normal", "post_tx", "immediate", "abort", "abnormal", "switchover"])
def test_down_modes(db_node, mode):
    db_node.ok("tbboot")
    pid = tbsvr_pid(db_node)
    out = db_node.ok("tbdown", *([] if mode == "normal" else [mode]))
    assert "Tibero instance terminated (%s mode)." % mode.upper() in out
    assert wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
                      open("/proc/%d/stat" % pid).read().split(") ")[1][0] == "Z", timeout=5)
    assert tibero.running_instance(db_node.tb_home, db_node.tb_sid) is None


def test_down_when_not_running_fails(db_node):
    result = db_node.run("tbdown", "immediate")
    assert result.returncode != 0 and "not running" in result.stderr


def test_down_clean_needs_confirmation(db_node):
    db_node.ok("tbboot")
    refused = db_node.run("tbdown", "clean", stdin="n\n")
    assert refused.returncode != 0 and "(y/n)" in refused.stdout
    assert tibero.running_instance(db_node.tb_home, db_node.tb_sid) is not None
    confirmed = db_node.ok("tbdown", "clean", stdin="y\n")
    assert "Tibero instance terminated (CLEAN mode)." in confirmed
    assert tibero.running_instance(db_node.tb_home, db_node.tb_sid) is None


def test_cm_managed_instance_refuses_to_boot_while_cm_down(cm_node):
    cm_node.ok("tbcm", "-d")
    result = cm_node.run("tbboot")
    assert result.returncode != 0
    assert "BOOT FAILED." in result.stdout and "CM is not running" in result.stdout
    cm_node.ok("tbcm", "-b")
    assert "Tibero instance started up (NORMAL mode)." in cm_node.ok("tbboot")


def test_tools_refuse_root_without_the_test_override(db_node):
    if os.geteuid() != 0:
        pytest.skip("needs root to observe the refusal")
    env = dict(db_node.env)
    del env["LAB_ALLOW_ROOT"]
    for tool in ("tbboot", "tbdown", "tbcm", "cmrctl"):
        result = db_node.run(tool, env=env, tty=False)
        assert result.returncode != 0 and "must not be run as root" in result.stderr


def test_hang_switches(db_node):
    db_node.site.conf(LAB_HANG_TBBOOT="Y")
    with pytest.raises(subprocess.TimeoutExpired):
        db_node.run("tbboot", timeout=1.5)  # on a terminal: hangs all the same
    db_node.site.conf(LAB_HANG_TBBOOT="N", LAB_TBBOOT_NEEDS_TTY="Y")
    with pytest.raises(subprocess.TimeoutExpired):
        db_node.run("tbboot", timeout=1.5, tty=False)  # stdout is a pipe, not a terminal
    db_node.site.conf(LAB_TBBOOT_NEEDS_TTY="N", LAB_HANG_CMRCTL="Y")
    with pytest.raises(subprocess.TimeoutExpired):
        db_node.run("cmrctl", "show", timeout=1.5)
