# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""agent_restart_plan: the marker and the retry_cnt record read, the restart decided, the marker kept in one call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.tibero.cm.plugins.filter.cm_model import cm_model
from ansible_collections.tibero.cm.plugins.modules import agent_restart_plan
from ansible_collections.tibero.cm.tests.unit.plugins.filter.test_cm_model import seed_model
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

NODE1 = cm_model(seed_model())['by_host']['node1']
CFG_REASON = 'prs_agent_agent1.cfg changed: the agent reads it at start'


def _rows(status='UP', group='UP'):
    return [dict(node='cm_tibero1', cluster='cls_tibero', type='group', name='CM1', status=group, detail=''),
            dict(node='cm_tibero1', cluster='cls_tibero', type='agent', name='agent1', status=status, detail='')]


@pytest.fixture
def paths(tmp_path):
    state = tmp_path / 'state'
    return dict(marker=str(state / 'agent-restart-pending'), record=str(state / 'agent-agent1.retry_cnt'),
                state=str(state))


def _run(paths, check_mode=False, diff=False, **kwargs):
    args = dict(node=NODE1, resources=_rows(), marker=paths['marker'], record=paths['record'])
    args.update(kwargs)
    return run_module(agent_restart_plan.main, args, check_mode=check_mode, diff=diff)


def _write(path, text):
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'w') as handle:
        handle.write(text)


def _read(path):
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return handle.read()


def test_a_changed_cfg_restarts_the_agent_and_writes_the_marker_in_a_new_state_dir(paths):
    result = _run(paths, diff=True, cfg_changed=True)
    assert (result['restart'], result['replace'], result['start']) == (True, False, False)
    assert result['reasons'] == [CFG_REASON]
    assert result['changed'] is True and result['commands'] == []
    assert result['marker'] == dict(path=paths['marker'], pending=False, action='write')
    assert _read(paths['marker']) == CFG_REASON + '\n'
    assert stat.S_IMODE(os.stat(paths['marker']).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(paths['state']).st_mode) & 0o755 == 0o755
    assert result['diff']['before'] == '' and result['diff']['after'] == CFG_REASON + '\n'
    # the rerun after an interruption finds the marker: still a restart, the marker kept as it is
    again = _run(paths)
    assert again['restart'] is True and again['changed'] is False
    assert again['marker'] == dict(path=paths['marker'], pending=True, action=None)
    assert again['reasons'] == ['prs_agent_agent1.cfg changed by an interrupted run: the agent reads it at start']


def test_check_mode_decides_and_writes_nothing(paths):
    result = _run(paths, check_mode=True, diff=True, cfg_changed=True)
    assert result['restart'] is True and result['changed'] is True
    assert result['marker']['action'] == 'write'
    assert not os.path.exists(paths['state'])
    _write(paths['marker'], 'old\n')
    cleared = _run(paths, check_mode=True, diff=True, resources=_rows('DOWN'))
    assert cleared['marker']['action'] == 'remove' and cleared['changed'] is True
    assert cleared['diff']['before'] == 'old\n' and cleared['diff']['after'] == ''
    assert _read(paths['marker']) == 'old\n'


def test_a_marker_no_restart_needs_is_cleared(paths):
    _write(paths['marker'], CFG_REASON + '\n')
    # the node's CM restarts anyway (tbcm -d runs DOWN for the agent): no restart of its own
    result = _run(paths, cm_restart=True)
    assert result['restart'] is False and result['changed'] is True
    assert result['marker']['action'] == 'remove' and not os.path.exists(paths['marker'])


def test_a_recorded_other_retry_cnt_is_registered_again(paths):
    _write(paths['record'], '5\n')
    result = _run(paths)
    assert (result['restart'], result['replace']) == (True, True)
    assert result['reasons'] == ['retry_cnt 5 -> 3: deregister and register again']
    assert _read(paths['marker']) == 'retry_cnt 5 -> 3: deregister and register again\n'


def test_a_given_up_agent_in_its_running_group_starts(paths):
    result = _run(paths, resources=_rows('DOWN'), cfg_changed=True)
    assert (result['restart'], result['start'], result['changed']) == (False, True, False)
    assert (result['registered'], result['running']) == (True, False)


def test_nothing_changed_nothing_written(paths):
    result = _run(paths, diff=True)
    assert (result['restart'], result['start'], result['changed']) == (False, False, False)
    assert result['marker']['action'] is None and not os.path.exists(paths['state'])
    assert result['diff']['before'] == result['diff']['after'] == ''


def test_a_marker_that_cannot_be_written_fails_with_the_decision(paths, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(13, 'Permission denied')

    monkeypatch.setattr(agent_restart_plan, 'write_state_file', refuse)
    with pytest.raises(AnsibleFailJson) as exc:
        _run(paths, cfg_changed=True)
    assert exc.value.result['msg'].startswith('cannot write the agent restart marker %s' % paths['marker'])
    assert exc.value.result['restart'] is True and exc.value.result['commands'] == []


@pytest.mark.parametrize('marker', [None, 'prs_agent_agent1.cfg changed\n'])
@pytest.mark.parametrize('record', [None, '3\n', '5\n', 'garbage'])
@pytest.mark.parametrize('status, group', [('UP', 'UP'), ('DOWN', 'UP'), ('DOWN', 'DOWN'), (None, 'UP')])
@pytest.mark.parametrize('cfg_changed, cm_restart', [(False, False), (True, False), (True, True)])
def test_the_preflight_reading_decides_as_the_module_does(paths, marker, record, status, group, cfg_changed,
                                                          cm_restart):
    """roles/cm_resources skips this module when tibero.cm.agent_restart_read, on tibero_node_info's reading of the
    same two files, says the marker stays as it is: its decision must then be the module's, in every case."""
    from ansible_collections.tibero.cm.plugins.filter.day2 import agent_restart_read, agent_state_paths
    assert agent_state_paths(NODE1, paths['state']) == dict(marker=paths['marker'], record=paths['record'])
    os.makedirs(paths['state'])
    for path, text in ((paths['marker'], marker), (paths['record'], record)):
        if text is not None:
            with open(path, 'w') as handle:
                handle.write(text)
    rows = [r for r in _rows(status or 'UP', group) if status or r['type'] != 'agent']
    reading = dict(resources=rows, state_files={paths['marker']: marker, paths['record']: record})
    read = agent_restart_read(reading, NODE1, paths['state'], cfg_changed, cm_restart)
    result = _run(paths, check_mode=True, resources=rows, cfg_changed=cfg_changed, cm_restart=cm_restart)
    assert read['known'] is True
    for key in ('registered', 'running', 'restart', 'replace', 'start', 'reasons'):
        assert read[key] == result[key], key
    assert read['marker_action'] == result['marker']['action']
    # Without the files in the reading (another playbook's node_info), the module has to run.
    assert agent_restart_read(dict(resources=rows), NODE1, paths['state'], cfg_changed, cm_restart)['known'] is False


def test_a_marker_that_is_not_utf8_is_read_and_one_too_big_fails_naming_it(paths):
    # The same reader as tibero_node_info's state_files (kvfile.read_state_file): never a UnicodeDecodeError.
    _write(paths['marker'], '')
    with open(paths['marker'], 'wb') as handle:
        handle.write(b'\xff\xfe pending\n')
    result = _run(paths)
    assert result['marker']['pending'] is True
    with open(paths['record'], 'w') as handle:
        handle.write('x' * 65537)
    with pytest.raises(AnsibleFailJson) as exc:
        _run(paths)
    assert 'is over 65536 bytes' in exc.value.result['msg'] and paths['record'] in exc.value.result['msg']
