# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""verify: a node's group and agent, prs_adm's down list, the summary per cluster and the lines printed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.filter import verify_table as vt
from ansible_collections.tibero.cm.plugins.filter.cm_model import cm_model
from ansible_collections.tibero.cm.plugins.module_utils import verify
from ansible_collections.tibero.cm.tests.unit.plugins.filter.test_cm_model import seed_model

MODEL = cm_model(seed_model())
HOSTS = ['node1', 'node2', 'node3', 'node4']
CLUSTER = dict(node1='cls_tibero', node2='cls_tibero', node3='cls_tibero_tar', node4='cls_tibero_tar')
PRS_OK = {'instance_id': 'TAC2TAC', 'agents': [{'id': a, 'running': True} for a in ('agent1', 'agent2', 'agent3', 'agent4')],
          'processes': [{'name': 'TAC2TAC_ext1', 'agent_id': 'agent1', 'running': True}]}


def _show(host, group='UP', agent='UP', extra=()):
    """A cmrctl_info result of ``host``: its own table (group, agent) and ``extra`` rows."""
    node = MODEL['by_host'][host]
    rows = [dict(node=node['cm_sid'], cluster=CLUSTER[host], type='group', name=node['cm_group'], status=group,
                 detail='type: prosync (failover: ON)')]
    if agent is not None:
        rows.append(dict(node=node['cm_sid'], cluster=CLUSTER[host], type='agent', name=node['agent']['id'],
                         status=agent, detail='%s, start retry cnt: 0' % node['agent']['script']))
    return dict(resources=rows + list(extra), local_node=node['cm_sid'])


def _results(**overrides):
    results = dict((h, {'__verify_show': _show(h), '__verify_own_prs': {'skipped': True}}) for h in HOSTS)
    results['node1']['__verify_prs'] = PRS_OK
    for host, values in overrides.items():
        results[host].update(values)
    return results


@pytest.mark.parametrize('group, agent, want', [
    ('UP', 'UP', ('UP', 'UP', True)),
    ('UP', 'DOWN', ('UP', 'DOWN', False)),
    ('DOWN', 'UP', ('DOWN', 'UP', False)),
    ('UP(R)', 'UP', ('UP(R)', 'UP', False)),
    ('UP', None, ('UP', 'MISSING', False)),
])
def test_node_status(group, agent, want):
    status = verify.node_status(_show('node1', group, agent), MODEL['by_host']['node1'])
    assert (status['group_status'], status['agent_status'], status['ok']) == want


def test_node_status_of_an_unread_show_and_of_a_node_without_agent():
    unread = verify.node_status(None, MODEL['by_host']['node1'])
    assert unread == dict(group_status='MISSING', agent_status='MISSING', ok=False)
    node = dict(MODEL['by_host']['node1'], agent=None)
    assert verify.node_status(_show('node1', agent=None), node)['agent_status'] == 'NONE'
    assert verify.node_status(_show('node1', agent=None), node)['ok'] is True
    # another node's table is not this node's
    other = _show('node2')
    assert verify.node_status(other, MODEL['by_host']['node1'])['group_status'] == 'MISSING'


def test_prs_down_less_the_left_out_agents():
    prs = {'agents': [{'id': 'agent1', 'running': False}, {'id': 'agent2', 'running': True}],
           'processes': [{'name': 'p1', 'running': False}, {'name': 'p2', 'running': True}]}
    assert verify.prs_down(prs) == ['agent1', 'p1']
    assert vt.verify_prs_down(prs, ['agent1']) == ['p1']
    assert verify.prs_down(None) == [] and verify.prs_down({'failed': True, 'msg': 'x'}) == []


@pytest.mark.parametrize('own_prs, down', [
    (None, []),
    ({'skipped': True}, []),
    ({'agents': [{'id': 'agent4', 'running': True}]}, []),
    ({'agents': [{'id': 'agent4', 'running': False}]}, ['agent4']),
    ({'agents': []}, ['agent4']),
    ({'failed': True, 'msg': 'prs_adm did not answer'}, ['agent4']),
])
def test_own_down(own_prs, down):
    assert vt.verify_own_down(own_prs, MODEL['by_host']['node4']) == down


def test_a_converged_site_is_ok():
    summary = verify.summary(_results(), MODEL, HOSTS, 'node1')
    assert summary['ok'] is True and summary['problems'] == [] and summary['drift'] == []
    assert summary['instance_id'] == 'TAC2TAC' and summary['agents'] == PRS_OK['agents']
    assert summary['processes'] == PRS_OK['processes'] and summary['left_out'] == []
    assert [c['name'] for c in summary['clusters']] == ['cls_tibero', 'cls_tibero_tar']
    assert summary['clusters'][0]['nodes'][0] == dict(host='node1', cm_sid='cm_tibero1', cm_id=0, tb_sid='tibero1',
                                                      agent='agent1', group_status='UP', agent_status='UP',
                                                      restarted=False)
    assert vt.verify_report(summary)[-1] == 'verdict: ok'
    assert vt.verify_report(summary, True)[-1] == 'verdict: ok'


