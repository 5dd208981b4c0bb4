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


def _host(problems, missing=()):
    return {'tibero_cm_node_info': {'problems': problems, 'tools_missing': list(missing)}}


def test_every_nodes_problems_in_host_order_and_hosts_left_out_have_none():
    hostvars = {
        'node1': _host(['node1: DB tibero1 is DOWN'], missing=[PRS + '/bin/prs_adm']),
        'node2': _host([]),
        'obs': _host([]),
        'gone': {'tibero_cm_tb_home': TB},  # never read: no problem of its own
    }
    problems = preflight_live_problems(['node1', 'node2', 'obs', 'gone'], hostvars)
    assert problems[0].startswith('node1: vendor tools missing: %s/bin/prs_adm (rule: ' % PRS)
    assert problems[1:] == ['node1: DB tibero1 is DOWN']


def test_the_missing_tools_are_named_with_the_rule():
    host = _host([], missing=['/usr/bin/script'])
    assert preflight_live_problems(['node1'], {'node1': host}) == [
        'node1: vendor tools missing: /usr/bin/script (rule: TB_HOME/bin and PRS_HOME/bin, PRS_HOME/install hold '
        'the vendor tools; /usr/bin/script gives tbboot its terminal)']


def test_a_node_whose_read_failed_is_named_with_its_message_beside_the_others():
    hostvars = {
        'node1': {'tibero_cm_node_info': {'failed': True, 'msg': 'Missing sudo password'}},
        'node2': _host(['node2: DB tibero2 is DOWN']),
    }
    assert preflight_live_problems(['node1', 'node2'], hostvars) == [
        'node1: the node could not be read: Missing sudo password', 'node2: DB tibero2 is DOWN']


def test_unreachable_nodes_come_first_unless_left_out():
    hostvars = {
        'node1': _host(['node1: DB tibero1 is DOWN']),
        'node2': {'tibero_cm_node_info': {'unreachable': True, 'msg': 'timeout'}},
        'node3': {'tibero_cm_node_info': {'unreachable': True}, 'tibero_cm_skip_host': True},  # allowed: left out
    }
    problems = preflight_live_problems(['node1', 'node2', 'node3'], hostvars)
    assert problems == [
        'unreachable node(s): node2. Nothing was changed on any node. Bring them back, or set '
        'tibero_cm_allow_unreachable=true to proceed with the reachable nodes only.',
        'node1: DB tibero1 is DOWN']
