# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""audit: a converged site has no difference; each kind of difference is found and named, once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.tibero.cm.plugins.filter.audit import (
    audit_files, audit_report, audit_table, departed_agents, extra_agents)
from ansible_collections.tibero.cm.plugins.filter.cm_model import cm_model
from ansible_collections.tibero.cm.plugins.filter.verify_table import verify_table
from ansible_collections.tibero.cm.plugins.module_utils import audit
from ansible_collections.tibero.cm.tests.unit.plugins.filter.test_cm_model import seed_model, tsc_model

TB = '/home/tibero/tibero/tibero7'
PRS = '/home/prosync/example'
SCRIPT = '#!/bin/bash\n# Ansible managed\nAGENT_ID=%s\nTIMEOUT_CNT=7\nsource "$PRS_HOME/bin/prs_cm.sh"\n'
GROUP_DETAIL = 'type: prosync (failover: ON)'


def _slurp(path, text):
    """A files_info entry of a file read."""
    return {'path': path, 'exists': True, 'content': text, 'error': None}


def _missing(path):
    return {'path': path, 'exists': False, 'content': None, 'error': 'file not found: %s' % path}


def _rows(model, host, agent_status='UP'):
    node = model['by_host'][host]
    rows = [{'node': node['cm_sid'], 'cluster': node['cluster'], 'type': 'group', 'name': node['cm_group'],
             'status': 'UP', 'detail': GROUP_DETAIL}]
    if node['agent']:
        rows.append({'node': node['cm_sid'], 'cluster': node['cluster'], 'type': 'agent', 'name': node['agent']['id'],
                     'status': agent_status, 'detail': '%s, start retry cnt: 0' % node['agent']['script']})
    return rows


def _install_agent_cfg(model):
    return '# managed\n' + ''.join('%s=%s\n' % pair for pair in audit.install_agent_cfg_values(model))


def _agent_cfg(model):
    return ''.join('%s = %s\n' % item for item in sorted(model['agent_params'].items()))


class Site(object):
    """What the audit's readers return from a converged lab site; tests break one thing at a time."""

    def __init__(self):
        self.model = cm_model(seed_model())
        self.facts = {}
        for host in self.model['hosts']:
            node = self.model['by_host'][host]
            paths = audit_files(self.model, host, TB, PRS)
            texts = {paths['cm_tip']: 'CM_NAME=%s\nCM_ID=%d\n' % (node['cm_sid'], node['cm_id']),
                     paths['install_agent_cfg']: _install_agent_cfg(self.model),
                     paths['script']: SCRIPT % node['agent']['id'],
                     paths['agent_cfg']: _agent_cfg(self.model)}
            self.facts[host] = {
                'paths': paths, 'texts': texts,
                'show': {'local_node': node['cm_sid'], 'resources': _rows(self.model, host), 'nodes': [node['cm_sid']]},
                'expected_script': SCRIPT % node['agent']['id'], 'prs': None, 'observer': None}
        self.facts['node1']['prs'] = {
            'agents': [dict(id=a['id'], port=a['port'], cm_group=a['cm_group'], cm_id=a['cm_id'], running=True)
                       for a in self.model['agents']],
            'processes': [{'name': 'TAC2TAC_ext1', 'agent_id': 'agent1', 'running': True},
                          {'name': 'TAC2TAC_apply1', 'agent_id': 'agent3', 'running': True}]}

    def path(self, host, role):
        return self.facts[host]['paths'][role]

    def set_text(self, host, role, text):
        self.facts[host]['texts'][self.path(host, role)] = text

    def report(self, hosts=None):
        hostvars = {}
        for host, fact in self.facts.items():
            files = [_slurp(path, text) if text is not None else _missing(path) for path, text in fact['texts'].items()]
            hostvars[host] = {'__tibero_cm_audit': dict((k, v) for k, v in fact.items() if k != 'texts')}
            hostvars[host]['__tibero_cm_audit']['files'] = {'changed': False, 'files': files}
        return audit_report(self.model, hostvars, hosts or sorted(self.facts))


def _kinds(report):
    return [(d['kind'], d['host']) for d in report['differences']]


def test_a_converged_site_has_no_difference_and_says_so():
    report = Site().report()
    assert report['ok'] is True and report['differences'] == [] and report['counts'] == {}
    assert audit_table(report) == ['no drift: the site matches the model']
    assert set(report['kinds']) == set(audit.KINDS)


