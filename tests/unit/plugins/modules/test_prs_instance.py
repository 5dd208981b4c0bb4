# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_instance / prs_instance_info: exact installer argv, refusals before any command, the marker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi
from ansible_collections.tibero.cm.plugins.modules import prs_instance, prs_instance_info
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, run_module)

CFG = 'INSTANCE_ID=TAC2TAC\nPRS_USER=TAC2TAC\nPRS_PWD=PrsSecret1\nSRC_INSTALL_PWD=SrcSecret2\nTAR_INSTALL_PWD=TarSecret3\n'
LISTED = 'INSTANCE_CNT=1\nINSTANCE_ID_0=TAC2TAC\n'


@pytest.fixture
def prs_home(tmp_path):
    home = tmp_path / 'example'
    for sub in ('install', 'config', 'var'):
        (home / sub).mkdir(parents=True)
    (home / 'install' / 'prs_install.cfg').write_text(CFG)
    return str(home)


def _map(prs_home):
    return os.path.join(prs_home, 'config', 'prs_instance.map')


def _marker(prs_home):
    return os.path.join(prs_home, 'var', 'tibero_cm_prs_install_started_TAC2TAC')


def _args(prs_home, **extra):
    args = dict(prs_home=prs_home, tb_home='/opt/tibero7', instance_id='TAC2TAC', host='node1', timeout=600)
    args.update(extra)
    return args


def _installer_step(prs_home, effect=None, rc=0, out='ProSync is installed successfully', err=''):
    def record():  # what the command does on a site: the marker, then the installer records the instance
        with open(_marker(prs_home), 'w') as handle:
            handle.write('stamp\n')
        with open(_map(prs_home), 'a') as handle:
            handle.write(LISTED)
    argv = ['/bin/bash', '-c', 'printf "%s\\n" "$TCM_STAMP" > "$TCM_MARKER" && cd "$PRS_HOME/install" '
            '&& . ./prs_install.sh < /dev/null', 'prs_install']
    return Step(argv, rc=rc, out=out, err=err, effect=effect or record)


def test_fresh_site_runs_the_installer_once_with_its_environment(prs_home):
    fake = FakeRunCommand([_installer_step(prs_home)])
    result = run_module(prs_instance.main, _args(prs_home), fake, diff=True)
    fake.assert_all_used()
    assert result['changed'] and result['ran_installer'] and result['installed']
    assert result['commands'] == [fake.calls[0].argv]
    call = fake.calls[0]
    assert call.timeout == 600
    assert call.env['PRS_HOME'] == prs_home and call.env['TB_HOME'] == '/opt/tibero7' and call.env['LC_ALL'] == 'C'
    assert call.env['TCM_MARKER'] == _marker(prs_home)
    assert call.env['TCM_STAMP'].endswith(' node1')
    assert not os.path.exists(_marker(prs_home))  # cleared once the map lists the instance
    assert result['diff'] == dict(before=dict(installed=False, marker=False), after=dict(installed=True, marker=False))


def test_installed_instance_runs_nothing(prs_home):
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    result = run_module(prs_instance.main, _args(prs_home, recorded_on=['node2']))
    assert result['changed'] is False and result['commands'] == [] and result['installed']


def test_a_finished_install_s_marker_is_cleared(prs_home):
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    with open(_marker(prs_home), 'w') as handle:
        handle.write('old\n')
    planned = run_module(prs_instance.main, _args(prs_home), check_mode=True)
    assert planned['changed'] and planned['marker_cleared'] and os.path.exists(_marker(prs_home))
    result = run_module(prs_instance.main, _args(prs_home))
    assert result['changed'] and result['marker_cleared'] and not result['ran_installer']
    assert not os.path.exists(_marker(prs_home))


def test_check_mode_plans_the_installer_and_writes_nothing(prs_home):
    result = run_module(prs_instance.main, _args(prs_home), check_mode=True)
    assert result['changed'] and result['ran_installer']
    assert result['commands'][0][:2] == ['/bin/bash', '-c']
    assert not os.path.exists(_marker(prs_home)) and not os.path.exists(_map(prs_home))


