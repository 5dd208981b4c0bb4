# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cmrctl_service: service state, TSC membership from the observer, plan table, and main() against seed 000
and lab `cmrctl show all` tables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import cmrctl_service
from ansible_collections.tibero.cm.plugins.module_utils import cm_service
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SEED_SHOW_ALL = read_fixture('seed000_show_all_no_group.txt')
HOME = '/home/tibero/tibero/tibero7'
# What a real CM prints for a service, with or without --tscid (aws-ia gen_db_p.sh; vendor facts TSC-1).
PLAIN = 'Database, Active Cluster (auto-restart: OFF)'
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


WANT = dict(name='tsc_pri', cname='cls_pri', type='db', mode=None, **TSC)
ABSENT = dict(name='tsc_pri', state='absent')
PLAIN_SVC = dict(name='tsc_pri', state='present', status='UP', cname='cls_pri', type='db', mode='AC')
DB_UP = dict(name='tb_pri', node='cm_pri1', status='UP(NRML)', dbhome=HOME)
DB_DOWN = dict(DB_UP, status='DOWN')
LISTED = dict(source='observer', tscid=1, cm_name='cm_pri1', listed=True)
NOT_LISTED = dict(LISTED, listed=False)
NO_ANSWER = dict(source='none', tscid=1, cm_name='cm_pri1', listed=None)
OBSERVER_OUT = read_fixture('lab_tsc_healthy.txt')


# --------------------------------------------------------------------------------------------------
# pure functions


def test_state_from_the_seed_show_all():
    # The service DETAIL and db rows are parsed in cmrctl_show (test_cmrctl_show.py).
    parsed = cs.parse_nodes(SEED_SHOW_ALL)
    assert cmrctl_service.service_state(parsed, 'tibero') == dict(
        PLAIN_SVC, name='tibero', cname='cls_tibero')
    assert cmrctl_service.service_state(parsed, 'other') == dict(name='other', state='absent')


@pytest.mark.parametrize('tscid, members, membership', [
    (None, ['cm_pri1'], None),
    (1, None, NO_ANSWER),
    (1, [], NOT_LISTED),
    (1, ['cm_sby1'], NOT_LISTED),
    (1, ['cm_sby1', 'cm_pri1'], LISTED),
])
def test_tsc_membership_comes_from_the_observer_list_only(tscid, members, membership):
    assert cmrctl_service.tsc_membership(tscid, 'cm_pri1', members) == membership


@pytest.mark.parametrize('current, dbs, want, state, replace, membership, actions', [
    (ABSENT, [], WANT, 'present', False, NOT_LISTED, [('add', None)]),
    (ABSENT, [], WANT, 'present', False, NO_ANSWER, [('add', None)]),
    (ABSENT, [], WANT, 'absent', False, None, []),
    # registered: the observer lists the CM, whatever DETAIL says
    (PLAIN_SVC, [DB_UP], WANT, 'present', False, LISTED, []),
    (PLAIN_SVC, [DB_UP], WANT, 'present', True, LISTED, []),
    (PLAIN_SVC, [DB_UP], dict(WANT, mode='AC'), 'present', False, LISTED, []),
    (PLAIN_SVC, [DB_UP], dict(WANT, tscid=None, obsip=None, obsport=None), 'present', False, None, []),
    (PLAIN_SVC, [], WANT, 'present', True, NOT_LISTED, [('del', None), ('add', None)]),
    (PLAIN_SVC, [DB_DOWN], WANT, 'present', True, NO_ANSWER,
     [('del_db', DB_DOWN), ('del', None), ('add', None), ('add_db', DB_DOWN)]),
    (PLAIN_SVC, [], WANT, 'absent', False, None, [('del', None)]),
])
def test_plan(current, dbs, want, state, replace, membership, actions):
    assert cmrctl_service.plan(current, dbs, want, state, replace, 'cm_pri1', '/env', membership) == actions


