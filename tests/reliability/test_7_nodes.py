# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nodes on a running site (issue 17): the agent-list guard, and the install host rebuilt and joined again.

* node4 leaving the model with its agent, which the instance was installed with (``apply_agents``), changes
  the installed instance's agent lists: the run stops in phase 2 before any change, naming the lists and
  the vendor procedure; nothing changed on any node and ``prs_install.sh`` did not run. (Every agent of the
  lab is in a list, so this is the only way a lab node can leave; a node whose agent is in no list leaves
  as an agent is retired, test_4.) With the same model, verify (read only) reports agent4, still registered
  on node4's CM, as drift of a node the model no longer has (``departed``), without failing.
* node1 - the install host, first node of cls_tibero - is replaced by a fresh container of the lab
  image, re-provisioned as a DBA would (Tibero instance and CM up, nothing of the collection: no
  ``CM_ID``, no agent, no ProSync file, no ``prs_instance.map``, no install record). For the site it
  is a new member of its cluster. ``site.yml`` restores it alone: ``prs_install_agent.sh`` runs on
  node1 only, node1 alone restarts (the other nodes' DB and CM pids unchanged), agent1 is registered
  and started, ``prs_install.sh`` does not run (the install records of nodes 2-4 say installed), and
  during the whole run the registered failover scripts of nodes 2-4 start with ``#!/bin/bash`` (sampled
  every 0.2 s), every cluster keeps an open DB instance (lab-availability) and every ProSync process
  keeps running (prs_adm status on node2). The same run lists the agents in another order, so every node's
  ``prs_install_agent.cfg`` changes as when an agent is added on another node: nodes 2-4 do not run the
  installer. A last run in the inventory's order changes the cfg everywhere again: the installer runs
  nowhere, nothing restarts, every node's script stays bash throughout. The lab ends converged, with the
  audit clean.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import threading
import time

import pytest

import lablib
from test_2_interruption import assert_converged_and_healthy

pytestmark = pytest.mark.figure('nodes')

# The failover script each node registers (bin/prs_<CM_ID>.sh of its own agent).
SCRIPTS = dict((node, '%s/bin/prs_%d.sh' % (lablib.PRS_HOME, site[3])) for node, site in lablib.SITE.items())
RECORD = lablib.PRS_HOME + '/var/tibero_cm_prs_installed_' + lablib.INSTANCE_ID
# One call per node (tibero.cm.prs_agent_node): the installer cfg, prs_install_agent.sh when this node's agent changed
# or its outputs are missing, the CM script, the CM parameters. Whether the installer ran is in its result (-v, json).
AGENTS_TASK = 'ProSync agents | Install the agent of this node'
GUARD_TASK = "ProSync agents | Stop before any change if the model changes the installed instance's agent lists"
RESULT_JSON = {'ANSIBLE_CALLBACK_RESULT_FORMAT': 'json'}


def _flat(text):
    return ' '.join(text.split())


def _started(out, task):
    """Whether the run printed the banner of ``task`` (``TASK [<role> : <task>`` or ``TASK [<task>``)."""
    return re.search(r'^TASK \[(?:[\w.]+ : )?' + re.escape(task), out, re.M) is not None


def _task_block(out, task):
    assert task in out, (task, out[-3000:])
    return out.split(task, 1)[1].split('TASK [', 1)[0]


def _agent_results(out, nodes=None):
    """{node: result} of the agents task of a run with -v and json results (one line per host of ``nodes``,
    default the lab's)."""
    results = {}
    for line in _task_block(out, AGENTS_TASK).splitlines():
        status, sep, rest = line.partition(' => ')
        if sep and status.split(':')[0] in ('ok', 'changed'):
            results[status.split('[', 1)[1].rstrip(']')] = json.loads(rest)
    assert sorted(results) == sorted(nodes or lablib.NODES), out[-3000:]
    return results


HANDOVER_SECONDS = 10


def _agents_reversed(model):
    model['tibero_cm_agents'] = list(reversed(model['tibero_cm_agents']))


def _longest_down(samples):
    """{process: longest seconds it was reported not running}, from the first sample showing it down to the next
    sample showing it running (or the last sample)."""
    longest, since = {}, {}
    for stamp, down in samples:
        for name in down:
            since.setdefault(name, stamp)
        for name in [n for n in since if n not in down]:
            longest[name] = max(longest.get(name, 0), stamp - since.pop(name))
    for name, start in since.items():
        longest[name] = max(longest.get(name, 0), samples[-1][0] - start)
    return longest