def test_the_files_of_a_prosync_node():
    model = cm_model(seed_model())
    assert audit_files(model, 'node2', TB, PRS) == {
        'cm_tip': TB + '/config/cm_tibero2.tip', 'install_agent_cfg': PRS + '/install/prs_install_agent.cfg',
        'script': PRS + '/bin/prs_1.sh', 'agent_cfg': PRS + '/config/prs_agent_agent2.cfg'}
    assert audit_files(model, 'elsewhere', TB, PRS) == {}


def test_cm_id_changed_in_a_tip():
    site = Site()
    site.set_text('node4', 'cm_tip', 'CM_NAME=cm_tibero_tar2\nCM_ID=3\n')
    report = site.report()
    assert report['differences'] == [dict(kind='cm_id', host='node4', what='cm_tibero_tar2.tip CM_ID',
                                          expected='1', actual='3')]
    assert report['ok'] is False and report['counts'] == {'cm_id': 1}


def test_cm_id_missing_and_set_twice():
    site = Site()
    site.set_text('node1', 'cm_tip', 'CM_NAME=cm_tibero1\n')
    site.set_text('node2', 'cm_tip', 'CM_ID=1\nCM_ID=1\n')
    diffs = site.report()['differences']
    assert diffs[0] == dict(kind='cm_id', host='node1', what='cm_tibero1.tip CM_ID', expected='0', actual=None)
    assert diffs[1]['kind'] == 'unread' and diffs[1]['host'] == 'node2' and 'CM_ID' in diffs[1]['actual']


def test_a_missing_file_is_named():
    site = Site()
    site.set_text('node3', 'agent_cfg', None)
    diffs = site.report()['differences']
    assert diffs == [dict(kind='file_missing', host='node3', what=PRS + '/config/prs_agent_agent3.cfg',
                          expected='present', actual='file not found: %s/config/prs_agent_agent3.cfg' % PRS)]


def test_install_agent_cfg_value():
    site = Site()
    text = _install_agent_cfg(site.model).replace('AGENT_PORT_1=7700', 'AGENT_PORT_1=7701')
    site.set_text('node2', 'install_agent_cfg', text)
    assert site.report()['differences'] == [dict(kind='install_agent_cfg', host='node2',
                                                 what='prs_install_agent.cfg AGENT_PORT_1', expected='7700',
                                                 actual='7701')]


def test_script_shebang_is_its_own_difference_and_the_rest_is_compared():
    site = Site()
    site.set_text('node1', 'script', (SCRIPT % 'agent1').replace('#!/bin/bash', '#!/bin/sh'))
    assert _kinds(site.report()) == [('script_shebang', 'node1')]
    site.set_text('node1', 'script', (SCRIPT % 'agent2').replace('#!/bin/bash', '#!/bin/sh'))
    diffs = site.report()['differences']
    assert [d['kind'] for d in diffs] == ['script_shebang', 'script_content']
    assert diffs[1]['what'] == PRS + '/bin/prs_0.sh line 3'
    assert diffs[1]['expected'] == 'AGENT_ID=agent1' and diffs[1]['actual'] == 'AGENT_ID=agent2'


def test_script_content_the_installer_wrote():
    site = Site()
    site.set_text('node2', 'script', '#!/bin/bash\nAGENT_ID=agent2\n')
    diffs = site.report()['differences']
    assert _kinds(site.report()) == [('script_content', 'node2')]
    assert diffs[0]['what'].endswith('line 2')


def test_agent_param_changed_and_equal_forms_not():
    site = Site()
    text = _agent_cfg(site.model).replace('PRS_AGENT_PROC_STATUS_INTERVAL = 3', 'PRS_AGENT_PROC_STATUS_INTERVAL = 5')
    site.set_text('node2', 'agent_cfg', text.replace('USE_CM = Y', 'USE_CM = "y"  # on'))
    assert site.report()['differences'] == [dict(kind='agent_param', host='node2',
                                                 what='prs_agent_agent2.cfg PRS_AGENT_PROC_STATUS_INTERVAL',
                                                 expected='3', actual='5')]


def test_extra_agent_in_the_model_group_is_drift_and_prunable():
    site = Site()
    show = site.facts['node1']['show']
    show['resources'].append({'node': 'cm_tibero1', 'cluster': 'cls_tibero', 'type': 'agent', 'name': 'agent9',
                              'status': 'UP', 'detail': PRS + '/bin/prs_9.sh, start retry cnt: 0'})
    diffs = site.report()['differences']
    assert diffs == [dict(kind='agent_extra', host='node1', what='agent agent9 in group CM1',
                          expected='absent (not in the model)', actual='UP, %s/bin/prs_9.sh' % PRS)]
    assert extra_agents(show, site.model['by_host']['node1']) == [
        dict(name='agent9', group='CM1', script=PRS + '/bin/prs_9.sh', status='UP', cluster='cls_tibero',
             prune=True, remove_script=True)]
    # The other node's table is not this node's: node2 reports nothing of it.
    assert extra_agents(site.facts['node2']['show'], site.model['by_host']['node2']) == []


