# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cmrctl_service: DETAIL parsing, plan table, and main() against seed 000 and lab `cmrctl show all` tables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import cmrctl_service
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SEED_SHOW_ALL = read_fixture('seed000_show_all_no_group.txt')
HOME = '/home/tibero/tibero/tibero7'
PLAIN = 'Database, Active Cluster (auto-restart: OFF)'
TSC_DETAIL = PLAIN + ', tscid: 1, obsip: 172.19.0.30, obsport: 9700'
TSC = dict(tscid=1, obsip='172.19.0.30', obsport=9700)


def lab_table(service_detail=PLAIN, db_status='UP(NRML)', service=True, db=True):
    """The lab's `cmrctl show all` of the TSC primary pri1 (lab/labsim/cm.py layout, DETAIL wrapped at 56)."""
    rows = [('COMMON', 'network', 'inc1', 'UP', '(private) 172.19.0.21/8640'),
            ('COMMON', 'cluster', 'cls_pri', 'UP', 'inc: inc1, pub: N/A'),
            ('cls_pri', 'file', 'cls_pri:0', 'UP', HOME + '/cmfile/tsc/cmdata')]
    if service:
        rows.append(('cls_pri', 'service', 'tsc_pri', 'UP', service_detail))
    if db:
        rows.append(('cls_pri', 'db', 'tb_pri', db_status, 'tsc_pri, %s, failed retry cnt: 0' % HOME))
    lines = ['Resource List of Node cm_pri1', '=' * 69,
             '  CLUSTER     TYPE        NAME       STATUS           DETAIL         ',
             '----------- -------- -------------- -------- ------------------------']
    for cluster, rtype, name, status, detail in rows:
        chunks = []
        while len(detail) > 56:
            cut = detail.rfind(' ', 0, 57)
            chunks.append(detail[:cut])
            detail = detail[cut + 1:]
        chunks.append(detail)
        lines.append('%11s %8s %14s %8s %s' % (cluster, rtype, name, status, chunks[0]))
        lines += ['%11s %8s %14s %8s %s' % ('', '', '', '', more) for more in chunks[1:]]
    lines.append('=' * 69)
    return '\n'.join(lines) + '\n'


WANT = dict(name='tsc_pri', cname='cls_pri', type='db', mode='AC', **TSC)
ABSENT = dict(name='tsc_pri', state='absent')
PLAIN_SVC = dict(name='tsc_pri', state='present', status='UP', cname='cls_pri', type='db', mode='AC',
                 tscid=None, obsip=None, obsport=None)
TSC_SVC = dict(PLAIN_SVC, **TSC)
DB_UP = dict(name='tb_pri', node='cm_pri1', status='UP(NRML)', dbhome=HOME)
DB_DOWN = dict(DB_UP, status='DOWN')


# --------------------------------------------------------------------------------------------------
# pure functions


@pytest.mark.parametrize('detail, parsed', [
    (PLAIN, dict(type='db', mode='AC', tscid=None, obsip=None, obsport=None)),
    (TSC_DETAIL, dict(type='db', mode='AC', **TSC)),
    ('Database, High Availability (auto-restart: ON), TSC_ID=7, OBSIP=obs1.example, OBSPORT=9000',
     dict(type='db', mode='HA', tscid=7, obsip='obs1.example', obsport=9000)),
    ('', dict(type=None, mode=None, tscid=None, obsip=None, obsport=None)),
])
def test_parse_service_detail(detail, parsed):
    assert cmrctl_service.parse_service_detail(detail) == parsed


def test_state_and_db_resources_from_the_seed_show_all():
    parsed = cs.parse_nodes(SEED_SHOW_ALL)
    assert cmrctl_service.service_state(parsed, 'tibero') == dict(
        PLAIN_SVC, name='tibero', cname='cls_tibero')
    assert cmrctl_service.service_state(parsed, 'other') == dict(name='other', state='absent')
    assert cmrctl_service.db_resources(parsed, 'tibero') == [
        dict(name='tibero1', node='cm_tibero1', status='UP(NRML)', dbhome=HOME),
        dict(name='tibero2', node='cm_tibero2', status='UP(NRML)', dbhome=HOME)]