@pytest.mark.parametrize('current, dbs, want, state, replace, membership, envfile, message', [
    (PLAIN_SVC, [DB_UP], WANT, 'present', False, NOT_LISTED, '/env',
     "service tsc_pri exists but the observer's cmrctl show --tscid 1 does not list this node's CM cm_pri1"),
    (PLAIN_SVC, [DB_UP], WANT, 'present', False, NO_ANSWER, '/env',
     'service tsc_pri exists but the observer gave no answer'),
    (PLAIN_SVC, [DB_UP], dict(WANT, mode='HA'), 'present', False, LISTED, '/env',
     'service tsc_pri exists with other settings (mode is AC, wanted HA). cmrctl cannot change a service in place.'),
    (PLAIN_SVC, [DB_UP], WANT, 'present', True, NOT_LISTED, '/env',
     'its CM is not a member of TSC 1) but its instance is up (tb_pri UP(NRML)): stop it first'),
    (PLAIN_SVC, [DB_DOWN, dict(DB_DOWN, name='tb_pri2', node='cm_pri2')], WANT, 'present', True, NOT_LISTED,
     '/env', 'db resources on other nodes belong to it (tb_pri2 on cm_pri2)'),
    (PLAIN_SVC, [DB_DOWN], WANT, 'present', True, NOT_LISTED, None, 'db_envfile is required'),
    (PLAIN_SVC, [DB_DOWN], WANT, 'absent', False, None, '/env',
     'the CM refuses while db resources belong to it (tb_pri on'),
    (ABSENT, [], dict(WANT, cname=None), 'present', False, None, '/env', 'cname is required to add it'),
])
def test_plan_refuses(current, dbs, want, state, replace, membership, envfile, message):
    with pytest.raises(cm_service.PlanError) as exc:
        cmrctl_service.plan(current, dbs, want, state, replace, 'cm_pri1', envfile, membership)
    assert message in str(exc.value)


def test_refusal_quotes_the_observer_and_names_the_manual_procedure():
    with pytest.raises(cm_service.PlanError) as exc:
        cmrctl_service.plan(PLAIN_SVC, [DB_UP], WANT, 'present', False, 'cm_pri1', None, NOT_LISTED, OBSERVER_OUT)
    msg = str(exc.value)
    assert 'Observer output:\n' + OBSERVER_OUT.rstrip() + '\n' in msg
    assert 'Check that CM cm_pri1 reaches the observer at 172.19.0.30:9700' in msg
    assert '"cmrctl del db --name <sid>" (db resources: tb_pri on cm_pri1)' in msg
    assert ('"cmrctl add service --name tsc_pri --cname cls_pri --type db --tscid 1 --obsip 172.19.0.30 '
            '--obsport 9700"') in msg
    assert 'replace=true' in msg
    assert exc.value.differences == [('tsc_member', False, True)]


@pytest.mark.parametrize('membership', [NOT_LISTED, NO_ANSWER])
def test_a_second_re_registration_is_refused_even_with_replace(membership):
    with pytest.raises(cm_service.PlanError) as exc:
        cmrctl_service.plan(PLAIN_SVC, [DB_DOWN], WANT, 'present', True, 'cm_pri1', '/env', membership,
                            'TSC(ID: 1) is not found.', reregistered_before=True)
    assert 'An earlier run already re-registered it; it is not re-registered again' in str(exc.value)
    assert 'TSC(ID: 1) is not found.' in str(exc.value)
    # no difference returned: a caller that may re-register does not take this refusal for a planned one
    assert exc.value.differences == []


def test_the_marker_alone_changes_nothing_once_the_cm_is_listed():
    assert cmrctl_service.plan(PLAIN_SVC, [DB_UP], WANT, 'present', True, 'cm_pri1', '/env', LISTED,
                               reregistered_before=True) == []


def test_action_argv_passes_mode_only_when_given():
    assert cmrctl_service.action_argv('cmrctl', ('add', None), dict(WANT, tscid=None)) == [
        'cmrctl', 'add', 'service', '--name', 'tsc_pri', '--cname', 'cls_pri', '--type', 'db']
    assert cmrctl_service.action_argv('cmrctl', ('add', None), dict(WANT, mode='HA'))[9:11] == ['--mode', 'HA']
    assert cmrctl_service.action_argv('cmrctl', ('add_db', DB_DOWN), WANT, '/env') == [
        'cmrctl', 'add', 'db', '--name', 'tb_pri', '--svcname', 'tsc_pri', '--dbhome', HOME, '--envfile', '/env']
    assert cmrctl_service.action_argv('cmrctl', ('del_db', DB_DOWN), WANT) == ['cmrctl', 'del', 'db', '--name', 'tb_pri']


# --------------------------------------------------------------------------------------------------
# main()


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _args(tb_home, **kwargs):
    args = dict(name='tsc_pri', cname='cls_pri', tb_home=tb_home, cm_sid='cm_pri', tsc_members=[],
                observer_output=OBSERVER_OUT, **TSC)
    args.update(kwargs)
    return args


def _cmrctl(tb_home, *args):
    return [os.path.join(tb_home, 'bin', 'cmrctl')] + list(args)


