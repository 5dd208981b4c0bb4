# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""verify_table: one row per node, processes placed on its agent, the verdict last."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.filter.verify_table import verify_table

SUMMARY = {
    'ok': False,
    'problems': ['prs_adm status: TAC2TAC_apply1 is not running'],
    'clusters': [
        {'name': 'cls_tibero', 'cm_group': 'CM1', 'nodes': [
            {'host': 'node1', 'agent': 'agent1', 'cm_id': 0, 'group_status': 'UP', 'agent_status': 'UP',
             'restarted': True},
            {'host': 'node2', 'agent': 'agent2', 'cm_id': 1, 'group_status': 'UP', 'agent_status': 'UP',
             'restarted': False}]},
        {'name': 'cls_tibero_tar', 'cm_group': 'CM2', 'nodes': [
            {'host': 'node3', 'agent': 'agent3', 'cm_id': 0, 'group_status': 'UP', 'agent_status': 'UP'}]},
    ],
    'processes': [
        {'name': 'TAC2TAC_ext1', 'agent_id': 'agent1', 'running': True},
        {'name': 'TAC2TAC_llob', 'agent_id': 'agent1', 'running': True},
        {'name': 'TAC2TAC_ext2', 'agent_id': 'agent2', 'running': True},
        {'name': 'TAC2TAC_apply1', 'agent_id': 'agent3', 'running': False},
    ],
}


def test_one_row_per_node_and_the_verdict():
    assert verify_table(SUMMARY) == [
        'NODE   AGENT   GROUP  CM_ID  GROUP STATE  AGENT STATE  PROCESSES                   RESTARTED',
        'node1  agent1  CM1    0      UP           UP           TAC2TAC_ext1, TAC2TAC_llob  yes',
        'node2  agent2  CM1    1      UP           UP           TAC2TAC_ext2                no',
        'node3  agent3  CM2    0      UP           UP           TAC2TAC_apply1 DOWN         no',
        'verdict: 1 problem(s): prs_adm status: TAC2TAC_apply1 is not running',
    ]


def test_a_node_without_agent_and_an_empty_summary():
    lines = verify_table({'ok': True, 'clusters': [{'cm_group': None, 'nodes': [
        {'host': 'n9', 'agent': None, 'cm_id': None, 'group_status': 'NOT CHECKED', 'agent_status': 'NONE'}]}]})
    assert lines[1].split() == ['n9', '-', '-', '-', 'NOT', 'CHECKED', 'NONE', '-', 'no']
    assert lines[-1] == 'verdict: ok'
    assert verify_table({}) == ['NODE  AGENT  GROUP  CM_ID  GROUP STATE  AGENT STATE  PROCESSES  RESTARTED',
                                'verdict: not ok']


def test_drift_lines_name_the_switch_or_the_manual_step_of_a_departed_node():
    lines = verify_table({'ok': True, 'clusters': [], 'drift': [
        {'host': 'node1', 'agent': 'agent9', 'group': 'CM1', 'status': 'UP'},
        {'host': 'cm_tibero_tar9', 'agent': 'agent8', 'group': 'CM2', 'status': 'UP', 'departed': True}]})
    assert lines[-2] == ('drift: agent agent9 (group CM1, UP) is registered on node1 but absent from the model; '
                         'tibero_cm_prune=true deregisters it')
    assert lines[-1] == ('drift: agent agent8 (group CM2, UP) is registered on CM cm_tibero_tar9, which no node of the '
                         'model runs; deregister it on that node (cmrctl stop agent, cmrctl del agent)')