def test_wrapped_tsc_detail_of_the_lab_is_read_back():
    parsed = cs.parse_nodes(lab_table(TSC_DETAIL))
    assert cmrctl_service.service_state(parsed, 'tsc_pri') == TSC_SVC


@pytest.mark.parametrize('current, dbs, want, state, replace, actions', [
    (ABSENT, [], WANT, 'present', False, [('add', None)]),
    (ABSENT, [], WANT, 'absent', False, []),
    (TSC_SVC, [DB_UP], WANT, 'present', False, []),
    (TSC_SVC, [DB_UP], dict(WANT, mode=None, tscid=None, obsip=None, obsport=None), 'present', False, []),
    (PLAIN_SVC, [DB_UP], dict(WANT, tscid=None, obsip=None, obsport=None), 'present', False, []),
    (PLAIN_SVC, [], WANT, 'present', True, [('del', None), ('add', None)]),
    (PLAIN_SVC, [DB_DOWN], WANT, 'present', True,
     [('del_db', DB_DOWN), ('del', None), ('add', None), ('add_db', DB_DOWN)]),
    (TSC_SVC, [], WANT, 'absent', False, [('del', None)]),
])
def test_plan(current, dbs, want, state, replace, actions):
    assert cmrctl_service.plan(current, dbs, want, state, replace, 'cm_pri1', '/env') == actions


@pytest.mark.parametrize('current, dbs, want, state, replace, envfile, message', [
    (PLAIN_SVC, [DB_UP], WANT, 'present', False, '/env',
     'service tsc_pri exists with other settings (tscid is none, wanted 1, obsip is none, wanted 172.19.0.30, '
     'obsport is none, wanted 9700). cmrctl cannot change a service in place.'),
    (PLAIN_SVC, [DB_UP], WANT, 'present', True, '/env', 'its instance is up (tb_pri UP(NRML)): stop it first'),
    (PLAIN_SVC, [DB_DOWN, dict(DB_DOWN, name='tb_pri2', node='cm_pri2')], WANT, 'present', True, '/env',
     'db resources on other nodes belong to it (tb_pri2 on cm_pri2)'),
    (PLAIN_SVC, [DB_DOWN], WANT, 'present', True, None, 'db_envfile is required'),
    (TSC_SVC, [DB_DOWN], WANT, 'absent', False, '/env', 'the CM refuses while db resources belong to it (tb_pri on'),
    (ABSENT, [], dict(WANT, cname=None), 'present', False, '/env', 'cname is required to add it'),
])
def test_plan_refuses(current, dbs, want, state, replace, envfile, message):
    with pytest.raises(cmrctl_service.PlanError) as exc:
        cmrctl_service.plan(current, dbs, want, state, replace, 'cm_pri1', envfile)
    assert message in str(exc.value)


def test_refusal_names_the_manual_procedure():
    with pytest.raises(cmrctl_service.PlanError) as exc:
        cmrctl_service.plan(PLAIN_SVC, [DB_UP], WANT, 'present', False, 'cm_pri1', None)
    msg = str(exc.value)
    assert '"cmrctl del db --name <sid>" (db resources: tb_pri on cm_pri1)' in msg
    assert ('"cmrctl add service --name tsc_pri --cname cls_pri --type db --mode AC --tscid 1 --obsip 172.19.0.30 '
            '--obsport 9700"') in msg
    assert 'replace=true' in msg
    assert exc.value.differences == [('tscid', None, 1), ('obsip', None, '172.19.0.30'), ('obsport', None, 9700)]