@pytest.mark.parametrize('setup, recorded_on, expected', [
    ('moved', ['node2'], 'recorded as installed on node2'),
    ('unfinished', [], 'was started by an earlier run'),
    ('unreadable', [], 'exists but cannot be read'),
])
def test_refusals_run_no_command_also_in_check_mode(prs_home, setup, recorded_on, expected):
    if setup == 'unfinished':
        with open(_marker(prs_home), 'w') as handle:
            handle.write('stamp\n')
    if setup == 'unreadable':
        os.mkdir(_map(prs_home))
    for check_mode in (True, False):
        with pytest.raises(AnsibleFailJson) as err:
            run_module(prs_instance.main, _args(prs_home, recorded_on=recorded_on), check_mode=check_mode)
        assert expected in err.value.result['msg'] and err.value.result['commands'] == []


def test_a_failed_installer_keeps_its_marker_and_hides_the_passwords(prs_home):
    step = _installer_step(prs_home, rc=1, out='connect sys/SrcSecret2@tibero failed',
                           effect=lambda: open(_marker(prs_home), 'w').write('stamp\n'))
    fake = FakeRunCommand([step])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home), fake)
    assert err.value.result['rc'] == 1 and err.value.result['changed'] is True
    assert os.path.exists(_marker(prs_home))
    assert err.value.result['stdout'] == 'connect sys/********@tibero failed'
    assert 'SrcSecret2' not in str(err.value.result)


def test_a_refusal_names_an_instance_id_that_equals_a_password(prs_home):
    """The guide's own example uses TAC2TAC as instance id, user and password: refusals stay readable."""
    with open(os.path.join(prs_home, 'install', 'prs_install.cfg'), 'w') as handle:
        handle.write('INSTANCE_ID=TAC2TAC\nPRS_USER=TAC2TAC\nPRS_PWD=TAC2TAC\n')
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home, recorded_on=['node2']))
    assert "node1: instance TAC2TAC is not in this host's" in err.value.result['msg']


def test_an_installer_that_does_not_record_the_instance_fails(prs_home):
    fake = FakeRunCommand([_installer_step(prs_home, effect=lambda: open(_marker(prs_home), 'w').close())])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home), fake)
    assert 'does not list TAC2TAC' in err.value.result['msg']


def test_an_instance_id_that_is_not_a_name_fails_before_anything(prs_home):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home, instance_id='../x'))
    assert 'instance_id must be a ProSync instance id' in err.value.result['msg']


def test_info_reads_the_map_and_the_marker(prs_home):
    result = run_module(prs_instance_info.main, dict(prs_home=prs_home, instance_id='TAC2TAC'))
    assert result['changed'] is False and result['listed'] is False and result['marker'] is False
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    open(_marker(prs_home), 'w').close()
    result = run_module(prs_instance_info.main, dict(prs_home=prs_home, instance_id='TAC2TAC'), check_mode=True)
    assert result['listed'] is True and result['marker'] is True and result['map']['readable'] is True


# Issue 17, rebuild a node: the install record on every agent host, and the agent-list guard.
LISTS = dict(delimiter=',', ext=['agent1,agent2', 'agent2,agent1'], apply='agent3,agent4', llob='agent1,agent2')


def _record(prs_home):
    return os.path.join(prs_home, 'var', 'tibero_cm_prs_installed_TAC2TAC')


def test_record_only_writes_the_record_once_and_plans_it_in_check_mode(prs_home):
    args = _args(prs_home, record_only=True, install_host='node1', lists=LISTS)
    planned = run_module(prs_instance.main, args, check_mode=True, diff=True)
    assert planned['changed'] and not os.path.exists(_record(prs_home))
    assert 'APPLY_AGENT_ID_LIST=agent3,agent4' in planned['diff']['after'] and planned['diff']['before'] == ''
    written = run_module(prs_instance.main, args)
    assert written['changed'] and written['commands'] == []
    text = open(_record(prs_home)).read()
    assert 'INSTALL_HOST=node1' in text and 'EXT_AGENT_ID_LIST_1=agent2,agent1' in text and 'PWD' not in text
    assert run_module(prs_instance.main, args)['changed'] is False


def test_record_only_that_cannot_replace_the_record_fails_naming_it_and_leaves_no_temporary_file(prs_home):
    args = _args(prs_home, record_only=True, install_host='node1', lists=LISTS)
    with mock.patch('os.rename', side_effect=OSError(28, 'No space left on device')):
        with pytest.raises(AnsibleFailJson) as err:
            run_module(prs_instance.main, args)
    assert err.value.result['msg'] == 'cannot replace %s: No space left on device' % _record(prs_home)
    assert os.listdir(os.path.dirname(_record(prs_home))) == []
    written = run_module(prs_instance.main, args)  # the next run writes it
    assert written['changed'] and oct(os.stat(_record(prs_home)).st_mode & 0o777) == oct(0o644)