def _add(tb_home):
    return _cmrctl(tb_home, 'add', 'service', '--name', 'tsc_pri', '--cname', 'cls_pri', '--type', 'db',
                   '--tscid', '1', '--obsip', '172.19.0.30', '--obsport', '9700')


def _show(tb_home, out, own=None):
    """One read of the service: `show` (this node's table: its CM name, the service), then `show all`
    (every node's db resources of the service)."""
    return [Step(_cmrctl(tb_home, 'show'), out=own or out), Step(_cmrctl(tb_home, 'show', 'all'), out=out)]


def _reads(tb_home, out, own=None):
    return _show(tb_home, out, own)


ADD_OUT = 'Resource add success! (service, tsc_pri)\n'
DEL_OUT = 'Resource del success! (service, tsc_pri)\n'


def test_absent_service_is_added_without_mode_then_confirmed(tb_home):
    fake = FakeRunCommand([
        *_reads(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), out=ADD_OUT),
        *_show(tb_home, lab_table(db=False)),
    ])
    result = run_module(cmrctl_service.main, _args(tb_home), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['reregistered']) == (True, [_add(tb_home)], False)
    assert result['service'] == dict(PLAIN_SVC, tsc=dict(NOT_LISTED, source='added'))
    assert result['diff'] == dict(before=dict(state='absent'),
                                  after=dict(state='present', cname='cls_pri', type='db', mode='AC'))
    env = fake.calls[1].env
    assert (env['TB_HOME'], env['CM_SID'], env['LC_ALL']) == (tb_home, 'cm_pri', 'C')


def test_registered_service_changes_nothing_whatever_detail_says(tb_home):
    fake = FakeRunCommand(_reads(tb_home, lab_table()))
    result = run_module(cmrctl_service.main, _args(tb_home, tsc_members=['cm_pri1', 'cm_sby1']), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['differences']) == (False, [], [])
    assert result['service'] == dict(PLAIN_SVC, tsc=LISTED)
    assert result['diff']['before'] == result['diff']['after']
    assert result['db_resources'] == [DB_UP]


def test_seed_site_listed_by_the_observer_changes_nothing(tb_home):
    """The seed's real `cmrctl show all` (two nodes); the observer lists the local CM."""
    fake = FakeRunCommand(_reads(tb_home, SEED_SHOW_ALL, read_fixture('seed000_show_node1_no_group.txt')))
    result = run_module(cmrctl_service.main, _args(tb_home, name='tibero', cname='cls_tibero',
                                                   tsc_members=['cm_tibero1', 'cm_tibero2'], replace=True), fake)
    assert (result['changed'], result['commands'], result['reregistered']) == (False, [], False)
    assert result['service']['tsc'] == dict(LISTED, cm_name='cm_tibero1')


def test_membership_is_checked_for_the_cm_of_this_node_own_show(tb_home):
    """The CM name comes from this node's own `cmrctl show` table title, the name the observer lists it by."""
    own = lab_table().replace('Resource List of Node cm_pri1', 'Resource List of Node cm_pri9')
    fake = FakeRunCommand(_reads(tb_home, lab_table(), own))
    result = run_module(cmrctl_service.main, _args(tb_home, tsc_members=['cm_pri9']), fake)
    fake.assert_all_used()
    assert (result['changed'], result['service']['tsc']) == (False, dict(LISTED, cm_name='cm_pri9'))


def test_check_mode_plans_without_running(tb_home):
    fake = FakeRunCommand(_reads(tb_home, lab_table(service=False, db=False)))
    result = run_module(cmrctl_service.main, _args(tb_home), fake, check_mode=True, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (True, [_add(tb_home)])
    assert result['service']['tsc']['source'] == 'added'


@pytest.mark.parametrize('members, said', [
    ([], "does not list this node's CM cm_pri1"),
    (None, 'the observer gave no answer'),
])
def test_service_not_listed_fails_with_the_observer_output_and_runs_nothing(tb_home, members, said):
    fake = FakeRunCommand(_reads(tb_home, lab_table()))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, tsc_members=members), fake)
    fake.assert_all_used()
    result = exc.value.result
    assert (result['commands'], result['reregistered']) == ([], False)
    assert result['differences'] == [['tsc_member', None if members is None else False, True]]
    assert said in result['msg'] and 'To re-register it by hand' in result['msg']
    assert OBSERVER_OUT.rstrip() in result['msg']