def test_action_argv():
    assert cmrctl_service.action_argv('cmrctl', ('add', None), dict(WANT, mode=None, tscid=None)) == [
        'cmrctl', 'add', 'service', '--name', 'tsc_pri', '--cname', 'cls_pri', '--type', 'db']
    assert cmrctl_service.action_argv('cmrctl', ('add_db', DB_DOWN), WANT, '/env') == [
        'cmrctl', 'add', 'db', '--name', 'tb_pri', '--svcname', 'tsc_pri', '--dbhome', HOME, '--envfile', '/env']
    assert cmrctl_service.action_argv('cmrctl', ('del_db', DB_DOWN), WANT) == ['cmrctl', 'del', 'db', '--name', 'tb_pri']


# --------------------------------------------------------------------------------------------------
# main()


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _args(tb_home, **kwargs):
    args = dict(name='tsc_pri', cname='cls_pri', mode='AC', tb_home=tb_home, cm_sid='cm_pri', **TSC)
    args.update(kwargs)
    return args


def _cmrctl(tb_home, *args):
    return [os.path.join(tb_home, 'bin', 'cmrctl')] + list(args)


def _add(tb_home):
    return _cmrctl(tb_home, 'add', 'service', '--name', 'tsc_pri', '--cname', 'cls_pri', '--type', 'db', '--mode', 'AC',
                   '--tscid', '1', '--obsip', '172.19.0.30', '--obsport', '9700')


def _show(tb_home, out):
    return Step(_cmrctl(tb_home, 'show', 'all'), out=out)


ADD_OUT = 'Resource add success! (service, tsc_pri)\n'
DEL_OUT = 'Resource del success! (service, tsc_pri)\n'


def test_absent_service_is_added_then_confirmed(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), out=ADD_OUT),
        _show(tb_home, lab_table(TSC_DETAIL, db=False)),
    ])
    result = run_module(cmrctl_service.main, _args(tb_home), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (True, [_add(tb_home)])
    assert result['service'] == TSC_SVC
    assert result['diff'] == dict(before=dict(state='absent'),
                                  after=dict(state='present', cname='cls_pri', type='db', mode='AC', **TSC))
    env = fake.calls[1].env
    assert (env['TB_HOME'], env['CM_SID'], env['LC_ALL']) == (tb_home, 'cm_pri', 'C')


def test_registered_service_changes_nothing(tb_home):
    fake = FakeRunCommand([_show(tb_home, lab_table(TSC_DETAIL))])
    result = run_module(cmrctl_service.main, _args(tb_home), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['differences']) == (False, [], [])
    assert result['diff']['before'] == result['diff']['after']
    assert result['db_resources'] == [DB_UP]


def test_check_mode_plans_without_running(tb_home):
    fake = FakeRunCommand([_show(tb_home, lab_table(service=False, db=False))])
    result = run_module(cmrctl_service.main, _args(tb_home), fake, check_mode=True, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['service']) == (True, [_add(tb_home)], dict(TSC_SVC))
    assert result['diff']['after']['tscid'] == 1


def test_service_without_tsc_fails_with_differences_and_runs_nothing(tb_home):
    fake = FakeRunCommand([_show(tb_home, lab_table())])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    fake.assert_all_used()
    result = exc.value.result
    assert result['commands'] == []
    assert result['differences'] == [['tscid', None, 1], ['obsip', None, '172.19.0.30'], ['obsport', None, 9700]]
    assert 'exists with other settings' in result['msg'] and 'To re-register it by hand' in result['msg']


def test_replace_re_registers_service_and_db_of_a_stopped_instance(tb_home):
    del_db = _cmrctl(tb_home, 'del', 'db', '--name', 'tb_pri')
    add_db = _cmrctl(tb_home, 'add', 'db', '--name', 'tb_pri', '--svcname', 'tsc_pri', '--dbhome', HOME,
                     '--envfile', '/home/tibero/.bash_profile')
    del_svc = _cmrctl(tb_home, 'del', 'service', '--name', 'tsc_pri')
    fake = FakeRunCommand([
        _show(tb_home, lab_table(db_status='DOWN')),
        Step(del_db, out='Resource del success! (db, tb_pri)\n'),
        Step(del_svc, out=DEL_OUT),
        Step(_add(tb_home), out=ADD_OUT),
        Step(add_db, out='Resource add success! (db, tb_pri)\n'),
        _show(tb_home, lab_table(TSC_DETAIL, db_status='DOWN')),
    ])
    result = run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/home/tibero/.bash_profile'),
                        fake, diff=True)
    fake.assert_all_used()
    assert result['commands'] == [del_db, del_svc, _add(tb_home), add_db]
    assert result['diff']['before']['tscid'] is None and result['diff']['after']['tscid'] == 1