def test_prune_keeps_a_script_an_agent_that_stays_uses_and_never_touches_another_group():
    site = Site()
    show = site.facts['node1']['show']
    show['resources'] += [
        {'node': 'cm_tibero1', 'cluster': 'cls_tibero', 'type': 'agent', 'name': 'old1', 'status': 'DOWN',
         'detail': PRS + '/bin/prs_0.sh, start retry cnt: 3'}]
    plan = extra_agents(show, site.model['by_host']['node1'])
    assert [(p['name'], p['prune'], p['remove_script']) for p in plan] == [('old1', True, False)]
    # A second group of the same cluster on this node: the agent's group is not known to be the model's.
    show['resources'].append({'node': 'cm_tibero1', 'cluster': 'cls_tibero', 'type': 'group', 'name': 'OTHER',
                              'status': 'UP', 'detail': 'type: prosync (failover: ON)'})
    plan = extra_agents(show, site.model['by_host']['node1'])
    assert [(p['name'], p['group'], p['prune'], p['remove_script']) for p in plan] == [
        ('old1', 'CM1|OTHER', False, False)]


def test_group_missing_setting_and_state():
    site = Site()
    site.facts['node1']['show']['resources'] = [r for r in site.facts['node1']['show']['resources']
                                                if r['type'] != 'group']
    site.facts['node2']['show']['resources'][0].update(status='DOWN', detail='type: prosync (failover: OFF)')
    diffs = site.report()['differences']
    assert [(d['kind'], d['host'], d['actual']) for d in diffs] == [
        ('group_missing', 'node1', None), ('group_setting', 'node2', 'type: prosync (failover: OFF)'),
        ('group_state', 'node2', 'DOWN')]
    assert diffs[1]['expected'] == 'type: prosync (failover: ON)'


def test_agent_missing_setting_and_state():
    site = Site()
    site.facts['node1']['show']['resources'].pop()
    site.facts['node2']['show']['resources'][1].update(status='DOWN', detail='/tmp/other.sh, start retry cnt: 3')
    diffs = site.report()['differences']
    assert [(d['kind'], d['host'], d['what']) for d in diffs] == [
        ('agent_missing', 'node1', 'agent agent1'), ('agent_setting', 'node2', 'agent agent2 script'),
        ('agent_state', 'node2', 'agent agent2')]


def test_a_cm_that_does_not_answer_is_unread_not_converged():
    site = Site()
    site.facts['node3']['show'] = {'failed': True, 'msg': 'cmrctl needs the local CM'}
    assert site.report()['differences'] == [dict(kind='unread', host='node3', what='cmrctl show all (cm_tibero_tar1)',
                                                 expected='answers', actual='cmrctl needs the local CM')]


def test_a_host_that_answered_nothing_is_unread():
    site = Site()
    del site.facts['node4']
    assert _kinds(site.report(hosts=['node1', 'node2', 'node3', 'node4'])) == [('unread', 'node4')]


def test_prs_adm_agents_and_processes():
    site = Site()
    prs = site.facts['node1']['prs']
    prs['agents'][1]['running'] = False
    prs['agents'][2]['cm_id'] = 1
    prs['agents'].append(dict(id='agent9', port=7990, cm_group='CM1', cm_id=0, running=True))
    prs['processes'][1]['running'] = False
    del prs['agents'][3]
    diffs = site.report()['differences']
    assert [(d['kind'], d['what'], d['expected'], d['actual']) for d in diffs] == [
        ('prs_agent', 'prs_agent agent2', 'running', 'not running'),
        ('prs_agent', 'prs_agent agent3 cm_id', '0', '1'),
        ('prs_agent', 'prs_agent agent4', 'listed, running', None),
        ('prs_agent', 'prs_agent agent9', 'absent (not in the model)', 'running'),
        ('prs_process', 'TAC2TAC_apply1', 'running', 'not running')]
    assert all(d['host'] == 'node1' for d in diffs)


def test_prs_adm_failing_is_unread():
    site = Site()
    site.facts['node1']['prs'] = {'failed': True, 'msg': 'prs_adm: timed out'}
    assert site.report()['differences'] == [dict(kind='unread', host='node1', what='prs_adm status',
                                                 expected='answers', actual='prs_adm: timed out')]