def _replace_steps(tb_home):
    del_db = _cmrctl(tb_home, 'del', 'db', '--name', 'tb_pri')
    add_db = _cmrctl(tb_home, 'add', 'db', '--name', 'tb_pri', '--svcname', 'tsc_pri', '--dbhome', HOME,
                     '--envfile', '/home/tibero/.bash_profile')
    del_svc = _cmrctl(tb_home, 'del', 'service', '--name', 'tsc_pri')
    return del_db, del_svc, add_db


DEL_DB_OUT = 'Resource del success! (db, tb_pri)\n'
# What `cmrctl show` lists after each step of a re-registration: del db, del service, add service, add db.
SEEN_AFTER = (lab_table(db=False), lab_table(service=False, db=False), lab_table(db=False),
              lab_table(db_status='DOWN'))


def _replace_run(tb_home, del_db_out=DEL_DB_OUT, del_svc_out=DEL_OUT, seen=SEEN_AFTER):
    """A re-registration: every step is read back (show, show all) before the next one runs; the run
    has as many steps as ``seen`` has tables (what the reads after them list)."""
    del_db, del_svc, add_db = _replace_steps(tb_home)
    steps = [Step(del_db, out=del_db_out), Step(del_svc, out=del_svc_out), Step(_add(tb_home), out=ADD_OUT),
             Step(add_db, out='Resource add success! (db, tb_pri)\n')]
    calls = _reads(tb_home, lab_table(db_status='DOWN'))
    for step, table in zip(steps, seen):
        calls += [step] + _show(tb_home, table)
    return calls


def test_replace_re_registers_service_and_db_of_a_stopped_instance(tb_home):
    del_db, del_svc, add_db = _replace_steps(tb_home)
    fake = FakeRunCommand(_replace_run(tb_home))
    result = run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/home/tibero/.bash_profile'),
                        fake, diff=True)
    fake.assert_all_used()
    assert result['commands'] == [del_db, del_svc, _add(tb_home), add_db]
    assert (result['changed'], result['reregistered']) == (True, True)
    assert result['service']['tsc'] == dict(NOT_LISTED, source='re-registered')


def test_a_del_is_judged_by_its_exit_code_and_the_state_read_again_not_by_text(tb_home):
    """No public sample shows what a successful `cmrctl del` prints (vendor-facts CMR-9)."""
    fake = FakeRunCommand(_replace_run(tb_home, del_db_out='', del_svc_out='some other words\n'))
    result = run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/home/tibero/.bash_profile'),
                        fake)
    fake.assert_all_used()
    assert (result['changed'], result['reregistered']) == (True, True)


def test_a_del_db_whose_effect_is_not_visible_stops_before_the_service_is_deleted(tb_home):
    """rc 0 but the db resource is still listed: the run stops with the raw output; nothing is retried."""
    del_db, del_svc, add_db = _replace_steps(tb_home)
    still = lab_table(db_status='DOWN')
    fake = FakeRunCommand(_replace_run(tb_home, seen=[still]))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/home/tibero/.bash_profile'), fake)
    fake.assert_all_used()
    result = exc.value.result
    assert result['msg'].startswith('db resource tb_pri is still listed after cmrctl del db, so nothing more was '
                                    'run (1 of 4 steps run; not run: "%s"' % ' '.join(del_svc))
    assert ' '.join(add_db) in result['msg'] and still.rstrip() in result['msg']
    assert (result['commands'], result['cmd'], result['rc']) == ([del_db], del_db, 0)
    assert result['stdout'] == DEL_DB_OUT and result['show'] == still + still
    assert result['changed'] is True and result['db_resources'] == [DB_DOWN]


def test_an_add_service_whose_effect_is_not_visible_stops_before_the_db_is_added(tb_home):
    del_db, del_svc, add_db = _replace_steps(tb_home)
    fake = FakeRunCommand(_replace_run(tb_home, seen=SEEN_AFTER[:2] + (lab_table(service=False, db=False),)))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/home/tibero/.bash_profile'), fake)
    fake.assert_all_used()
    result = exc.value.result
    assert result['msg'].startswith('service tsc_pri is not listed after cmrctl add service, so nothing more was '
                                    'run (3 of 4 steps run; not run: "%s")' % ' '.join(add_db))
    assert result['commands'] == [del_db, del_svc, _add(tb_home)]
    assert (result['cmd'], result['stdout']) == (_add(tb_home), ADD_OUT)
    assert result['service'] == ABSENT


def test_replace_in_check_mode_plans_the_four_commands(tb_home):
    fake = FakeRunCommand(_reads(tb_home, lab_table(db_status='DOWN')))
    result = run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/env'), fake, check_mode=True)
    assert [argv[1:3] for argv in result['commands']] == [['del', 'db'], ['del', 'service'], ['add', 'service'],
                                                          ['add', 'db']]
    assert result['reregistered'] is True


