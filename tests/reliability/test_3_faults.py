# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults at run time on the converged lab: two runs at once, hung vendor tools, a node down.

* Two runs at once: while run A holds the cluster lock and has a CM restart to do, run B (only the
  cm_node phase, by its tag) fails in preflight, saying another run holds the lock; B never reaches a CM
  task, A converges.
* Hangs: with LAB_HANG_CMRCTL=Y / LAB_HANG_TBBOOT=Y and tibero_cm_command_timeout=TIMEOUT the run
  fails within a bound, with a message naming the host and the command; with the fault cleared the
  next run converges.
* --check --diff with a CM_ID to add plans the restart sequence and changes nothing.
* An unreadable prs_instance.map, or one on another agent host that records the instance (the
  install host moved), stops the run before prs_install.sh (which would drop the ProSync objects).
* A finished install's leftover marker is removed, and nothing is installed again.
* A lock directory without owner record is named, and tibero_cm_lock_break clears it.
* Node down at start (last: it is the most disruptive): preflight names the node and stops before
  touching any other node; tibero_cm_allow_unreachable=true proceeds with the reachable ones.
* The health gate: with a node's peer powered off and left out, its restart refuses to stop it.
"""

from __future__ import absolute_import, division, print_function

import re
import time

import pytest

import lablib
from test_2_interruption import _drop_cm_id, assert_converged_and_healthy

pytestmark = pytest.mark.figure('faults')
TIMEOUT = 15


def _cm_id(lab, node):
    return lablib.parse_tip(lab.read_bytes(node, lab.tip_path(node))).get('CM_ID')


def _lock_held(lab):
    return lab.sh('node1', 'test -f %s/run.lock/owner' % lablib.STATE_DIR, check=False).returncode == 0


def test_a_second_run_fails_clearly_while_the_first_holds_the_lock(lab):
    installs = lab.install_counts()
    # Two restarts to do, so that run A still holds the lock when run B reaches its lock check.
    _drop_cm_id('node2')(lab)
    _drop_cm_id('node4')(lab)
    # Run A skips phases 2-3 (nothing to do on the converged lab); run B runs the cm_node phase alone.
    first = lab.playbook('--tags', 'preflight,cm_node,cm_resources,verify', background=True)
    try:
        lab.wait_for(lambda: _lock_held(lab) or first.poll() is not None, timeout=600, what='run A to take the lock')
        assert first.poll() is None, 'run A ended before the test could start run B'
        # Run B is one phase only: its tag still brings the live checks and the lock (issue 14).
        second = lab.playbook('--tags', 'cm_node')
    finally:
        result_a = lab.wait(first, first.tcm_out, first.tcm_start)
    assert second.rc != 0, second
    assert 'another tibero.cm run holds the cluster lock' in second.out, second
    assert 'CM node |' not in second.out and 'CM resources |' not in second.out, second
    assert result_a.rc == 0, result_a
    assert _cm_id(lab, 'node2') == '1' and _cm_id(lab, 'node4') == '1'
    assert_converged_and_healthy(lab, installs)


def _fail_message(out):
    """The failure part of a run's output: from the first error on (messages wrap over lines)."""
    starts = [i for i in (out.find('[ERROR]'), out.find('fatal:')) if i >= 0]
    return out[min(starts):] if starts else ''


def _fail_task(out):
    """The header of the task that failed first (the last ``TASK [...]`` line before the first error)."""
    failure = _fail_message(out)
    before = out[:len(out) - len(failure)] if failure else out
    headers = [line for line in before.splitlines() if line.startswith('TASK [')]
    return headers[-1] if headers else ''


def _flat(text):
    """``text`` with the line wrapping of the output's YAML undone (runs of blanks and newlines: one blank)."""
    return ' '.join(text.split())


