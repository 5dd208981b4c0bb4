# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node and its agent added to a running site (issue 17, scenario 1). Runs last: it leaves the shared lab
with a fifth node.

node5 is a genuinely new node: a fifth container of the lab image, the third TAC member of cls_tibero_tar
(thread 2, its own TB_SID/CM_SID/ports: lablib.NEW_NODE_TOPOLOGY), provisioned as a DBA would (lab-provision:
Tibero instance booted, CM started and registered in the cluster's shared CM file, so the cluster's other
CMs list it; nothing of the collection) while the model does not know it yet. It joins the target cluster,
not the source: a third source instance is a third redo thread, which needs a third extract process
(EXT_CNT = SRC_DB_CNT, the model refuses anything else), an instance change only the vendor procedure makes.

* The model gains node5 and agent5 and also adds agent5 to APPLY_AGENT_ID_LIST: the run stops in phase 2
  before any change on any node (node5 included), naming the list and the vendor procedure; prs_install.sh
  does not run.
* The model gains node5 and agent5 (CM_ID 2), the instance's agent lists unchanged: ``site.yml`` runs
  ``prs_install_agent.sh`` on node5 only and restarts node5 only (the other nodes' DB and CM pids unchanged),
  registers agent5 in CM2 and CM starts it, prs_install.sh does not run; during the whole run the other nodes'
  registered failover scripts start with ``#!/bin/bash`` (sampled every 0.2 s), every cluster keeps an open DB
  instance (lab-availability) and no ProSync process stops (prs_adm status on node2). The site ends converged,
  verified (site.yml's last phase) and with the audit clean.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import time

import pytest

import lablib
from test_2_interruption import assert_converged_and_healthy
from test_7_nodes import AGENTS_TASK, RECORD, RESULT_JSON, SCRIPTS, Watch, _agent_results, _flat, _started, _task_block

pytestmark = pytest.mark.figure('nodes')

NODE = lablib.NEW_NODE
CLUSTER, TB_SID, CM_SID, CM_ID = lablib.NEW_NODE_SITE
AGENT = 'agent5'
SCRIPT = '%s/bin/prs_%d.sh' % (lablib.PRS_HOME, CM_ID)
HOST_VARS = {NODE: {'tibero_cm_agent_address': lablib.NEW_NODE_TOPOLOGY['host']}}


def _node5_joins(model):
    cluster = [c for c in model['tibero_cm_clusters'] if c['name'] == CLUSTER][0]
    cluster['nodes'].append({'host': NODE, 'tb_sid': TB_SID, 'cm_sid': CM_SID})
    model['tibero_cm_agents'].append({'id': AGENT, 'host': NODE, 'port': 8000})


def _node5_joins_the_apply_list(model):
    _node5_joins(model)
    model['tibero_cm_instance']['apply_agents'] = ['agent3', 'agent4', AGENT]


def _rows(lab, node, cm_name):
    return dict(((r['type'], r['name']), r['status']) for r in lab.show_all(node) if r['node'] == cm_name)


@pytest.fixture(scope='module')
def node5(lab):
    """node5 made and provisioned by the DBA: a member of cls_tibero_tar, not of the model."""
    lab.add_node(NODE)
    # Known to the cluster the way CM makes it known: node3's CM lists node5's CM and its open instance.
    lab.wait_for(lambda: _rows(lab, 'node3', CM_SID).get(('db', TB_SID)) == 'UP(NRML)', timeout=60,
                 what='node3 listing node5 with its DB UP(NRML)')
    assert 'CM_ID' not in lablib.parse_tip(lab.read_bytes(NODE, lab.tip_path(NODE)))
    assert lab.ls(NODE, lablib.PRS_HOME + '/config') == ['prs_instance.map'], 'not a fresh ProSync home'
    assert 'THREAD=2' in lab.read(NODE, '%s/config/%s.tip' % (lablib.TB_HOME, TB_SID))
    return NODE


def test_a_new_node_whose_agent_joins_an_instance_list_stops_before_any_change(lab, node5):
    installs = lab.install_counts()
    every = lablib.NODES + [node5]
    before = lab.fingerprint(every)
    lab.write_inventory(_node5_joins_the_apply_list, extra_hosts=HOST_VARS)
    try:
        stopped = lab.playbook()
    finally:
        lab.write_inventory()
    assert stopped.rc != 0, stopped
    message = _flat(stopped.out)
    assert 'the model changes the agent lists of the installed ProSync instance TAC2TAC' in message, stopped
    assert 'APPLY_AGENT_ID_LIST: installed agent3,agent4, model agent3,agent4,agent5' in message, stopped
    assert "vendor's procedure for an installed instance" in message, stopped
    assert 'nothing was changed' in message and 'tibero_cm_instance_force_reinstall=true' in message, stopped
    for task in (AGENTS_TASK, 'ProSync instance |', 'CM node | tbdown'):
        assert not _started(stopped.out, task), (task, stopped)
    assert lab.playbook('--tags', 'preflight').rc == 0  # takes over the failed run's lock, releases it
    after = lab.fingerprint(every)
    for key in before:
        assert after[key] == before[key], '%s changed:\n%s\n---\n%s' % (key, before[key], after[key])
    assert lab.install_counts() == installs


def test_a_new_node_and_agent_join_the_running_site_and_only_that_node_is_installed_and_restarted(lab, node5):
    installs = lab.install_counts()
    others = lablib.NODES
    pids = dict((node, lab.pids(node, 'tbsvr|tbcm')) for node in others)
    node5_pids = lab.pids(node5, 'tbsvr|tbcm')
    scripts = dict((node, lab.read(node, SCRIPTS[node])) for node in others)
    maps = dict((node, lab.read(node, lablib.PRS_HOME + '/config/prs_instance.map')) for node in others)
    assert all(p['running'] for p in lab.prs_status('node2')['processes'])

    lab.sh('node4', '/opt/lab/bin/lab-availability start')
    since = time.time()
    watch = Watch(lab, others, 'node2')
    watch.start()
    # The site's inventory from now on (this suite runs last): node5 and agent5 in the model.
    lab.write_inventory(_node5_joins, extra_hosts=HOST_VARS)
    try:
        run = lab.playbook('-v', timeout=900, extra_env=RESULT_JSON)
    finally:
        watch.stop()
        report = json.loads(lab.sh('node4', '/opt/lab/bin/lab-availability report --since %f' % since).stdout)
        lab.sh('node4', '/opt/lab/bin/lab-availability stop', check=False)
    assert run.rc == 0, run

    # node5 alone ran the agent installer and restarted; prs_install.sh did not run again.
    results = _agent_results(run.out, others + [node5])
    assert results[node5]['install']['ran'] and results[node5]['commands'], results[node5]
    for node in others:
        assert not results[node]['install']['ran'] and results[node]['commands'] == [], results[node]
    tbdown = _task_block(run.out, 'CM node | tbdown')
    assert 'changed: [%s]' % node5 in tbdown and all('[%s]' % node not in tbdown for node in others), tbdown
    # The install host rewrote prs_install.cfg (TAR_DB_CNT counts node5 now) but did not run the installer.
    install = [line.partition(' => ') for line in _task_block(run.out, 'ProSync instance | Run prs_install.sh once').splitlines()]
    install = [json.loads(rest) for status, sep, rest in install if sep and status.split(':')[0] in ('ok', 'changed')]
    assert len(install) == 1 and not install[0]['ran_installer'] and install[0]['installed'], install
    assert lab.install_counts() == installs, 'prs_install.sh ran again'
    for node in others:
        assert lab.pids(node, 'tbsvr|tbcm') == pids[node], '%s restarted' % node
        assert lab.read(node, SCRIPTS[node]) == scripts[node], '%s: its failover script changed' % node
        assert lab.read(node, lablib.PRS_HOME + '/config/prs_instance.map') == maps[node], node
    assert lab.pids(node5, 'tbsvr|tbcm') != node5_pids, 'node5 was not restarted with its CM_ID'

    # node5: CM_ID 2 in its tip, its bash failover script, agent5 registered in CM2 and UP, as node3's CM sees it.
    assert lablib.parse_tip(lab.read_bytes(node5, lab.tip_path(node5))).get('CM_ID') == str(CM_ID)
    assert (lab.read(node5, SCRIPT) or '').startswith('#!/bin/bash\n'), lab.read(node5, SCRIPT)
    assert 'INSTANCE_ID=TAC2TAC' in (lab.read(node5, RECORD) or ''), 'node5 did not get the install record'
    rows = _rows(lab, 'node3', CM_SID)
    assert rows.get(('db', TB_SID)) == 'UP(NRML)', rows
    assert rows.get(('group', lablib.GROUPS[CLUSTER])) == 'UP', rows
    assert rows.get(('agent', AGENT)) == 'UP', rows

    # During the run: the other nodes' registered scripts were bash at every sample, every ProSync process kept
    # running (agent5 is in no list: nothing is handed over), every cluster kept an open DB instance.
    assert len(watch.shebangs) >= 3 * len(others), watch.shebangs
    assert set(line for node, line in watch.shebangs) == set(['#!/bin/bash']), sorted(set(watch.shebangs))
    assert watch.processes and all(down == [] for stamp, down in watch.processes), watch.processes
    for cluster, figures in report['clusters'].items():
        assert figures['seen_open'] and figures['longest_no_open_instance_s'] <= 3.0, (cluster, report)

    # Converged (nodes 1-4 as the other suites check them, node5 above) and the audit finds no difference.
    assert_converged_and_healthy(lab, installs)
    path = os.path.join(lab.workdir, 'audit-node5.json')
    audit = lab.playbook('-e', 'tibero_cm_audit_report=' + path, playbook='tibero.cm.audit', timeout=300)
    assert audit.rc == 0, audit