def test_record_only_needs_install_host_and_lists(prs_home):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home, record_only=True))
    assert 'record_only needs install_host and lists' in err.value.result['msg']


def test_a_rebuilt_install_host_installs_nothing_when_another_host_holds_the_record(prs_home):
    # The warning as the module gives it (ansible-core releases differ in where warn() ends up).
    warned = []
    with mock.patch.object(basic.AnsibleModule, 'warn', lambda self, message: warned.append(message)):
        result = run_module(prs_instance.main, _args(prs_home, recorded_by=['node2', 'node3']))
    assert result['installed'] and not result['ran_installer'] and result['commands'] == []
    assert any('install record on node2, node3' in w and 'not run again' in w for w in warned), warned


def test_info_reads_the_record_and_refuses_changed_lists(prs_home):
    run_module(prs_instance.main, _args(prs_home, record_only=True, install_host='node1', lists=LISTS))
    info = dict(prs_home=prs_home, instance_id='TAC2TAC', host='node3')
    result = run_module(prs_instance_info.main, dict(info, expected_lists=LISTS))
    assert result['recorded'] and result['record']['lists']['apply'] == ['agent3', 'agent4']
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance_info.main, dict(info, expected_lists=dict(LISTS, apply='agent3')), check_mode=True)
    msg = err.value.result['msg']
    assert msg.startswith('node3: the model changes the agent lists of the installed ProSync instance TAC2TAC')
    assert 'APPLY_AGENT_ID_LIST: installed agent3,agent4, model agent3' in msg
    assert 'nothing was changed' in msg and 'tibero_cm_instance_force_reinstall' in msg and 'section 4' in msg


# cfg_content: prs_install.cfg written by the module itself (0600 from creation), then the same decision.

NEW_CFG = CFG.replace('PrsSecret1', 'PrsSecret9')


def _cfg(prs_home):
    return os.path.join(prs_home, 'install', 'prs_install.cfg')


def _mode(path):
    return os.stat(path).st_mode & 0o777


def test_cfg_content_is_written_0600_before_the_install(prs_home):
    os.remove(_cfg(prs_home))
    seen = {}

    def record():  # the installer reads the cfg the module wrote
        with open(_cfg(prs_home)) as handle:
            seen['cfg'] = (handle.read(), _mode(_cfg(prs_home)))
        with open(_marker(prs_home), 'w') as handle:
            handle.write('stamp\n')
        with open(_map(prs_home), 'a') as handle:
            handle.write(LISTED)
    fake = FakeRunCommand([_installer_step(prs_home, effect=record)])
    result = run_module(prs_instance.main, _args(prs_home, cfg_content=NEW_CFG), fake, diff=True)
    fake.assert_all_used()
    assert seen['cfg'] == (NEW_CFG, 0o600)
    assert result['changed'] and result['cfg_changed'] and result['ran_installer']
    # No cfg diff unless asked for: the passwords stay out of the result.
    assert result['diff'] == dict(before=dict(installed=False, marker=False), after=dict(installed=True, marker=False))
    assert 'PrsSecret9' not in repr(result)
    # Nothing but the cfg in install/: the temporary file was renamed.
    assert os.listdir(os.path.join(prs_home, 'install')) == ['prs_install.cfg']


def test_cfg_content_of_an_installed_instance_changes_the_file_only(prs_home):
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    os.chmod(_cfg(prs_home), 0o644)
    result = run_module(prs_instance.main, _args(prs_home, cfg_content=NEW_CFG))
    assert result['changed'] and result['cfg_changed'] and not result['ran_installer'] and result['commands'] == []
    with open(_cfg(prs_home)) as handle:
        assert handle.read() == NEW_CFG
    assert _mode(_cfg(prs_home)) == 0o600


def test_the_same_cfg_content_with_the_right_mode_is_no_change(prs_home):
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    os.chmod(_cfg(prs_home), 0o600)
    result = run_module(prs_instance.main, _args(prs_home, cfg_content=CFG), diff=True)
    assert result['changed'] is False and result['cfg_changed'] is False