def test_hung_cmrctl_fails_within_the_timeout_naming_host_and_command(lab):
    installs = lab.install_counts()
    lab.set_conf(LAB_HANG_CMRCTL='Y')
    try:
        start = time.monotonic()
        hung = lab.playbook('-e', 'tibero_cm_command_timeout=%d' % TIMEOUT, timeout=600)
        seconds = time.monotonic() - start
    finally:
        lab.set_conf()
    assert hung.rc != 0, hung
    message = _fail_message(hung.out)
    assert 'cmrctl' in message and re.search(r'node[1-4]', message), hung
    assert str(TIMEOUT) in message, hung
    # Bound: the configured timeout plus the run's own overhead, not the 300 s default.
    assert seconds < 300, seconds
    # It failed in preflight, before changing anything: the site is as healthy as before.
    assert 'CM node |' not in hung.out
    assert_converged_and_healthy(lab, installs)


def test_hung_tbboot_fails_naming_host_and_command_and_the_next_run_recovers(lab):
    installs = lab.install_counts()
    _drop_cm_id('node2')(lab)
    lab.set_conf(LAB_HANG_TBBOOT='Y')
    try:
        start = time.monotonic()
        # Phases 2-3 have nothing to do on the converged lab: the run goes to node2's restart directly.
        hung = lab.playbook('-e', 'tibero_cm_command_timeout=%d' % TIMEOUT, '--tags', 'preflight,cm_node',
                            timeout=600)
        seconds = time.monotonic() - start
    finally:
        lab.set_conf()
    assert hung.rc != 0, hung
    message = _fail_message(hung.out)
    assert 'tbboot' in message and 'node2' in message, hung
    assert str(TIMEOUT) in message, hung
    # The recovery's tbboot hangs too: the run says so at once instead of polling minutes for a DB
    # that no boot is bringing up.
    assert 'Bringing the node back up failed too' in message and 'Unknown error' not in message, hung
    assert 'RETRYING' not in hung.out, hung
    assert seconds < 400, seconds
    # node1 was not touched after node2 failed (serial, any_errors_fatal): nodes 3 and 4 kept theirs.
    rerun = lab.playbook()
    assert rerun.rc == 0, rerun
    assert_converged_and_healthy(lab, installs)


def test_check_diff_plans_a_pending_cm_id_restart_and_changes_nothing(lab):
    installs = lab.install_counts()
    _drop_cm_id('node2')(lab)
    before = lab.fingerprint()
    planned = lab.playbook('--check', '--diff', '--tags', 'preflight,cm_node')
    assert planned.rc == 0, planned
    # The plan: node2's tip gets CM_ID=1 through the restart sequence (the CM restart planned with its DB up).
    assert '+CM_ID=1' in planned.out and 'CM node | Restart the CM, tbcm -d and tbcm -b cm_tibero2' in planned.out, planned
    assert re.search(r'node2\s*:\s*ok=\d+\s+changed=[1-9]', planned.out), planned
    after = lab.fingerprint()
    for key in before:
        assert after[key] == before[key], key
    assert _cm_id(lab, 'node2') is None
    assert lab.playbook().rc == 0
    assert_converged_and_healthy(lab, installs)


def test_an_unreadable_prs_instance_map_stops_the_run_before_prs_install(lab):
    installs = lab.install_counts()
    path = lablib.PRS_HOME + '/config/prs_instance.map'
    owner_mode = lab.sh('node1', "stat -c '%%U:%%G %%a' %s" % path).stdout.split()
    lab.sh('node1', 'chown root:root %s && chmod 0600 %s' % (path, path))
    try:
        # Phase 3 reads the map on the install host (node1); phases 2, 4-5 have nothing to do here.
        stopped = lab.playbook('--tags', 'preflight,prosync_instance')
    finally:
        lab.sh('node1', 'chown %s %s && chmod %s %s' % (owner_mode[0], path, owner_mode[1], path))
    assert stopped.rc != 0, stopped
    message = _flat(_fail_message(stopped.out))
    assert path + ' exists but cannot be read' in message and 'prs_install.sh was not run' in message, stopped
    # The refusal came from the guarded install task itself, before it ran anything.
    assert 'ProSync instance | Run prs_install.sh once' in _fail_task(stopped.out), stopped
    assert lab.install_counts() == installs  # no drop and re-create of the ProSync objects
    # The failed run left its lock (its process is gone): the next run takes it over and releases it.
    assert lab.playbook('--tags', 'preflight').rc == 0
    assert_converged_and_healthy(lab, installs)