class Watch(threading.Thread):
    """During a run: the first line of the registered scripts of ``nodes`` and prs_adm status on ``prs_node``."""

    def __init__(self, lab, nodes, prs_node):
        super(Watch, self).__init__(daemon=True)
        self.lab, self.nodes, self.prs_node = lab, nodes, prs_node
        self.shebangs = []      # (node, first line)
        self.processes = []     # (time, [names of processes not running]) or (time, None) when unread
        self._stop_event = threading.Event()

    def run(self):
        last_prs = 0.0
        while not self._stop_event.is_set():
            for node in self.nodes:
                proc = lablib.docker('exec', lablib.container(node), 'head', '-n', '1', SCRIPTS[node], timeout=30)
                self.shebangs.append((node, proc.stdout.strip() if proc.returncode == 0 else 'unreadable'))
            if time.monotonic() - last_prs >= 2:
                last_prs = time.monotonic()
                try:
                    status = self.lab.prs_status(self.prs_node)
                    self.processes.append((time.time(), [p['name'] for p in status['processes'] if not p['running']]))
                except Exception:  # noqa: BLE001 - a status that cannot be read is a sample of its own
                    self.processes.append((time.time(), None))
            self._stop_event.wait(0.2)

    def stop(self):
        self._stop_event.set()
        self.join(timeout=60)


def test_a_node_whose_agent_is_in_the_instance_s_lists_cannot_leave_without_the_vendor_procedure(lab):
    """Also: its agent, still registered, is reported by verify as drift of a departed node."""
    installs = lab.install_counts()
    before = lab.fingerprint()

    def node4_leaves(model):
        # node4 out of its cluster, agent4 out of the agents and of the apply list it was installed with.
        model['tibero_cm_clusters'][1]['nodes'] = [n for n in model['tibero_cm_clusters'][1]['nodes'] if n['host'] != 'node4']
        model['tibero_cm_agents'] = [a for a in model['tibero_cm_agents'] if a['id'] != 'agent4']
        model['tibero_cm_instance']['apply_agents'] = ['agent3']
    verify_json = os.path.join(lab.workdir, 'verify-node4-left.json')
    lab.write_inventory(node4_leaves)
    try:
        stopped = lab.playbook()
        verified = lab.playbook('-e', 'tibero_cm_verify_report=' + verify_json, playbook='playbooks/verify.yml')
    finally:
        lab.write_inventory()
    assert stopped.rc != 0, stopped
    message = _flat(stopped.out)
    assert 'the model changes the agent lists of the installed ProSync instance TAC2TAC' in message, stopped
    assert 'APPLY_AGENT_ID_LIST: installed agent3,agent4, model agent3' in message, stopped
    assert 'nothing was changed' in message and 'tibero_cm_instance_force_reinstall=true' in message, stopped
    # Stopped at the first task of phase 2, the guard, on every host before any host changed anything: the
    # agents step never started; nothing rendered, installed or restarted.
    assert _started(stopped.out, GUARD_TASK), stopped
    for task in (AGENTS_TASK, 'ProSync instance |', 'CM node | tbdown'):
        assert not _started(stopped.out, task), (task, stopped)
    # Verify (read only) reports agent4, still registered on node4's CM, as drift of a node the model no longer
    # has - from node3's `cmrctl show all` - and names the manual step; no run could prune it.
    assert verified.rc == 0, verified
    assert ('drift: agent agent4 (group CM2, UP) is registered on CM cm_tibero_tar2, which no node of the model '
            'runs; deregister it on that node') in _flat(verified.out), verified
    with open(verify_json) as handle:
        drift = json.load(handle)['drift']
    assert [(d['host'], d['agent'], d.get('departed')) for d in drift] == [('cm_tibero_tar2', 'agent4', True)], drift
    assert lab.playbook('--tags', 'preflight').rc == 0  # takes over the failed run's lock, releases it
    after = lab.fingerprint()
    for key in before:
        assert after[key] == before[key], '%s changed:\n%s\n---\n%s' % (key, before[key], after[key])
    assert lab.install_counts() == installs


