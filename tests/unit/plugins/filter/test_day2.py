# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 decisions (issue 17): the agent restart of a parameter change, the hand-over check, the decommission plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.filter.cm_model import cm_model
from ansible_collections.tibero.cm.plugins.module_utils import day2
from ansible_collections.tibero.cm.plugins.filter.day2 import (
    agent_restart, decommission_plan, prs_all_running, prs_handed_over)
from ansible_collections.tibero.cm.tests.unit.plugins.filter.test_cm_model import seed_model, tsc_model

MODEL = cm_model(seed_model())
NODE1 = MODEL['by_host']['node1']


def _rows(status='UP', node='cm_tibero1', name='agent1'):
    return [dict(node=node, cluster='cls_tibero', type='group', name='CM1', status='UP', detail=''),
            dict(node=node, cluster='cls_tibero', type='agent', name=name, status=status, detail='')]


@pytest.mark.parametrize('rows, cfg_changed, pending, cm_restart, record, restart, replace', [
    # a running agent whose cfg changed restarts (it reads the file at start)
    (_rows('UP'), True, False, False, '3', True, False),
    # an interrupted run's marker: the same
    (_rows('UP'), False, True, False, '3', True, False),
    # the node's CM restarts anyway (tbcm -d runs DOWN): no separate restart
    (_rows('UP'), True, False, True, '3', False, False),
    # a stopped agent reads the file at its next start
    (_rows('DOWN'), True, False, False, '3', False, False),
    # UP(R) is not this node's agent running
    (_rows('UP(R)'), True, False, False, '3', False, False),
    # not registered (first rollout): nothing to restart, phase 4 registers it
    ([], True, False, False, None, False, False),
    # the agent of another node with the same name is not this one
    (_rows('UP', node='cm_tibero2'), True, False, False, '5', False, False),
    # retry_cnt recorded otherwise: registered again (also with the CM restart, also when down)
    (_rows('UP'), False, False, False, '5', True, True),
    (_rows('DOWN'), False, False, True, '5', True, True),
    # no record / garbage: unknown, never a change
    (_rows('UP'), False, False, False, None, False, False),
    (_rows('UP'), False, False, False, 'x', False, False),
    # nothing changed
    (_rows('UP'), False, False, False, '3\n', False, False),
])
def test_agent_restart(rows, cfg_changed, pending, cm_restart, record, restart, replace):
    result = agent_restart(NODE1, rows, cfg_changed, pending, cm_restart, record)
    assert (result['restart'], result['replace']) == (restart, replace), result
    assert bool(result['reasons']) == restart


@pytest.mark.parametrize('rows, cm_restart, record, start', [
    (_rows('DOWN'), False, '3', True),       # given up in a running group: started before the queue
    (_rows('UP'), False, '3', False),
    (_rows('DOWN'), True, '3', False),       # its CM restarts: CM starts it
    (_rows('DOWN'), False, '5', False),      # re-registered by the queue, which starts it
    ([dict(_rows('DOWN')[0], status='DOWN'), _rows('DOWN')[1]], False, '3', False),   # group down
    ([], False, None, False),
])
def test_agent_down_in_a_running_group_starts(rows, cm_restart, record, start):
    assert agent_restart(NODE1, rows, False, False, cm_restart, record)['start'] is start


def test_agent_restart_reasons_name_the_file_and_the_values():
    result = agent_restart(NODE1, _rows('UP'), True, False, False, '5')
    assert result['reasons'] == ['retry_cnt 5 -> 3: deregister and register again',
                                 'prs_agent_agent1.cfg changed: the agent reads it at start']


def test_a_node_without_agent_needs_nothing():
    node = dict(NODE1, agent=None)
    assert agent_restart(node, _rows('UP'), True, True, False, '5')['restart'] is False


PROCS = [dict(name='TAC2TAC_ext1', running=True, agent_id='agent2'),
         dict(name='TAC2TAC_llob', running=True, agent_id='agent2'),
         dict(name='TAC2TAC_apply1', running=True, agent_id='agent3')]