def test_a_moved_install_host_does_not_install_the_instance_again(lab):
    installs = lab.install_counts()

    def move(model):
        model['tibero_cm_instance']['install_host'] = 'node2'  # the instance was installed from node1
    lab.write_inventory(move)
    try:
        moved = lab.playbook('--tags', 'preflight,prosync_instance')
    finally:
        lab.write_inventory()
    assert moved.rc != 0, moved
    message = _flat(_fail_message(moved.out))
    assert 'node2: instance TAC2TAC is not in this host' in message, moved
    assert 'recorded as installed on node1' in message and 'install_host to node1' in message, moved
    assert 'ProSync instance | Run prs_install.sh once' in _fail_task(moved.out), moved
    assert lab.install_counts() == installs
    assert lab.playbook('--tags', 'preflight').rc == 0  # takes over the failed run's lock, releases it
    assert_converged_and_healthy(lab, installs)


def test_a_finished_install_s_leftover_marker_is_cleared_without_installing_again(lab):
    installs = lab.install_counts()
    marker = lablib.PRS_HOME + '/var/tibero_cm_prs_install_started_TAC2TAC'
    # What a run killed after prs_install.sh recorded the instance, but before it cleared the marker, leaves.
    lab.sh('node1', "su prosync -c 'echo 2026-01-01T00:00:00+00:00 node1 > %s'" % marker)
    cleared = lab.playbook('--tags', 'preflight,prosync_instance')
    assert cleared.rc == 0, cleared
    assert lab.sh('node1', 'test -e %s' % marker, check=False).returncode != 0, 'the marker is still there'
    assert lab.install_counts() == installs
    assert_converged_and_healthy(lab, installs)


def test_a_lock_without_owner_record_is_named_and_lock_break_clears_it(lab):
    installs = lab.install_counts()
    # What a run killed between taking the lock (mkdir) and recording its owner leaves behind.
    lab.sh('node1', 'mkdir -p %s/run.lock && rm -f %s/run.lock/owner' % (lablib.STATE_DIR, lablib.STATE_DIR))
    blocked = lab.playbook('--tags', 'preflight')
    assert blocked.rc != 0, blocked
    message = _flat(_fail_message(blocked.out))
    assert 'node1:%s/run.lock: cannot take the cluster lock' % lablib.STATE_DIR in message, blocked
    assert '-e tibero_cm_lock_break=true' in message, blocked
    broken = lab.playbook('--tags', 'preflight', '-e', 'tibero_cm_lock_break=true')
    assert broken.rc == 0, broken
    assert 'removing any lock without an owner record' in _flat(broken.out), broken
    assert_converged_and_healthy(lab, installs)  # includes: no run lock left


def _settled_fingerprint(lab):
    """The fingerprint of nodes 1-3 if it did not change over a few seconds, else None."""
    keys = ('node1', 'node2', 'node3', 'resources')
    first = lab.fingerprint(nodes=['node1', 'node2', 'node3'])
    time.sleep(5)
    second = lab.fingerprint(nodes=['node1', 'node2', 'node3'])
    return first if all(first[k] == second[k] for k in keys) else None


