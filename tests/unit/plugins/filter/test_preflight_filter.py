# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""preflight filters: the vendor tools each node must have, every node's live problems at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.filter.preflight import preflight_live_problems, preflight_tools

TB = '/home/tibero/tibero7'
PRS = '/home/prosync/example'
DB = dict(kind='db', prosync=True)
TSC_DB = dict(kind='db', prosync=False)
OBSERVER = dict(kind='observer', prosync=False)


def test_a_prosync_db_node_needs_the_tibero_and_prosync_tools_and_script():
    assert preflight_tools(DB, TB, PRS) == [
        TB + '/bin/tbboot', TB + '/bin/tbdown', TB + '/bin/tbcm', TB + '/bin/cmrctl',
        PRS + '/bin/prs_adm', PRS + '/bin/prs_agent', PRS + '/bin/prs_cm.sh',
        PRS + '/install/prs_install_agent.sh', PRS + '/install/prs_install.sh', '/usr/bin/script']


def test_a_node_without_prosync_or_pty_and_the_observer():
    assert preflight_tools(TSC_DB, TB, None, use_pty='false') == [
        TB + '/bin/tbboot', TB + '/bin/tbdown', TB + '/bin/tbcm', TB + '/bin/cmrctl']
    assert preflight_tools(OBSERVER, TB) == [TB + '/bin/cmrctl', TB + '/bin/tbcmobs']


def _host(node_kind_tools, problems, missing=()):
    tools = [t for t in node_kind_tools if t not in missing]
    return {'tibero_cm_tb_home': TB, 'tibero_cm_prs_home': PRS,
            '__preflight_tool_find': {'files': [{'path': t} for t in tools]},
            'tibero_cm_node_info': {'problems': problems}}


def test_every_nodes_problems_in_host_order_and_hosts_left_out_have_none():
    model = {'nodes': {'node1': DB, 'node2': DB, 'obs': OBSERVER, 'gone': DB}}
    hostvars = {
        'node1': _host(preflight_tools(DB, TB, PRS), ['node1: DB tibero1 is DOWN'],
                       missing=[PRS + '/bin/prs_adm']),
        'node2': _host(preflight_tools(DB, TB, PRS), []),
        'obs': _host(preflight_tools(OBSERVER, TB), []),
        'gone': {'tibero_cm_tb_home': TB},  # left out as unreachable: no read
    }
    problems = preflight_live_problems(['node1', 'node2', 'obs', 'gone'], hostvars, model)
    assert problems[0].startswith('node1: vendor tools missing: %s/bin/prs_adm (rule: ' % PRS)
    assert problems[1:] == ['node1: DB tibero1 is DOWN']


def test_a_node_whose_pty_is_off_needs_no_script():
    host = _host(preflight_tools(DB, TB, PRS, use_pty=False), [])
    host['tibero_cm_tbboot_use_pty'] = False
    assert preflight_live_problems(['node1'], {'node1': host}, {'nodes': {'node1': DB}}) == []
    del host['tibero_cm_tbboot_use_pty']  # default: tbboot through script(1)
    assert preflight_live_problems(['node1'], {'node1': host}, {'nodes': {'node1': DB}}) == [
        'node1: vendor tools missing: /usr/bin/script (rule: TB_HOME/bin and PRS_HOME/bin, PRS_HOME/install hold '
        'the vendor tools; /usr/bin/script gives tbboot its terminal)']


def test_unreachable_nodes_come_first_unless_left_out():
    model = {'nodes': {'node1': DB, 'node2': DB, 'node3': DB}}
    hostvars = {
        'node1': _host(preflight_tools(DB, TB, PRS), ['node1: DB tibero1 is DOWN']),
        'node2': {'__preflight_tool_find': {'unreachable': True, 'msg': 'timeout'},
                  'tibero_cm_node_info': {'skipped': True}},
        'node3': {'__preflight_tool_find': {'unreachable': True}, 'tibero_cm_skip_host': True},  # allowed: left out
    }
    problems = preflight_live_problems(['node1', 'node2', 'node3'], hostvars, model)
    assert problems == [
        'unreachable node(s): node2. Nothing was changed on any node. Bring them back, or set '
        'tibero_cm_allow_unreachable=true to proceed with the reachable nodes only.',
        'node1: DB tibero1 is DOWN']
