# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tsc_observer: set the mode only when `cmrctl show --tscid` prints another one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import tsc_observer
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

PROTECTIVE = read_fixture('lab_tsc_healthy.txt')
DIS_PLAN = read_fixture('lab_tsc_disaster_plan_db_down.txt')
OLD_DIS_PLAN = read_fixture('lab_tsc_dis_plan_db_down.txt')  # the lab's former spelling, still read


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _cmrctl(tb_home, *args):
    return [os.path.join(tb_home, 'bin', 'cmrctl')] + list(args)


def _show(tb_home, out):
    return Step(_cmrctl(tb_home, 'show', '--tscid', '1'), out=out)


def _set(tb_home, mode):
    return _cmrctl(tb_home, 'set', '--tscid', '1', '--mode', mode)


def _args(tb_home, mode):
    return dict(tscid=1, mode=mode, tb_home=tb_home, cm_sid='cm_obs')


@pytest.mark.parametrize('show, mode', [(PROTECTIVE, 'protective'), (DIS_PLAN, 'disaster_plan'),
                                        (OLD_DIS_PLAN, 'disaster_plan'),
                                        (PROTECTIVE.replace('PROTECTIVE', '   PROTECT'), 'protective')])
def test_same_mode_changes_nothing(tb_home, show, mode):
    fake = FakeRunCommand([_show(tb_home, show)])
    result = run_module(tsc_observer.main, _args(tb_home, mode), fake, diff=True)
    assert (result['changed'], result['commands']) == (False, [])
    assert result['diff'] == dict(before=dict(mode=mode), after=dict(mode=mode))


def test_other_mode_is_set_and_confirmed(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, PROTECTIVE),
        Step(_set(tb_home, 'disaster_plan'), out='SUCCESS!\n'),
        _show(tb_home, DIS_PLAN),
    ])
    result = run_module(tsc_observer.main, _args(tb_home, 'disaster_plan'), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (True, [_set(tb_home, 'disaster_plan')])
    assert result['tsc']['mode'] == 'DISASTER_PLAN'
    assert result['diff'] == dict(before=dict(mode='protective'), after=dict(mode='disaster_plan'))


def test_check_mode_plans_the_set(tb_home):
    fake = FakeRunCommand([_show(tb_home, DIS_PLAN)])
    result = run_module(tsc_observer.main, _args(tb_home, 'protective'), fake, check_mode=True)
    assert (result['changed'], result['commands']) == (True, [_set(tb_home, 'protective')])


def test_set_failing_when_the_observer_is_down_is_reported(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, read_fixture('lab_tsc_observer_down.txt')),
        Step(_set(tb_home, 'disaster_plan'), rc=1, err='Observer of TSC 1 is not running.\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tsc_observer.main, _args(tb_home, 'disaster_plan'), fake)
    result = exc.value.result
    assert 'Observer of TSC 1 is not running.' in result['msg']
    assert (result['cmd'], result['rc']) == (_set(tb_home, 'disaster_plan'), 1)


def test_mode_not_changing_after_set_fails(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, PROTECTIVE),
        Step(_set(tb_home, 'disaster_plan'), out='SUCCESS!\n'),
        _show(tb_home, PROTECTIVE),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tsc_observer.main, dict(_args(tb_home, 'disaster_plan'), wait_timeout=0), fake)
    assert exc.value.result['msg'] == 'TSC 1 still prints MODE PROTECTIVE after cmrctl set --mode disaster_plan'


def test_unknown_mode_text_fails_without_setting(tb_home):
    fake = FakeRunCommand([_show(tb_home, PROTECTIVE.replace('PROTECTIVE', '    BALANCED'))])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tsc_observer.main, _args(tb_home, 'protective'), fake)
    assert "prints MODE 'BALANCED'" in exc.value.result['msg']
    assert exc.value.result['commands'] == []