def test_a_wider_mode_alone_is_corrected(prs_home):
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    os.chmod(_cfg(prs_home), 0o664)
    result = run_module(prs_instance.main, _args(prs_home, cfg_content=CFG))
    assert result['changed'] and result['cfg_changed'] and _mode(_cfg(prs_home)) == 0o600


def test_check_mode_writes_no_cfg_and_plans_the_install(prs_home):
    result = run_module(prs_instance.main, _args(prs_home, cfg_content=NEW_CFG), check_mode=True)
    assert result['changed'] and result['cfg_changed'] and result['commands'] and not os.path.exists(_marker(prs_home))
    with open(_cfg(prs_home)) as handle:
        assert handle.read() == CFG


def test_cfg_diff_is_a_prepared_unified_diff_only_when_asked(prs_home):
    with open(_map(prs_home), 'w') as handle:
        handle.write(LISTED)
    result = run_module(prs_instance.main, _args(prs_home, cfg_content=NEW_CFG, cfg_diff=True), diff=True)
    state, cfg = result['diff']
    assert state == dict(before=dict(installed=True, marker=False), after=dict(installed=True, marker=False))
    assert '-PRS_PWD=PrsSecret1\n' in cfg['prepared'] and '+PRS_PWD=PrsSecret9\n' in cfg['prepared']


def test_a_refusal_still_writes_the_cfg_and_names_no_password(prs_home):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home, cfg_content=NEW_CFG, recorded_on=['node2']))
    result = err.value.result
    assert 'recorded as installed on node2' in result['msg'] and result['commands'] == []
    assert 'PrsSecret' not in repr(result)
    with open(_cfg(prs_home)) as handle:
        assert handle.read() == NEW_CFG


def test_a_failed_install_masks_the_passwords_of_the_cfg_content(prs_home):
    os.remove(_cfg(prs_home))
    fake = FakeRunCommand([_installer_step(prs_home, rc=1, out='connect TAC2TAC/PrsSecret9 failed',
                                           effect=lambda: None)])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home, cfg_content=NEW_CFG), fake)
    assert err.value.result['stdout'] == 'connect TAC2TAC/******** failed'


def test_cfg_content_is_no_log_and_not_with_record_only(prs_home):
    with mock.patch.object(prs_instance, 'AnsibleModule', side_effect=StopIteration) as module_class:
        with pytest.raises(StopIteration):
            prs_instance.main()
    assert module_class.call_args.kwargs['argument_spec']['cfg_content']['no_log'] is True
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_instance.main, _args(prs_home, record_only=True, install_host='node1',
                                            lists=dict(ext=['agent1'], apply='agent3', llob='agent3'), cfg_content=CFG))
    assert 'cfg_content' in err.value.result['msg']


def test_record_current_says_exactly_when_record_only_would_write_nothing(prs_home):
    """roles/prosync_instance skips record_only on a host whose reading shows the record current: that must
    be true exactly when the module would not change the file."""
    args = _args(prs_home, record_only=True, install_host='node1', lists=LISTS)
    info = dict(prs_home=prs_home, instance_id='TAC2TAC', host='node3')
    before = run_module(prs_instance_info.main, info)
    assert before['record']['digest'] is None
    assert not pi.record_current(before, 'TAC2TAC', 'node1', LISTS)
    run_module(prs_instance.main, args)
    reading = run_module(prs_instance_info.main, info)
    assert 'text' not in reading['record'] and len(reading['record']['digest']) == 64
    assert pi.record_current(reading, 'TAC2TAC', 'node1', LISTS)
    assert run_module(prs_instance.main, args)['changed'] is False
    for other in (dict(install_host='node2'), dict(lists=dict(LISTS, apply='agent4,agent3'))):
        assert not pi.record_current(reading, 'TAC2TAC', other.get('install_host', 'node1'), other.get('lists', LISTS))
        assert run_module(prs_instance.main, dict(args, **other), check_mode=True)['changed'] is True
    # The same values in another text (a comment added by hand): not current, and record_only rewrites it.
    with open(_record(prs_home), 'a') as handle:
        handle.write('# edited\n')
    edited = run_module(prs_instance_info.main, info)
    assert edited['record']['valid'] and not pi.record_current(edited, 'TAC2TAC', 'node1', LISTS)
    assert run_module(prs_instance.main, args)['changed'] is True
    assert not pi.record_current(None, 'TAC2TAC', 'node1', LISTS)