def test_the_table_has_one_row_per_difference():
    site = Site()
    site.set_text('node4', 'cm_tip', 'CM_ID=3\n')
    site.set_text('node1', 'script', '#!/bin/sh\n' + 'x' * 200 + '\n')
    lines = audit_table(site.report())
    assert lines[0].split() == ['KIND', 'HOST', 'WHAT', 'EXPECTED', 'ACTUAL']
    assert len(lines) == 1 + 3 + 1 and lines[-1] == 'drift: 3 difference(s)'
    assert [line.split()[0] for line in lines[1:-1]] == ['script_shebang', 'script_content', 'cm_id']
    assert '...' in lines[2] and all(len(line) < 250 for line in lines)


def test_verify_table_reports_drift_as_a_warning():
    summary = {'ok': True, 'problems': [], 'clusters': [], 'processes': [],
               'drift': [{'host': 'node1', 'agent': 'agent9', 'group': 'CM1', 'status': 'UP'}]}
    lines = verify_table(summary)
    assert 'verdict: ok' in lines
    assert lines[-1] == ('drift: agent agent9 (group CM1, UP) is registered on node1 but absent from the model; '
                         'tibero_cm_prune=true deregisters it')


# --- the TSC part ---------------------------------------------------------------------------------

TSC_SHOW = {'id': 1, 'failover': 'ON(TSN)', 'mode': 'PROTECTIVE', 'mode_normalized': 'protective',
            'members': [{'cm_name': 'cm_pri'}, {'cm_name': 'cm_sby'}]}


def _tsc_site():
    model = cm_model(tsc_model())
    timers = model['tsc']['timers']
    hostvars = {}
    for host in ('pri1', 'sby1'):
        node = model['tsc']['by_host'][host]
        paths = audit_files(model, host, TB, PRS)
        cm_tip = ''.join('%s=%s\n' % (key, timers[field]) for key, field in audit.TSC_CM_PARAMS)
        db_tip = '_STANDBY_NETWORK_TIMEOUT=%s\nSTANDBY_USE_OBSERVER=Y\n' % timers['standby_network_timeout']
        hostvars[host] = {'__tibero_cm_audit': {
            'paths': paths, 'files': {'files': [_slurp(paths['cm_tip'], cm_tip), _slurp(paths['db_tip'], db_tip)]},
            'show': {'local_node': node['cm_sid'], 'resources': []}, 'prs': None, 'observer': None}}
    hostvars['obs1'] = {'__tibero_cm_audit': {'paths': {}, 'files': {'files': []}, 'show': None, 'prs': None,
                                              'observer': {'tsc': copy.deepcopy(TSC_SHOW)}}}
    return model, hostvars


def test_tsc_converged_and_its_files():
    model, hostvars = _tsc_site()
    assert audit_files(model, 'sby1', TB, PRS) == {'cm_tip': TB + '/config/cm_sby.tip',
                                                   'db_tip': TB + '/config/tb_sby.tip'}
    assert audit_files(model, 'obs1', TB, PRS) == {}
    report = audit_report(model, hostvars, ['pri1', 'sby1', 'obs1'])
    assert report['ok'] and report['differences'] == []


def test_tsc_timer_mode_and_membership():
    model, hostvars = _tsc_site()
    files = hostvars['sby1']['__tibero_cm_audit']['files']['files']
    files[0] = _slurp(files[0]['path'], files[0]['content'].replace('CM_HEARTBEAT_EXPIRE=5', 'CM_HEARTBEAT_EXPIRE=300'))
    files[1] = _slurp(files[1]['path'], '_STANDBY_NETWORK_TIMEOUT=60\n')
    observer = hostvars['obs1']['__tibero_cm_audit']['observer']['tsc']
    observer.update(mode='DISASTER_PLAN', mode_normalized='disaster_plan', members=[{'cm_name': 'cm_pri'}])
    diffs = audit_report(model, hostvars, ['pri1', 'sby1', 'obs1'])['differences']
    assert [(d['kind'], d['host'], d['what'], d['expected'], d['actual']) for d in diffs] == [
        ('tsc_param', 'sby1', 'cm_sby.tip CM_HEARTBEAT_EXPIRE', '5', '300'),
        ('tsc_param', 'sby1', 'tb_sby.tip STANDBY_USE_OBSERVER', 'Y', None),
        ('tsc_mode', 'obs1', 'TSC 1 mode', 'protective', 'disaster_plan'),
        ('tsc_member', 'obs1', 'TSC 1 member cm_sby (sby1)', 'listed', 'not listed')]


def test_tsc_observer_not_answering_is_unread():
    model, hostvars = _tsc_site()
    hostvars['obs1']['__tibero_cm_audit']['observer'] = {'failed': True, 'msg': 'observer not running'}
    assert _kinds(audit_report(model, hostvars, ['pri1', 'sby1', 'obs1'])) == [('unread', 'obs1')]