def test_the_install_host_rebuilt_from_the_base_image_is_restored_alone(lab):
    installs = lab.install_counts()
    others = [n for n in lablib.NODES if n != 'node1']
    # Every agent host holds the install record (written by the runs before this one).
    for node in lablib.NODES:
        assert 'INSTANCE_ID=TAC2TAC' in (lab.read(node, RECORD) or ''), node
    pids = dict((node, lab.pids(node, 'tbsvr|tbcm')) for node in others)
    scripts = dict((node, lab.read(node, SCRIPTS[node])) for node in others)
    maps = dict((node, lab.read(node, lablib.PRS_HOME + '/config/prs_instance.map')) for node in others)

    lab.rebuild('node1')
    # The unpacked ProSync home only: its empty prs_instance.map, no agent cfg, no install record.
    assert lab.ls('node1', lablib.PRS_HOME + '/config') == ['prs_instance.map'] and lab.read('node1', RECORD) is None
    assert 'TAC2TAC' not in lab.read('node1', lablib.PRS_HOME + '/config/prs_instance.map')
    assert 'CM_ID' not in lablib.parse_tip(lab.read_bytes('node1', lab.tip_path('node1')))
    # Losing node1 moved its ProSync processes to agent2: wait for them before measuring the rerun.
    lab.wait_for(lambda: all(p['running'] for p in lab.prs_status('node2')['processes']), timeout=120,
                 what='every ProSync process running on the surviving agents')

    lab.sh('node4', '/opt/lab/bin/lab-availability start')
    since = time.time()
    watch = Watch(lab, others, 'node2')
    watch.start()
    # The same run also lists the agents in another order: every node's prs_install_agent.cfg changes (its
    # indices), as when an agent is added on another node, while no node's own entry does.
    lab.write_inventory(_agents_reversed)
    try:
        run = lab.playbook('-v', timeout=900, extra_env=RESULT_JSON)
    finally:
        lab.write_inventory()
        watch.stop()
        report = json.loads(lab.sh('node4', '/opt/lab/bin/lab-availability report --since %f' % since).stdout)
        lab.sh('node4', '/opt/lab/bin/lab-availability stop', check=False)
    assert run.rc == 0, run
    results = _agent_results(run.out)
    cfg = lablib.PRS_HOME + '/install/prs_install_agent.cfg'
    assert all(results[node]['files'][cfg] for node in lablib.NODES), results

    # Only node1 was installed and restarted; prs_install.sh did not run again.
    assert results['node1']['install']['ran'] and results['node1']['commands'], results['node1']
    for node in others:
        assert not results[node]['install']['ran'] and results[node]['commands'] == [], results[node]
        assert results[node]['install']['other_agents_only'], results[node]
    assert 'ProSync instance | Run prs_install.sh once' in run.out
    assert 'counts as installed from the install record on node2, node3, node4' in _flat(run.out), run
    assert lab.install_counts() == installs, 'prs_install.sh ran again'
    for node in others:
        assert lab.pids(node, 'tbsvr|tbcm') == pids[node], '%s restarted' % node
        assert lab.read(node, SCRIPTS[node]) == scripts[node], '%s: its failover script changed' % node
        assert lab.read(node, lablib.PRS_HOME + '/config/prs_instance.map') == maps[node], node
    assert 'INSTANCE_ID=TAC2TAC' in (lab.read('node1', RECORD) or ''), 'node1 did not get the install record'

    # The other nodes' registered scripts were bash at every sample; the service never stopped.
    assert len(watch.shebangs) >= 3 * len(others), watch.shebangs
    assert set(line for node, line in watch.shebangs) == set(['#!/bin/bash']), sorted(set(watch.shebangs))
    # prs_adm always answered; a process may be reported down only while it is handed between agents
    # (agent1 back in the group), never longer than a hand-over takes (heartbeat expiry 3 s + ticks).
    assert watch.processes and all(down is not None for stamp, down in watch.processes), watch.processes
    longest = _longest_down(watch.processes)
    assert all(seconds <= HANDOVER_SECONDS for seconds in longest.values()), (longest, watch.processes)
    for cluster, figures in report['clusters'].items():
        assert figures['seen_open'] and figures['longest_no_open_instance_s'] <= 3.0, (cluster, report)

    # Back to the inventory's order: the cfg changes on every node again, the installer runs nowhere, nothing
    # restarts, and every node's registered script stays bash throughout (the installer would have rewritten
    # them all with #!/bin/sh, vendor-facts PRS-7).
    pids = dict((node, lab.pids(node, 'tbsvr|tbcm|prs_agent')) for node in lablib.NODES)
    watch = Watch(lab, lablib.NODES, 'node2')
    watch.start()
    try:
        back = lab.playbook('-v', timeout=900, extra_env=RESULT_JSON)
    finally:
        watch.stop()
    assert back.rc == 0, back
    results = _agent_results(back.out)
    assert all(results[node]['files'][cfg] for node in lablib.NODES), results
    assert not any(results[node]['install']['ran'] for node in lablib.NODES), results
    assert set(line for node, line in watch.shebangs) == set(['#!/bin/bash']), sorted(set(watch.shebangs))
    assert dict((node, lab.pids(node, 'tbsvr|tbcm|prs_agent')) for node in lablib.NODES) == pids

    assert_converged_and_healthy(lab, installs)
    path = os.path.join(lab.workdir, 'audit-rebuilt.json')
    audit = lab.playbook('-e', 'tibero_cm_audit_report=' + path, playbook='tibero.cm.audit', timeout=300)
    assert audit.rc == 0, audit
