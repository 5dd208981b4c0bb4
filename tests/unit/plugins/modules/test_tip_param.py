# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tip_param against real files in a temporary directory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.modules import tip_param
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, read_fixture, run_module)

CM_TIP = read_fixture('cm_tibero1.tip')
CM_TIP_WITH_ID = CM_TIP.replace('CM_NAME=', 'CM_ID=0\nCM_NAME=', 1)


@pytest.fixture
def tb_home(tmp_path):
    config = tmp_path / 'tibero7' / 'config'
    config.mkdir(parents=True)
    (config / 'cm_tibero1.tip').write_bytes(CM_TIP.encode('utf-8'))
    return str(tmp_path / 'tibero7')


def tip_file(tb_home, sid='cm_tibero1'):
    return os.path.join(tb_home, 'config', '%s.tip' % sid)


def read(path):
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8')


CM_ID_ARGS = dict(sid='cm_tibero1', name='CM_ID', value=0, insert='top')


def test_adds_cm_id_at_the_top_then_is_idempotent(tb_home):
    args = dict(CM_ID_ARGS, tb_home=tb_home)
    first = run_module(tip_param.main, args, diff=True)
    assert read(tip_file(tb_home)) == CM_TIP_WITH_ID
    assert first['changed'] is True
    assert first['restart_required'] is True
    assert first['changes'] == [dict(action='added', key='CM_ID', before=None, after='0', line=7)]
    assert first['params'] == {'CM_ID': '0'}
    assert first['commands'] == []
    assert first['diff'] == dict(before=CM_TIP, after=CM_TIP_WITH_ID, before_header=tip_file(tb_home),
                                 after_header=tip_file(tb_home))
    assert 'backup_file' not in first

    second = run_module(tip_param.main, args)
    assert (second['changed'], second['restart_required'], second['changes']) == (False, False, [])
    assert second['params'] == {'CM_ID': '0'}


def test_tb_home_from_the_environment(tb_home, monkeypatch):
    monkeypatch.setenv('TB_HOME', tb_home)
    result = run_module(tip_param.main, CM_ID_ARGS)
    assert result['path'] == tip_file(tb_home)
    assert read(tip_file(tb_home)) == CM_TIP_WITH_ID


def test_check_mode_leaves_the_file_untouched(tb_home):
    before = os.stat(tip_file(tb_home))
    result = run_module(tip_param.main, dict(CM_ID_ARGS, tb_home=tb_home, backup=True), check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['diff']['after'] == CM_TIP_WITH_ID
    assert read(tip_file(tb_home)) == CM_TIP
    assert os.stat(tip_file(tb_home)).st_mtime_ns == before.st_mtime_ns
    assert os.listdir(os.path.dirname(tip_file(tb_home))) == ['cm_tibero1.tip']
    assert 'backup_file' not in result


def test_backup_holds_the_old_content(tb_home):
    result = run_module(tip_param.main, dict(CM_ID_ARGS, tb_home=tb_home, backup=True))
    assert read(result['backup_file']) == CM_TIP
    assert os.path.dirname(result['backup_file']) == os.path.dirname(tip_file(tb_home))
    again = run_module(tip_param.main, dict(CM_ID_ARGS, tb_home=tb_home, backup=True))
    assert 'backup_file' not in again


def test_mode_and_owner_are_preserved(tb_home):
    path = tip_file(tb_home)
    os.chmod(path, 0o640)
    before = os.stat(path)
    run_module(tip_param.main, dict(CM_ID_ARGS, tb_home=tb_home))
    after = os.stat(path)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced by rename, not rewritten in place


@pytest.mark.parametrize('before, args, after', [
    # CRLF file, no final newline, inline comment kept on a changed line.
    ('A=1\r\nCM_ID=0 # set by hand\r\nB=2', dict(name='CM_ID', value='1'), 'A=1\r\nCM_ID=1 # set by hand\r\nB=2'),
    ('A=1\r\nB=2', dict(name='C', value='3'), 'A=1\r\nB=2\r\nC=3'),
    # Quoted value compared without quotes; booleans as Y/N; sizes normalised.
    ('DB_NAME="tibero"\n', dict(name='DB_NAME', value='tibero'), None),
    ('FLAG=y\n', dict(name='FLAG', value=True), None),
    ('FLAG=Y\n', dict(name='FLAG', value=False), 'FLAG=N\n'),
    ('TOTAL_SHM_SIZE=1G\n', dict(name='TOTAL_SHM_SIZE', value='1024M'), None),
    ('TOTAL_SHM_SIZE=1G\n', dict(name='TOTAL_SHM_SIZE', value='2G'), 'TOTAL_SHM_SIZE=2G\n'),
    # Several parameters, in order; present ones changed in place.
    ('# h\nA=1\n', dict(params={'B': 2, 'A': 3}, insert='top'), '# h\nB=2\nA=3\n'),
    # Absent removes lines; absent of a missing key is a no-op.
    (CM_TIP_WITH_ID, dict(name='CM_ID', state='absent'), CM_TIP),
    (CM_TIP, dict(params={'CM_ID': None, 'NOPE': 1}, state='absent'), None),
])
def test_edits(tmp_path, before, args, after):
    path = tmp_path / 'x.tip'
    path.write_bytes(before.encode('utf-8'))
    result = run_module(tip_param.main, dict(args, path=str(path)))
    expected = before if after is None else after
    assert read(str(path)) == expected
    assert result['changed'] is (after is not None)
    assert result['restart_required'] is (after is not None)


def test_duplicate_key_fails_naming_key_and_lines(tmp_path):
    path = tmp_path / 'dup.tip'
    path.write_text(u'CM_ID=0\nCM_NAME=a\nCM_ID=1\n')
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tip_param.main, dict(path=str(path), name='CM_ID', value=0))
    assert exc.value.result['msg'] == ('%s: CM_ID is set 2 times (lines 1, 3); fix the file by hand: the module '
                                       'does not guess which line is read' % path)
    assert path.read_text() == u'CM_ID=0\nCM_NAME=a\nCM_ID=1\n'


