# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 changes on the converged reliability lab (issue 17, points 4 and 6, and a given-up agent).

* Change agent parameters: ``site.yml`` with a new ``PRS_AGENT_PROC_STATUS_INTERVAL``, ``TIMEOUT_CNT``
  and agent1's ``retry_cnt``, while agent4 was given up by CM (its script broken): the cfgs and scripts
  are rewritten, the running agents restart one at a time (never two agents down in one sample of
  ``prs_adm status``, every process back on its agent), agent1 is registered again with the new
  ``--retry_cnt``, agent4 is started again by phase 4 once its script is fixed, every DB stays open
  (lab-availability) and ``prs_install.sh`` does not run.
* Decommission: unconfirmed it prints the plan and contacts no host; ``--check`` changes nothing; then
  groups and agents are gone, no CM tip has ``CM_ID``, every cluster kept an open DB instance; a second
  run restarts nothing; ``site.yml`` rebuilds the site (the inventory's parameters back), verified, and
  ``prs_install.sh`` never ran again. The lab is left converged for the next suite.
"""

from __future__ import absolute_import, division, print_function

import json
import threading
import time

import pytest

import lablib

pytestmark = pytest.mark.figure('change')

AGENT4_SCRIPT = lablib.PRS_HOME + '/bin/prs_1.sh'   # node4: cls_tibero_tar, CM id 1
MAX_OUTAGE_SECONDS = 3.0


class ProsyncSampler(threading.Thread):
    """``prs_adm status`` every ``interval`` s: (time, agents not running, {process: agent or None})."""

    def __init__(self, lab, interval=0.3):
        super(ProsyncSampler, self).__init__(daemon=True)
        self.lab, self.interval, self.samples = lab, interval, []
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            try:
                status = self.lab.prs_status('node1')
            except AssertionError:
                status = None
            if status:
                down = sorted(a['id'] for a in status['agents'] if not a['running'])
                procs = dict((p['name'], p['agent_id'] if p['running'] else None) for p in status['processes'])
                self.samples.append((time.monotonic(), down, procs))
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join(timeout=60)


def _availability(lab, action):
    # as tibero: the shared volume's root is tibero's (the login user cannot write there)
    proc = lab.sh('node4', '/opt/lab/bin/lab-availability %s' % action, user='tibero', check=False)
    assert proc.returncode == 0, proc
    return proc.stdout


def _assert_dbs_stayed_open(lab, since):
    report = json.loads(lab.sh('node4', '/opt/lab/bin/lab-availability report --since %s' % since,
                               user='tibero').stdout)
    assert report['samples'] > 20, report
    for name, cluster in report['clusters'].items():
        assert cluster['longest_no_open_instance_s'] <= MAX_OUTAGE_SECONDS, (name, report)
    return report


def _agent_pids(lab):
    pids = {}
    for node, agent in lablib.AGENTS.items():
        proc = lab.sh(node, 'pgrep -f "prs_agent -m labsim.prosync.agent --daemon %s$" || true' % agent)
        pids[agent] = proc.stdout.split()
    return pids


def _registered_retry_cnt(lab, node, agent):
    """The --retry_cnt the lab's CM keeps for the agent (its CM_RESOURCE_FILE)."""
    tip = lablib.parse_tip(lab.read_bytes(node, lab.tip_path(node)))
    found = []

    def walk(value):
        if isinstance(value, dict):
            if value.get('name') == agent and 'retry_cnt' in value:
                found.append(value['retry_cnt'])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(json.loads(lab.read(node, tip['CM_RESOURCE_FILE'])))
    assert len(found) == 1, found
    return found[0]


def _show(lab):
    # `cmrctl show all` lists the nodes of its own cluster: one node of each
    return lab.show_all('node1') + lab.show_all('node3')


def _statuses(lab):
    return dict(((r['node'], r['type'], r['name']), r['status']) for r in _show(lab)
                if r['type'] in ('group', 'agent'))


def _converged(lab):
    statuses = _statuses(lab)
    status = lab.prs_status('node1')
    return (sorted(v for v in statuses.values()) == ['UP'] * 8
            and all(a['running'] for a in status['agents']) and all(p['running'] for p in status['processes']))


def test_agent_parameters_change_one_agent_at_a_time_and_a_given_up_agent_starts_again(lab):
    installs = lab.install_counts()
    # agent4 given up by CM: its script fails every call, CM retries it retry_cnt times, then it stays DOWN
    # and its processes run on agent3.
    lab.sh('node4', 'printf "#!/bin/bash\\nexit 1\\n" > %s' % AGENT4_SCRIPT, user='prosync')
    lab.wait_for(lambda: any(r['name'] == 'agent4' and r['status'] == 'DOWN' and r['node'] == 'cm_tibero_tar2'
                             for r in lab.show_all('node4')), timeout=90, what='agent4 given up')
    time.sleep(3)
    assert [r['status'] for r in lab.show_all('node4') if r['name'] == 'agent4'] == ['DOWN']
    before = _agent_pids(lab)
    params = {'USE_CM': 'Y', 'PRS_AGENT_PROC_MAX_FAIL_CNT': 10, 'PRS_AGENT_PROC_STARTUP_TIMEOUT': 10,
              'PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT': 10, 'PRS_AGENT_PROC_STATUS_INTERVAL': 4,
              'PRS_AGENT_CM_PROBE_TIMEOUT': 0}
    agents = [{'id': 'agent1', 'host': 'node1', 'port': 7600, 'retry_cnt': 4},
              {'id': 'agent2', 'host': 'node2', 'port': 7700}, {'id': 'agent3', 'host': 'node3', 'port': 7800},
              {'id': 'agent4', 'host': 'node4', 'port': 7900}]
    extra = json.dumps({'tibero_cm_agent_params': params, 'tibero_cm_agent_timeout_cnt': 8,
                        'tibero_cm_agents': agents})

    since = time.time()
    _availability(lab, 'start')
    sampler = ProsyncSampler(lab)
    sampler.start()
    try:
        result = lab.playbook('-e', extra)
    finally:
        sampler.stop()
    assert result.rc == 0, result
    _assert_dbs_stayed_open(lab, since)

    # the files
    for node, agent in lablib.AGENTS.items():
        cfg = lab.read(node, '%s/config/prs_agent_%s.cfg' % (lablib.PRS_HOME, agent))
        assert 'PRS_AGENT_PROC_STATUS_INTERVAL = 4' in cfg, (node, cfg)
        script = lab.read(node, '%s/bin/prs_%d.sh' % (lablib.PRS_HOME, lablib.SITE[node][3]))
        assert script.startswith('#!/bin/bash') and 'TIMEOUT_CNT=8' in script, (node, script)
    # agent4 (given up) started in phase 2 once its script was fixed, before the queue stopped any agent;
    # the running agents restarted one at a time (queue play, serial 1)
    start_block = result.out.split("Start this node's agent that CM gave up", 1)[1].split('TASK [', 1)[0]
    assert 'changed: [node4]' in start_block and 'changed: [node1]' not in start_block, result
    # (the play prints its banner once per node: serial 1)
    batches = [part.split('PLAY [', 1)[0]
               for part in result.out.split('Phase 3 - apply the queued parameter changes, one node at a time')[1:]]
    assert len(batches) == 3, result
    for node in ('node1', 'node2', 'node3'):
        assert sum('changed: [%s]' % node in batch for batch in batches) == 1, (node, result)
    assert not any('[node4]' in batch for batch in batches), result
    after = _agent_pids(lab)
    for agent in ('agent1', 'agent2', 'agent3', 'agent4'):
        assert after[agent] and after[agent] != before[agent], (agent, before, after)
    # agent1 registered again with its new --retry_cnt (the others keep 3), recorded for the next run
    assert _registered_retry_cnt(lab, 'node1', 'agent1') == 4
    assert _registered_retry_cnt(lab, 'node2', 'agent2') == 3
    assert lab.read('node1', lablib.STATE_DIR + '/agent-agent1.retry_cnt').strip() == '4'
    assert lab.read('node1', lablib.STATE_DIR + '/agent-restart-pending') is None
    # never two agents down in one sample; every process back on a running agent at the end
    assert len(sampler.samples) > 20, sampler.samples
    # (agent4 was down from before the run until phase 2 started it: the others, one at a time)
    others_down = [len(set(sample[1]) - set(['agent4'])) for sample in sampler.samples]
    assert max(others_down) <= 1, [sample[1] for sample in sampler.samples]
    assert 1 in others_down, 'no restart was seen'
    gaps, start = [], None
    for sample in sampler.samples:
        when, procs = sample[0], sample[2]
        if any(agent is None for agent in procs.values()):
            start = start if start is not None else when
        elif start is not None:
            gaps.append(when - start)
            start = None
    assert max(gaps or [0]) <= 10, gaps
    assert _converged(lab), (_statuses(lab), lab.prs_status('node1'))
    assert lab.install_counts() == installs, 'prs_install.sh ran again'


def test_decommission_plans_refuses_unconfirmed_then_undoes_the_rollout_and_site_rebuilds_it(lab):
    installs = lab.install_counts()
    # Unconfirmed: the plan, then a refusal before any host is contacted.
    before = lab.fingerprint()
    refused = lab.playbook(playbook='playbooks/decommission.yml')
    assert refused.rc != 0, refused
    assert 'Decommission not confirmed: nothing was done and no host was contacted' in refused.out, refused
    for step in ('stop_group', 'del_agent', 'del_group', 'remove_cm_id'):
        assert step in refused.out, (step, refused)
    assert 'ok: [node' not in refused.out.split('Refuse without the operator', 1)[1], refused
    # --check, confirmed: every step planned, nothing changed.
    planned = lab.playbook('--check', '-e', 'tibero_cm_decommission_confirm=yes', playbook='playbooks/decommission.yml')
    assert planned.rc == 0, planned
    assert lab.fingerprint() == before, 'decommission --check changed something'
    assert 'CM_ID removed from its tip between them' in planned.out, planned

    since = time.time()
    done = lab.playbook('-e', 'tibero_cm_decommission_confirm=yes', playbook='playbooks/decommission.yml')
    assert done.rc == 0, done
    resources = _show(lab)
    assert [r for r in resources if r['type'] in ('group', 'agent')] == [], resources
    for node in lablib.NODES:
        assert 'CM_ID' not in lablib.parse_tip(lab.read_bytes(node, lab.tip_path(node))), node
    status = lab.prs_status('node1')
    assert not any(p['running'] for p in status['processes']), status
    _assert_dbs_stayed_open(lab, since)
    # A second run finds nothing left: no restart.
    again = lab.playbook('-e', 'tibero_cm_decommission_confirm=yes', playbook='playbooks/decommission.yml')
    assert again.rc == 0 and 'changed=0' in again.out and 'changed=1' not in again.out, again
    assert 'remove CM_ID, one node of each cluster' in again.out and 'skipping: no hosts matched' in again.out, again

    # site.yml rebuilds the site, with the inventory's parameters (the previous test's are undone too).
    rebuilt = lab.playbook()
    assert rebuilt.rc == 0, rebuilt
    _assert_dbs_stayed_open(lab, since)
    _availability(lab, 'stop')
    assert _converged(lab), (_statuses(lab), lab.prs_status('node1'))
    for node in lablib.NODES:
        assert lablib.parse_tip(lab.read_bytes(node, lab.tip_path(node)))['CM_ID'] == str(lablib.SITE[node][3])
    assert _registered_retry_cnt(lab, 'node1', 'agent1') == 3
    cfg = lab.read('node1', '%s/config/prs_agent_agent1.cfg' % lablib.PRS_HOME)
    assert 'PRS_AGENT_PROC_STATUS_INTERVAL = 3' in cfg, cfg
    assert lab.install_counts() == installs, 'prs_install.sh ran again'