def test_replace_in_check_mode_plans_the_four_commands(tb_home):
    fake = FakeRunCommand([_show(tb_home, lab_table(db_status='DOWN'))])
    result = run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/env'), fake, check_mode=True)
    assert [argv[1:3] for argv in result['commands']] == [['del', 'db'], ['del', 'service'], ['add', 'service'],
                                                          ['add', 'db']]
    assert result['service'] == dict(TSC_SVC, status='UP')


def test_replace_of_a_running_instance_fails_before_deleting(tb_home):
    fake = FakeRunCommand([_show(tb_home, lab_table())])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/env'), fake)
    fake.assert_all_used()
    assert 'stop it first' in exc.value.result['msg'] and exc.value.result['commands'] == []


def test_absent_deletes_a_service_without_db(tb_home):
    del_svc = _cmrctl(tb_home, 'del', 'service', '--name', 'tsc_pri')
    fake = FakeRunCommand([
        _show(tb_home, lab_table(TSC_DETAIL, db=False)),
        Step(del_svc, out=DEL_OUT),
        _show(tb_home, lab_table(service=False, db=False)),
    ])
    result = run_module(cmrctl_service.main, dict(name='tsc_pri', state='absent', tb_home=tb_home, cm_sid='cm_pri'),
                        fake)
    assert (result['changed'], result['commands'], result['service']) == (True, [del_svc], ABSENT)


def test_failed_add_reports_cmd_rc_stdout_stderr(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), rc=1, out='', err="Cluster resource 'cls_pri' does not exist on this node.\n"),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    result = exc.value.result
    assert (result['cmd'], result['rc'], result['stdout']) == (_add(tb_home), 1, '')
    assert 'does not exist' in result['stderr'] and 'does not exist' in result['msg']
    assert result['commands'] == [_add(tb_home)]


def test_missing_success_marker_is_a_failure(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), out='something else\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    assert 'did not report "Resource add success!"' in exc.value.result['msg']


def test_add_not_confirmed_by_show_fails(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), out=ADD_OUT),
        _show(tb_home, lab_table(db=False)),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    assert 'cmrctl show lists other settings (tscid is none, wanted 1' in exc.value.result['msg']
    assert exc.value.result['changed'] is True


def test_unknown_show_output_fails_loudly(tb_home):
    fake = FakeRunCommand([_show(tb_home, 'Failed to connect to the local CM\n')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    assert 'cannot read the output of' in exc.value.result['msg']


@pytest.mark.parametrize('extra, message', [
    (dict(obsport=70000), 'obsport must be a TCP port'),
    (dict(tscid=-1), 'tscid must be 0 or more'),
    (dict(obsip='10.0.0.1; rm -rf /'), 'obsip must be an address'),
    (dict(obsip='-10.0.0.1'), 'obsip must be an address'),
    (dict(name='bad name'), 'name must be a CM resource name'),
    (dict(cname='-cls_tibero'), 'cname must be a CM resource name'),
    (dict(obsip=None), 'tscid, obsip and obsport go together: only tscid, obsport given'),
])
def test_bad_input_is_rejected_before_any_command(tb_home, extra, message):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, **extra), FakeRunCommand([]))
    assert message in exc.value.result['msg']
