# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 operations on the converged reliability lab (issue 17): the audit and retiring an agent.

* ``tibero.cm.audit`` (from the built collection, as an operator runs it) on the converged lab: exit 0,
  an empty difference list, ``no drift``, nothing changed on any node;
* drift made by hand - an extra agent registered in group CM1 on node1 (``cmrctl add agent``), CM_ID
  of node4's CM tip changed, a CM parameter of agent2's cfg changed: the audit exits non-zero, its JSON
  names each difference, ``--check`` reports the same, and nothing changed;
* verify reports the extra agent as drift without failing; ``site.yml --check -e tibero_cm_prune=true``
  plans its deregistration and changes nothing; ``site.yml -e tibero_cm_prune=true`` deregisters it,
  removes its script and converges the rest; the audit exits 0 again, and the lab stays converged.
"""

from __future__ import absolute_import, division, print_function

import json
import os

import pytest

import lablib

pytestmark = pytest.mark.figure('day2')

EXTRA_SCRIPT = lablib.PRS_HOME + '/bin/prs_9.sh'
AGENT2_CFG = lablib.PRS_HOME + '/config/prs_agent_agent2.cfg'


def _audit(lab, name, *args):
    path = os.path.join(lab.workdir, name)
    if os.path.exists(path):
        os.unlink(path)
    result = lab.playbook('-e', 'tibero_cm_audit_report=' + path, *args, playbook='tibero.cm.audit', timeout=300)
    assert os.path.exists(path), result
    with open(path) as handle:
        return result, json.load(handle)


def _assert_unchanged(before, after):
    for key in before:
        assert after[key] == before[key], '%s changed:\n%s\n---\n%s' % (key, before[key], after[key])


def _kinds(report):
    return sorted((d['kind'], d['host'], d['what']) for d in report['differences'])


def test_audit_of_the_converged_lab_finds_nothing_and_changes_nothing(lab):
    before = lab.fingerprint()
    result, report = _audit(lab, 'audit-clean.json')
    _assert_unchanged(before, lab.fingerprint())
    assert result.rc == 0, result
    assert report['ok'] is True and report['differences'] == [], report
    assert 'no drift: the site matches the model' in result.out, result
    assert 'changed=0' in result.out and 'changed=1' not in result.out, result
    # No run lock is taken (the fingerprint covers the state directory too).
    assert 'run lock' not in result.out.lower(), result


def test_drift_is_audited_reported_by_verify_and_pruned_only_with_the_switch(lab):
    # Drift by hand: an agent the model does not have, registered in CM1 on node1 (its script exits 0,
    # so CM keeps it UP); node4's CM tip with another CM_ID (the running CM is not restarted); agent2's
    # status interval changed.
    lab.sh('node1', 'printf "#!/bin/bash\\nexit 0\\n" > %s && chmod 0755 %s' % (EXTRA_SCRIPT, EXTRA_SCRIPT),
           user='prosync')
    lab.tibero('node1', 'cmrctl add agent --name agent9 --grpname CM1 --script %s --retry_cnt 3' % EXTRA_SCRIPT)
    lab.sh('node4', "sed -i 's/^CM_ID=.*/CM_ID=3/' %s" % lab.tip_path('node4'), user='tibero')
    lab.sh('node2', "sed -i 's/^PRS_AGENT_PROC_STATUS_INTERVAL.*/PRS_AGENT_PROC_STATUS_INTERVAL = 5/' %s"
           % AGENT2_CFG, user='prosync')
    lab.wait_for(lambda: any(r['name'] == 'agent9' and r['status'] == 'UP' for r in lab.show_all('node1')),
                 timeout=60, what='agent9 UP')

    installs = lab.install_counts()
    before = lab.fingerprint()
    result, report = _audit(lab, 'audit-drift.json')
    checked, checked_report = _audit(lab, 'audit-drift-check.json', '--check')
    _assert_unchanged(before, lab.fingerprint())
    expected = [
        ('agent_extra', 'node1', 'agent agent9 in group CM1'),
        ('agent_param', 'node2', 'prs_agent_agent2.cfg PRS_AGENT_PROC_STATUS_INTERVAL'),
        ('cm_id', 'node4', 'cm_tibero_tar2.tip CM_ID'),
    ]
    assert result.rc != 0 and report['ok'] is False, result
    assert _kinds(report) == expected, report
    cm_id = [d for d in report['differences'] if d['kind'] == 'cm_id'][0]
    assert (cm_id['expected'], cm_id['actual']) == ('1', '3')
    assert 'Fail on drift' in result.out and 'Nothing was changed' in result.out, result
    for kind, host, what in expected:
        assert kind in result.out and what in result.out, (what, result)
    # The same with --check: the audit only reads.
    assert checked.rc != 0 and _kinds(checked_report) == expected, checked

    # Verify reports the extra agent as drift and does not fail on it.
    verify_json = os.path.join(lab.workdir, 'verify-drift.json')
    verify = lab.playbook('-e', 'tibero_cm_verify_report=' + verify_json, playbook='playbooks/verify.yml')
    assert verify.rc == 0, verify
    assert 'drift: agent agent9 (group CM1, UP) is registered on node1 but absent from the model' in verify.out, verify
    with open(verify_json) as handle:
        summary = json.load(handle)
    assert [(d['host'], d['agent'], d['group']) for d in summary['drift']] == [('node1', 'agent9', 'CM1')]

    # --check with the switch plans the deregistration and the script's removal, and changes nothing.
    before = lab.fingerprint()
    planned = lab.playbook('--check', '--diff', '-e', 'tibero_cm_prune=true', '--tags', 'cm_resources')
    _assert_unchanged(before, lab.fingerprint())
    assert planned.rc == 0, planned
    for task in ('Deregister an agent absent from the model', 'Remove the script of a deregistered agent'):
        block = planned.out.split(task, 1)[1].split('TASK [', 1)[0]
        assert 'changed: [node1]' in block, (task, planned)

    # The switch: agent9 deregistered and its script removed; the rest converged by the same run.
    pruned = lab.playbook('-e', 'tibero_cm_prune=true')
    assert pruned.rc == 0, pruned
    assert not any(r['name'] == 'agent9' for r in lab.show_all('node1')), pruned
    assert lab.read('node1', EXTRA_SCRIPT) is None
    assert lablib.parse_tip(lab.read_bytes('node4', lab.tip_path('node4')))['CM_ID'] == '1'
    assert lab.install_counts() == installs, 'prs_install.sh ran again'

    result, report = _audit(lab, 'audit-after.json')
    assert result.rc == 0 and report['differences'] == [], result
