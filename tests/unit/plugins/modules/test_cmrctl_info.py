# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cmrctl_info: read-only, on CM nodes and observers, with and without tscid."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import cmrctl_info
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)


@pytest.mark.parametrize('text, observer', [
    ('CM_NAME=obs1\nCM_MODE_OBSERVER=Y\n', True),
    ('cm_mode_observer = "y"  # observer\n', True),
    ('CM_NAME=cm1\n#CM_MODE_OBSERVER=Y\n', False),
    ('CM_MODE_OBSERVER=N\n', False),
    ('', False),
])
def test_is_observer_tip(text, observer):
    assert cmrctl_info.is_observer_tip(text) is observer


@pytest.mark.parametrize('scope, observer_tip, args', [
    ('auto', False, ['all']), ('auto', True, []), ('all', True, ['all']), ('local', False, []),
])
def test_show_args(scope, observer_tip, args):
    assert cmrctl_info.show_args(scope, observer_tip) == args


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _cmrctl(tb_home, *args):
    return [os.path.join(tb_home, 'bin', 'cmrctl')] + list(args)


def _write_tip(tb_home, sid, text):
    os.makedirs(os.path.join(tb_home, 'config'))
    with open(os.path.join(tb_home, 'config', sid + '.tip'), 'w') as handle:
        handle.write(text)


@pytest.mark.parametrize('check_mode', [False, True])
def test_show_all_on_a_cm_node(tb_home, check_mode):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show', 'all'), out=read_fixture('seed000_show_all_group_up.txt'))])
    result = run_module(cmrctl_info.main, dict(tb_home=tb_home, cm_sid='cm_tibero1'), fake, check_mode=check_mode)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (False, [])
    assert result['nodes'] == ['cm_tibero1', 'cm_tibero2'] and result['local_node'] == 'cm_tibero1'
    assert len(result['resources']) == 14
    assert result['resources'][-1] == dict(node='cm_tibero2', cluster='cls_tibero', type='agent', name='agent2',
                                           status='UP', detail='/home/tibero/tibero/tibero7/prs_1.sh, start retry cnt: 0')
    assert 'observer' not in result and 'tsc' not in result


def test_observer_node_is_read_with_plain_show_and_tscid(tb_home):
    _write_tip(tb_home, 'cm_obs', 'CM_NAME=obs1\nCM_MODE_OBSERVER=Y\nCM_OBSERVER_PORT=9000\n')
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=read_fixture('lab_observer_show.txt')),
        Step(_cmrctl(tb_home, 'show', '--tscid', '1'), out=read_fixture('lab_tsc_healthy.txt')),
    ])
    result = run_module(cmrctl_info.main, dict(tb_home=tb_home, cm_sid='cm_obs', tscid=1), fake)
    fake.assert_all_used()
    assert (result['resources'], result['nodes'], result['local_node']) == ([], [], 'obs1')
    assert [m['role'] for m in result['observer']['members']] == ['PRIMARY', 'TARGET']
    assert result['tsc']['mode_normalized'] == 'protective'
    assert result['tsc_raw'] == read_fixture('lab_tsc_healthy.txt')
    assert result['tsc']['members'][1] == dict(cls_id='1', cm_name='cm_sby1', conn='Y(M)', log='1', heartbeat='5',
                                               rcvd_tsn='1234')


def test_unknown_tscid_fails_with_the_tool_message(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show', 'all'), out=read_fixture('seed000_show_all_group_up.txt')),
        Step(_cmrctl(tb_home, 'show', '--tscid', '9'), rc=1, err='TSC(ID: 9) is not found.\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_info.main, dict(tb_home=tb_home, cm_sid='cm_tibero1', tscid=9), fake)
    assert 'TSC(ID: 9) is not found.' in exc.value.result['msg']
    assert exc.value.result['cmd'] == _cmrctl(tb_home, 'show', '--tscid', '9')
    assert exc.value.result['rc'] == 1


def test_unreadable_output_fails_with_the_raw_text(tb_home):
    odd = 'Resource List of Node cm_tibero1\n====\nsomething new\n'
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=odd)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_info.main, dict(tb_home=tb_home, cm_sid='cm_tibero1', scope='local'), fake)
    assert exc.value.result['msg'].endswith('raw output:\n' + odd)
    assert exc.value.result['stdout'] == odd