def test_node_down_at_start_stops_before_touching_any_node_and_the_option_proceeds(lab):
    installs = lab.install_counts()
    _drop_cm_id('node1')(lab)
    down = lab.unreachable_inventory('node4')
    assert lablib.docker('stop', '-t', '1', lablib.container('node4')).returncode == 0
    try:
        # The reference is taken once node4 is down and the other nodes have reacted to it (the CMs
        # move node4's work away): what the run must not change is the state it found.
        before = lab.wait_for(lambda: _settled_fingerprint(lab), timeout=180, what='nodes 1-3 to settle')
        stopped = lab.playbook(inventory=down, timeout=600)
        assert stopped.rc != 0, stopped
        assert 'UNREACHABLE' in stopped.out, stopped  # the setup: node4 really did not answer
        assert 'unreachable node(s): node4' in stopped.out, stopped
        assert 'tibero_cm_allow_unreachable' in stopped.out
        after = lab.fingerprint(nodes=['node1', 'node2', 'node3'])
        for key in ('node1', 'node2', 'node3', 'resources'):
            assert after[key] == before[key], key
        assert _cm_id(lab, 'node1') is None
        proceed = lab.playbook('-e', 'tibero_cm_allow_unreachable=true', inventory=down, timeout=600)
        assert proceed.rc == 0, proceed
        # verify left node4's agent out (its processes run on the other agents) and says so
        assert 'LEFT OUT (unreachable)' in proceed.out, proceed
        assert _cm_id(lab, 'node1') == '0'
    finally:
        lablib.docker('start', lablib.container('node4'))
        lab.sh('node4', '/opt/lab/bin/lab-provision', check=False, timeout=300)
    rerun = lab.playbook()
    assert rerun.rc == 0, rerun
    assert_converged_and_healthy(lab, installs)


def test_the_health_gate_keeps_a_node_up_while_its_peer_does_not_serve(lab):
    """node3 needs its CM restart, node4 (its cluster's other DB) is powered off and left out
    (tibero_cm_allow_unreachable=true): the restart refuses to stop node3 (tibero_instance serving_peers, read
    from node3's cmrctl show all), before any command, and says how to override; node3 keeps serving."""
    installs = lab.install_counts()
    _drop_cm_id('node3')(lab)
    tb_sid = lablib.SITE['node3'][1]
    peer_sid = lablib.SITE['node4'][1]
    down = lab.unreachable_inventory('node4')
    assert lablib.docker('stop', '-t', '1', lablib.container('node4')).returncode == 0
    try:
        # The gate reads node3's CM: wait until it no longer lists node4's DB UP(NRML).
        lab.wait_for(lambda: not any(r['type'] == 'db' and r['name'] == peer_sid and r['status'] == 'UP(NRML)'
                                     for r in lab.show_all('node3')), timeout=120, what='node3 to see node4 down')
        pids = lab.pids('node3', 'tbsvr|tbcm')
        refused = lab.playbook('-e', 'tibero_cm_allow_unreachable=true', inventory=down, timeout=600)
        assert refused.rc != 0, refused
        message = _flat(_fail_message(refused.out))
        assert 'refusing to stop %s' % tb_sid in message and peer_sid in message, refused
        assert 'Nothing was stopped' in message and 'tibero_cm_restart_all_at_once=true' in message, refused
        # No recovery of a node that was never stopped, and nothing of it touched.
        assert 'Bringing the node back up' not in refused.out and 'CM node | Restart the CM' not in refused.out, refused
        assert lab.pids('node3', 'tbsvr|tbcm') == pids
        assert _cm_id(lab, 'node3') is None
        assert lab.sh('node3', 'test -e %s/restart-in-progress' % lablib.STATE_DIR, check=False).returncode != 0
    finally:
        lablib.docker('start', lablib.container('node4'))
        lab.sh('node4', '/opt/lab/bin/lab-provision', check=False, timeout=300)
    rerun = lab.playbook()
    assert rerun.rc == 0, rerun
    assert _cm_id(lab, 'node3') == '0'
    assert_converged_and_healthy(lab, installs)