def test_handed_over():
    assert prs_handed_over(dict(processes=PROCS), 'agent1') == dict(ok=True, waiting=[])
    still = [dict(PROCS[0], agent_id='agent1')] + PROCS[1:]
    expected = dict(ok=False, waiting=['TAC2TAC_ext1 still on agent1'])
    assert prs_handed_over(dict(processes=still), 'agent1') == expected
    down = [dict(PROCS[0], running=False, agent_id=None)] + PROCS[1:]
    assert prs_handed_over(dict(processes=down), 'agent1')['waiting'] == ['TAC2TAC_ext1 not running']
    assert prs_handed_over(dict(processes=[]), 'agent1')['ok'] is False
    assert prs_handed_over(dict(processes=PROCS), 'agent1', expected=4)['waiting'] == ['prs_adm lists 3 processes']


def test_all_running():
    agents = [dict(id='agent1', running=True), dict(id='agent2', running=False)]
    assert prs_all_running(dict(agents=agents, processes=PROCS), ['agent1']) == dict(ok=True, down=[])
    assert prs_all_running(dict(agents=agents, processes=PROCS), ['agent1', 'agent2', 'agent9']) == dict(
        ok=False, down=['agent agent2', 'agent agent9'])
    assert prs_all_running(dict(agents=agents, processes=[]), ['agent1'])['down'] == ['no process listed']


def test_decommission_plan_is_the_rollout_in_reverse():
    plan = decommission_plan(MODEL)
    assert [(s['step'], s['host']) for s in plan['steps']] == [
        ('stop_group', 'node1'), ('stop_group', 'node3'),
        ('del_agent', 'node1'), ('del_agent', 'node2'), ('del_agent', 'node3'), ('del_agent', 'node4'),
        ('del_group', 'node1'), ('del_group', 'node3'),
        ('remove_cm_id', 'node1'), ('remove_cm_id', 'node3'), ('remove_cm_id', 'node2'), ('remove_cm_id', 'node4'),
    ]
    # one node of each cluster per batch, as the rollout restarts them
    assert plan['restart'] == [['node1', 'node3'], ['node2', 'node4']]
    assert plan['batch'] == {'node1': 0, 'node3': 0, 'node2': 1, 'node4': 1}
    assert plan['groups'] == {'cls_tibero': 'node1', 'cls_tibero_tar': 'node3'}
    assert plan['tsc'] is False
    assert plan['lines'][0] == ' 1. stop_group   node1    cmrctl stop group --name CM1 (CM runs DOWN for its agents: ProSync stops)'
    assert plan['lines'][-1].startswith('Kept: the ProSync installation')


def test_decommission_plan_of_the_hosts_of_the_run():
    plan = decommission_plan(MODEL, hosts=['node2', 'node3', 'node4'])
    assert plan['groups'] == {'cls_tibero': 'node2', 'cls_tibero_tar': 'node3'}
    assert [a['id'] for a in plan['agents']] == ['agent2', 'agent3', 'agent4']
    assert plan['restart'] == [['node2', 'node3'], ['node4']]


def test_decommission_plan_with_the_tsc_part():
    model = cm_model(tsc_model())
    plan = decommission_plan(model, remove_tsc=True)
    assert plan['tsc'] is True
    assert plan['steps'][-1] == dict(step='stop_observer', host='obs1', what='tbcmobs -d (observer cm_obs stopped)')
    # without the switch the observer stays
    assert decommission_plan(model)['tsc'] is False
    # a ProSync-only site has nothing of TSC to remove, and says so
    assert '(no TSC part in the model: nothing of TSC to remove)' in decommission_plan(MODEL, remove_tsc=True)['lines']


@pytest.mark.parametrize('pending, restart, action', [
    (False, True, 'write'),    # a restart is due: the marker lets an interrupted run finish it
    (True, True, None),        # already marked
    (True, False, 'remove'),   # a marker no restart needs any more
    (False, False, None),
])
def test_marker_action(pending, restart, action):
    assert day2.marker_action(pending, restart) == action
