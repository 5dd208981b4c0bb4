# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CM resource-name rule every cmrctl module applies before running anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pwd

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc


@pytest.mark.parametrize('value', ['CM1', 'agent1', 'cls_tibero', 'cls-tibero', 'prs.grp', '0', 'a' * 64])
def test_resource_names_the_seed_and_real_sites_use_pass(value):
    assert tc.resource_name_problem(dict(name=value), 'name') is None


@pytest.mark.parametrize('value', [
    '',                 # cmrctl would get --name with an empty value
    '--force',          # a leading dash reads as an option of cmrctl
    '-x',
    'CM 1',             # blank
    'CM1;touch /tmp/x',  # shell characters never reach a shell, but they are no resource name
    '$(id)',
    'CM1\n',
    'a' * 65,           # oversized
    'agent\u00e9',
])
def test_other_values_are_named_with_the_rule(value):
    problem = tc.resource_name_problem(dict(grpname='CM1', name=value), 'grpname', 'name')
    assert problem.startswith('name must be a CM resource name (letters, digits, _ . -, not starting with -')
    assert repr(value[:80]) in problem


def test_unset_keys_are_not_checked_and_the_first_bad_key_is_named():
    assert tc.resource_name_problem(dict(name='CM1', pubnet=None), 'name', 'pubnet') is None
    problem = tc.resource_name_problem(dict(name='-a', cname='b c'), 'cname', 'name')
    assert problem.startswith('cname must be a CM resource name')


HOME = '/opt/tibero7'
ACCOUNT = pwd.struct_passwd(('tibero', 'x', 1001, 1001, '', '/home/tibero', '/bin/ksh'))


def test_tibero_env_sets_cm_home_beside_cm_sid_and_the_tibero_dirs_first():
    env = tc.tibero_env(dict(tb_home=HOME, cm_sid='cm1', tb_sid='tb1'),
                        dict(PATH='/usr/bin:/opt/tibero7/bin', LD_LIBRARY_PATH='/usr/lib'))
    assert env == dict(TB_HOME=HOME, CM_HOME=HOME, CM_SID='cm1', TB_SID='tb1',
                       PATH='/opt/tibero7/bin:/opt/tibero7/client/bin:/usr/bin',
                       LD_LIBRARY_PATH='/opt/tibero7/lib:/opt/tibero7/client/lib:/usr/lib')


def test_tibero_env_without_a_home_sets_only_the_sids():
    assert tc.tibero_env(dict(tb_home=None, cm_sid='cm1'), {}) == dict(CM_SID='cm1')


def test_login_env_is_what_a_login_profile_sets_and_nothing_of_the_task_process():
    environ = dict(PATH='/usr/bin:/bin', LANG='ko_KR.UTF-8', LC_ALL='C', SUDO_USER='ansible', PYTHONPATH='/x')
    env = tc.login_env(dict(tb_home=HOME, cm_sid='cm1', tb_sid='tb1'), ACCOUNT, environ)
    assert env == dict(HOME='/home/tibero', USER='tibero', LOGNAME='tibero', SHELL='/bin/ksh', LANG='ko_KR.UTF-8',
                       TB_HOME=HOME, CM_HOME=HOME, CM_SID='cm1', TB_SID='tb1',
                       PATH='/opt/tibero7/bin:/opt/tibero7/client/bin:/usr/bin:/bin',
                       LD_LIBRARY_PATH='/opt/tibero7/lib:/opt/tibero7/client/lib')


def test_login_env_takes_the_sites_variables_last_and_has_a_path_without_one():
    env = tc.login_env(dict(tb_home=None, cm_sid='cm1'), ACCOUNT, {}, extra=dict(LC_ALL='ko_KR.UTF-8', PORT=8629))
    assert (env['PATH'], env['LC_ALL'], env['PORT'], 'LANG' in env) == (tc.DEFAULT_PATH, 'ko_KR.UTF-8', '8629', False)


@pytest.mark.parametrize('extra, problem', [
    ({}, None), (None, None), ({'TB_NLS_LANG': 'UTF8', '_X1': ''}, None),
    ({'A': '1', '1A': '2'}, "daemon_env: '1A' is not an environment variable name (letters, digits, _)"),
    ({'A=B': '1'}, "daemon_env: 'A=B' is not an environment variable name (letters, digits, _)"),
])
def test_env_problem(extra, problem):
    assert tc.env_problem(extra) == problem


def test_env_argv_runs_the_command_with_exactly_the_sorted_environment():
    assert tc.env_argv('/usr/bin/env', dict(TB_HOME=HOME, A='x y'), ['/opt/tibero7/bin/tbcm', '-b']) == [
        '/usr/bin/env', '-i', 'A=x y', 'TB_HOME=/opt/tibero7', '/opt/tibero7/bin/tbcm', '-b']