def test_duplicate_of_an_untouched_key_is_a_warning(tmp_path, monkeypatch):
    path = tmp_path / 'dup.tip'
    path.write_text(u'X=0\nX=1\n')
    warnings = []
    monkeypatch.setattr(AnsibleModule, 'warn', lambda self, msg: warnings.append(msg))
    result = run_module(tip_param.main, dict(path=str(path), name='CM_ID', value=0))
    assert result['changed'] is True
    assert warnings == ['%s: X is set more than once (lines 1, 2); Tibero reads one of them' % path]


@pytest.mark.parametrize('content, args, message', [
    (None, dict(), 'does not exist (set create=true to create it)'),
    (b'\x00\x01binary', dict(), 'is not a text KEY=VALUE file (control byte 0x00 at offset 0)'),
    (b'A=1\n', dict(insert='middle'), 'insert must be top, bottom, after:<KEY> or before:<KEY>'),
    (b'A=1\n', dict(insert='after:NOPE'), 'insert=after:NOPE but NOPE is not set in the file'),
    (b'A=1\n', dict(value='a # b'), 'would not read back as written'),
    (b'A=1\n', dict(value=[1]), 'values must be strings, numbers or booleans'),
])
def test_clear_failures_and_file_untouched(tmp_path, content, args, message):
    path = tmp_path / 'x.tip'
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tip_param.main, dict(dict(path=str(path), name='CM_ID', value=0), **args))
    assert message in exc.value.result['msg']
    assert (path.read_bytes() if content is not None else None) == content
    assert os.listdir(str(tmp_path)) == (['x.tip'] if content is not None else [])


@pytest.mark.parametrize('args, message', [
    (dict(sid='cm_tibero1', name='CM_ID', value=0), 'sid needs tb_home'),
    (dict(path='/x.tip', name='CM_ID'), 'value is required with name when state=present'),
    (dict(path='/x.tip', params={}), 'params is empty'),
    (dict(path='/x.tip', params={'A': None}), 'no value given for A'),
    (dict(path='/x.tip', params={'A': 1, 'a': 2}), 'name the same parameter'),
])
def test_bad_arguments(args, message, monkeypatch):
    monkeypatch.delenv('TB_HOME', raising=False)
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tip_param.main, args)
    assert message in exc.value.result['msg']


def test_create_makes_a_new_file(tmp_path):
    path = tmp_path / 'new.tip'
    result = run_module(tip_param.main, dict(path=str(path), params={'CM_NAME': 'obs', 'CM_MODE_OBSERVER': True},
                                             create=True))
    assert path.read_text() == u'CM_NAME=obs\nCM_MODE_OBSERVER=Y\n'
    assert result['changed'] is True
    absent = run_module(tip_param.main, dict(path=str(tmp_path / 'other.tip'), name='X', state='absent',
                                             create=True))
    assert absent['changed'] is False
    assert not (tmp_path / 'other.tip').exists()


@pytest.mark.parametrize('sid', ['../../etc/cm_x', 'cm/x', '-cm', 'cm x'])
def test_a_sid_that_is_no_file_name_is_refused(tb_home, sid):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tip_param.main, dict(CM_ID_ARGS, tb_home=tb_home, sid=sid, create=True))
    assert exc.value.result['msg'].startswith('sid must be a CM or DB SID'), exc.value.result
    assert sorted(os.listdir(os.path.join(tb_home, 'config'))) == ['cm_tibero1.tip']


def test_a_restart_marker_that_cannot_be_written_fails_saying_the_tip_changed(tb_home, tmp_path, monkeypatch):
    marker = str(tmp_path / 'state' / 'tsc-restart-in-progress')
    args = dict(CM_ID_ARGS, tb_home=tb_home, restart_marker=marker, restart_marker_content='cm_tibero1 tibero1')

    def refuse(path, text):
        raise tip_param.KvFileError('cannot replace %s: No space left on device' % path)

    monkeypatch.setattr(tip_param, 'write_state_file', refuse)
    with pytest.raises(AnsibleFailJson) as err:
        run_module(tip_param.main, args)
    assert err.value.result['msg'] == ('the tip %s changed but its restart marker %s could not be written: cannot '
                                       'replace %s: No space left on device'
                                       % (os.path.join(tb_home, 'config', 'cm_tibero1.tip'), marker, marker))
    assert err.value.result['changed'] is True and not os.path.exists(marker)


def test_restart_marker_written_with_the_change_only(tb_home, tmp_path):
    marker = str(tmp_path / 'state' / 'tsc-restart-in-progress')
    args = dict(CM_ID_ARGS, tb_home=tb_home, restart_marker=marker, restart_marker_content='cm_tibero1 tibero1')
    planned = run_module(tip_param.main, args, check_mode=True)
    assert planned['restart_marker'] == marker and not os.path.exists(marker)
    first = run_module(tip_param.main, args)
    assert first['changed'] and first['restart_marker'] == marker
    assert read(marker) == 'cm_tibero1 tibero1\n'
    assert stat.S_IMODE(os.stat(os.path.dirname(marker)).st_mode) & 0o700 == 0o700
    os.remove(marker)
    second = run_module(tip_param.main, args)
    assert not second['changed'] and 'restart_marker' not in second and not os.path.exists(marker)