def test_replace_of_a_running_instance_fails_before_deleting(tb_home):
    fake = FakeRunCommand(_reads(tb_home, lab_table()))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/env'), fake)
    fake.assert_all_used()
    assert 'stop it first' in exc.value.result['msg'] and exc.value.result['commands'] == []


def test_an_earlier_re_registration_stops_the_run_instead_of_a_second_one(tb_home):
    fake = FakeRunCommand(_reads(tb_home, lab_table(db_status='DOWN')))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/env', reregistered_before=True),
                   fake)
    fake.assert_all_used()
    result = exc.value.result
    assert (result['commands'], result['differences']) == ([], [])
    assert 'already re-registered it' in result['msg'] and OBSERVER_OUT.rstrip() in result['msg']


def test_absent_deletes_a_service_without_db(tb_home):
    del_svc = _cmrctl(tb_home, 'del', 'service', '--name', 'tsc_pri')
    fake = FakeRunCommand([
        *_show(tb_home, lab_table(db=False)),
        Step(del_svc, out=DEL_OUT),
        *_show(tb_home, lab_table(service=False, db=False)),
    ])
    result = run_module(cmrctl_service.main, dict(name='tsc_pri', state='absent', tb_home=tb_home, cm_sid='cm_pri'),
                        fake)
    assert (result['changed'], result['commands'], result['service']) == (True, [del_svc], ABSENT)


def test_failed_add_reports_cmd_rc_stdout_stderr(tb_home):
    fake = FakeRunCommand([
        *_reads(tb_home, lab_table(service=False, db=False)),
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
        *_reads(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), out='something else\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    assert 'did not report "Resource add success!"' in exc.value.result['msg']


def test_add_not_confirmed_by_show_fails(tb_home):
    fake = FakeRunCommand([
        *_reads(tb_home, lab_table(service=False, db=False)),
        Step(_add(tb_home), out=ADD_OUT),
        *_show(tb_home, lab_table(service=False, db=False)),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home), fake)
    assert 'service tsc_pri is not listed after cmrctl add service' in exc.value.result['msg']
    assert exc.value.result['changed'] is True


def test_unknown_show_output_fails_loudly(tb_home):
    fake = FakeRunCommand(_show(tb_home, 'Failed to connect to the local CM\n'))
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


# --------------------------------------------------------------------------------------------------
# the re-registration marker (reregister_marker)


def test_re_registration_writes_its_marker(tb_home, tmp_path):
    marker = str(tmp_path / 'state' / 'tsc-reregistered-tsc_pri')
    fake = FakeRunCommand(_replace_run(tb_home))
    result = run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/home/tibero/.bash_profile',
                                                   reregister_marker=marker), fake)
    fake.assert_all_used()
    assert (result['reregistered'], result['reregister_marker']) == (True, 'written')
    with open(marker) as handle:
        assert 'tsc_pri re-registered with TSC 1' in handle.read()


def test_an_existing_marker_stops_a_second_re_registration(tb_home, tmp_path):
    marker = tmp_path / 'tsc-reregistered-tsc_pri'
    marker.write_text('earlier\n')
    fake = FakeRunCommand(_reads(tb_home, lab_table(db_status='DOWN')))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_service.main, _args(tb_home, replace=True, db_envfile='/env', reregister_marker=str(marker)),
                   fake)
    assert 'already re-registered it' in exc.value.result['msg'] and exc.value.result['commands'] == []
    assert marker.exists()


def test_the_marker_is_removed_once_the_cm_is_listed_and_kept_in_check_mode(tb_home, tmp_path):
    marker = tmp_path / 'tsc-reregistered-tsc_pri'
    marker.write_text('earlier\n')
    args = _args(tb_home, tsc_members=['cm_pri1', 'cm_sby1'], reregister_marker=str(marker))
    planned = run_module(cmrctl_service.main, args, FakeRunCommand(_reads(tb_home, lab_table())), check_mode=True)
    assert planned['changed'] is False and marker.exists()
    result = run_module(cmrctl_service.main, args, FakeRunCommand(_reads(tb_home, lab_table())))
    assert (result['changed'], result['commands'], result['reregister_marker']) == (True, [], 'removed')
    assert not marker.exists()
    again = run_module(cmrctl_service.main, args, FakeRunCommand(_reads(tb_home, lab_table())))
    assert again['changed'] is False and 'reregister_marker' not in again