def test_a_file_reader_that_failed_as_a_whole_gives_each_file_its_message():
    site = Site()
    hostvars_files = {'failed': True, 'msg': 'Failed to create temporary directory'}
    assert audit.read_files(hostvars_files, ['/a', '/b']) == {
        '/a': dict(content=None, error='Failed to create temporary directory'),
        '/b': dict(content=None, error='Failed to create temporary directory')}
    site.set_text('node1', 'agent_cfg', None)
    diffs = site.report()['differences']
    assert [(d['kind'], d['host']) for d in diffs] == [('file_missing', 'node1')]


def test_tsc_nodes_whose_cm_does_not_answer_are_unread():
    model, hostvars = _tsc_site()
    hostvars['pri1']['__tibero_cm_audit']['show'] = {'failed': True, 'msg': 'cmrctl needs the local CM'}
    hostvars['pri1']['__tibero_cm_audit']['files'] = {'failed': True, 'msg': 'container not running'}
    diffs = audit_report(model, hostvars, ['pri1', 'sby1', 'obs1'])['differences']
    assert [(d['kind'], d['host'], d['what'], d['actual']) for d in diffs] == [
        ('unread', 'pri1', 'cmrctl show all (cm_pri)', 'cmrctl needs the local CM'),
        ('unread', 'pri1', TB + '/config/cm_pri.tip', 'container not running'),
        ('unread', 'pri1', TB + '/config/tb_pri.tip', 'container not running')]


def test_an_agent_on_a_cm_the_model_has_no_node_for_is_departed_never_pruned():
    """A node that left the model with its agent still registered (issue 17): the other nodes of its cluster
    see its CM table in `cmrctl show all`; the agent there is reported, and not as the local node's extra."""
    site = Site()
    show = site.facts['node3']['show']
    show['resources'] += [
        {'node': 'cm_tibero_tar9', 'cluster': 'cls_tibero_tar', 'type': 'db', 'name': 'tibero_tar9', 'status': 'UP(NRML)',
         'detail': 'tibero_tar, /t, failed retry cnt: 0'},
        {'node': 'cm_tibero_tar9', 'cluster': 'cls_tibero_tar', 'type': 'agent', 'name': 'agent9', 'status': 'UP',
         'detail': PRS + '/bin/prs_2.sh, start retry cnt: 0'},
        # another cluster's node table is not this cluster's business
        {'node': 'cm_other', 'cluster': 'cls_other', 'type': 'agent', 'name': 'agent8', 'status': 'UP',
         'detail': PRS + '/bin/prs_0.sh, start retry cnt: 0'}]
    node3 = site.model['by_host']['node3']
    assert departed_agents(show, node3, site.model) == [
        dict(name='agent9', cm_name='cm_tibero_tar9', status='UP', script=PRS + '/bin/prs_2.sh')]
    assert extra_agents(show, node3) == []
    # The model's own nodes (node4's table, if listed) are never departed.
    show['resources'].append({'node': 'cm_tibero_tar2', 'cluster': 'cls_tibero_tar', 'type': 'agent',
                              'name': 'agent4', 'status': 'UP', 'detail': PRS + '/bin/prs_1.sh, start retry cnt: 0'})
    assert [a['name'] for a in departed_agents(show, node3, site.model)] == ['agent9']
    assert departed_agents(None, node3, site.model) == []


def test_an_agent_the_prosync_host_does_not_list_is_read_on_its_own_node():
    # An agent added on another node after the ProSync host's own last prs_install_agent.sh run: that host's
    # prs_adm does not list it (vendor-facts PRS-16); its own node's prs_adm does.
    site = Site()
    prs = site.facts['node1']['prs']
    agent4 = [a for a in prs['agents'] if a['id'] == 'agent4'][0]
    prs['agents'].remove(agent4)
    site.facts['node4']['own_prs'] = {'agents': [dict(agent4)], 'processes': []}
    assert site.report()['differences'] == []
    # Listed there but not running: reported on that node.
    site.facts['node4']['own_prs']['agents'][0]['running'] = False
    assert [(d['kind'], d['host'], d['what'], d['actual']) for d in site.report()['differences']] == [
        ('prs_agent', 'node4', 'prs_agent agent4', 'not running')]
    # Listed nowhere: missing, as before.
    site.facts['node4']['own_prs'] = {'agents': [], 'processes': []}
    assert [(d['kind'], d['host'], d['what']) for d in site.report()['differences']] == [
        ('prs_agent', 'node1', 'prs_agent agent4')]