def test_every_problem_is_named():
    prs = dict(PRS_OK, agents=[dict(a, running=a['id'] != 'agent2') for a in PRS_OK['agents']],
               processes=[{'name': 'TAC2TAC_ext1', 'agent_id': 'agent1', 'running': False}])
    results = _results(node1={'__verify_prs': prs, 'tibero_cm_restarted': True},
                       node3={'__verify_show': _show('node3', agent='DOWN')},
                       node4={'__verify_own_prs': {'agents': []}})
    summary = verify.summary(results, MODEL, HOSTS, 'node1')
    assert summary['ok'] is False
    assert summary['problems'] == [
        'node3: group CM2 UP, agent agent3 DOWN (want UP)',
        'prs_adm status on node4: agent4 is not running (node1 does not list it)',
        'prs_adm status: agent2 is not running',
        'prs_adm status: TAC2TAC_ext1 is not running']
    assert summary['clusters'][0]['nodes'][0]['restarted'] is True
    lines = vt.verify_report(summary, True)
    assert lines[-5] == verify.CHECK_MODE_HEAD and lines[-4:] == summary['problems']
    lines = vt.verify_report(summary, False)
    assert lines[-5] == 'verify failed: see the summary above' and lines[-4:] == summary['problems']
    assert 'check mode' not in ' '.join(lines)


@pytest.mark.parametrize('prs, problem', [
    # retries ran out while prs_adm answered: its list says what is down, not the generic message
    (dict(PRS_OK, failed=True, msg='Task failed: Action failed: Unknown error.'), None),
    # prs_adm itself failed: its message
    ({'failed': True, 'msg': 'prs_adm did not answer within 15 seconds on node1'},
     'prs_adm status failed on node1: prs_adm did not answer within 15 seconds on node1'),
])
def test_a_failed_prs_read(prs, problem):
    summary = verify.summary(_results(node1={'__verify_prs': prs}), MODEL, HOSTS, 'node1')
    assert summary['problems'] == ([problem] if problem else [])
    assert 'Unknown error' not in ' '.join(summary['problems'])


def test_hosts_not_checked_and_left_out():
    results = _results(node4={'tibero_cm_skip_host': True})
    prs = dict(PRS_OK, agents=[dict(a, running=a['id'] != 'agent4') for a in PRS_OK['agents']])
    results['node1']['__verify_prs'] = prs
    summary = verify.summary(results, MODEL, ['node1', 'node2', 'node3'], 'node1')
    # agent4's node was left out as unreachable: its agent cannot run, that is no problem
    assert summary['ok'] is True and summary['left_out'] == ['node4']
    node4 = summary['clusters'][1]['nodes'][1]
    assert (node4['group_status'], node4['agent_status']) == ('LEFT OUT (unreachable)',) * 2
    assert vt.verify_left_out_agents(results, MODEL) == ['agent4']
    summary = verify.summary(_results(), MODEL, ['node1', 'node2'], 'node1')
    assert summary['clusters'][1]['nodes'][0]['group_status'] == 'NOT CHECKED'


def test_drift_extra_and_departed_agents_are_reported_not_failed():
    extra = dict(node='cm_tibero1', cluster='cls_tibero', type='agent', name='agent9', status='UP',
                 detail='/p/bin/prs_9.sh, start retry cnt: 0')
    departed = dict(node='cm_tibero_tar9', cluster='cls_tibero_tar', type='agent', name='agent8', status='UP',
                    detail='/p/bin/prs_2.sh, start retry cnt: 0')
    results = _results(node1={'__verify_show': _show('node1', extra=[extra])},
                       node3={'__verify_show': _show('node3', extra=[departed])},
                       node4={'__verify_show': _show('node4', extra=[departed])})
    summary = verify.summary(results, MODEL, HOSTS, 'node1')
    assert summary['ok'] is True
    # the departed agent is read once per cluster (its first node in the play)
    assert summary['drift'] == [
        dict(host='node1', agent='agent9', group='CM1', script='/p/bin/prs_9.sh', status='UP'),
        dict(host='cm_tibero_tar9', agent='agent8', group='CM2', script='/p/bin/prs_2.sh', status='UP', departed=True)]
    lines = vt.verify_report(summary)
    assert lines[-1] == ('drift: agent9, agent8 registered in CM but absent from the model; site.yml -e '
                         'tibero_cm_prune=true deregisters those on a node of the model and removes their scripts; '
                         'agent8 on a CM that no node of the model runs: deregister them on that node (cmrctl del agent)')
    assert 'drift: agent agent9 (group CM1, UP) is registered on node1 but absent from the model' in lines[-3]


class _HostVars(dict):
    """hostvars as a filter sees it: a mapping of hosts to their variables."""


def test_the_summary_filter_reads_each_host_s_variables_from_hostvars():
    hostvars = _HostVars((h, dict(v, unrelated='x')) for h, v in _results().items())
    del hostvars['node4']['__verify_own_prs']
    summary = vt.verify_summary(hostvars, MODEL, HOSTS, 'node1')
    assert summary == verify.summary(_results(), MODEL, HOSTS, 'node1')
    assert vt.verify_node(_show('node2'), MODEL['by_host']['node2'])['ok'] is True
