# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""controller_file: a report written on the controller, atomically, by the worker itself.

The tests call the action plugin's run() as the TaskExecutor does, with a task for a remote host (become on)
and a connection that fails the test on any use: whatever is written, is written by this process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.tibero.cm.plugins.action import controller_file
from ansible_collections.tibero.cm.plugins.action.controller_file import ActionModule


class Shell(object):
    tmpdir = None


class UnusableConnection(object):
    """The connection of a remote host: the plugin may look at ``_shell.tmpdir`` (ActionBase.run does), any
    other use - exec_command, put_file, _connect, become - fails the test."""

    transport = 'ssh'

    def __init__(self):
        self._shell = Shell()

    def __getattr__(self, name):
        raise AssertionError('controller_file used the connection: %s' % name)


class Task(object):
    """The attributes of a Task that ActionBase.run and the plugin read."""

    action = 'tibero.cm.controller_file'
    async_val = 0
    become = True
    become_user = 'tibero'
    delegate_to = None

    def __init__(self, args, check_mode=False, diff=False):
        self.args = args
        self.check_mode = check_mode
        self.diff = diff


class PlayContext(object):
    remote_addr = 'node1.example'
    become = True
    become_method = 'sudo'


class Loader(object):
    """The DataLoader's basedir: the playbook's directory."""

    def __init__(self, basedir):
        self.basedir = basedir

    def get_basedir(self):
        return self.basedir


def run(args, check_mode=False, diff=False, basedir='/nonexistent/playbooks'):
    plugin = ActionModule(Task(dict(args), check_mode, diff), UnusableConnection(), PlayContext(),
                          loader=Loader(basedir), templar=None, shared_loader_obj=None)
    return plugin.run(task_vars=dict(inventory_hostname='node1', ansible_host='node1.example'))


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def leftovers(directory):
    """Temporary files of kvfile.replace_file left in ``directory``."""
    return [name for name in os.listdir(str(directory)) if name.endswith('.tmp')]


def test_a_task_of_a_remote_host_writes_a_new_file_here(tmp_path):
    dest = tmp_path / 'report.json'
    result = run(dict(dest=str(dest), content='{"ok": true}\n'))
    assert result['changed'] is True
    assert result['dest'] == str(dest) and result['mode'] == '0644'
    assert 'backup_file' not in result and 'diff' not in result and not result.get('failed')
    assert dest.read_text() == '{"ok": true}\n'
    assert mode_of(dest) == 0o644
    assert leftovers(tmp_path) == []


def test_the_same_content_and_mode_is_not_a_change_and_the_file_is_not_touched(tmp_path):
    dest = tmp_path / 'report.json'
    dest.write_text('{"ok": true}\n')
    os.chmod(str(dest), 0o644)
    os.utime(str(dest), (1000000000, 1000000000))
    inode = os.stat(str(dest)).st_ino
    result = run(dict(dest=str(dest), content='{"ok": true}\n', mode='0644'))
    assert result['changed'] is False
    assert os.stat(str(dest)).st_mtime == 1000000000
    assert os.stat(str(dest)).st_ino == inode


def test_new_content_replaces_the_file_whole(tmp_path):
    dest = tmp_path / 'report.json'
    dest.write_text('{"ok": false, "problems": ["a long list that is longer than the new text"]}\n')
    result = run(dict(dest=str(dest), content='{"ok": true}\n'))
    assert result['changed'] is True
    assert dest.read_text() == '{"ok": true}\n'
    assert leftovers(tmp_path) == []


def test_a_mode_change_alone_is_a_change_and_keeps_the_content(tmp_path):
    dest = tmp_path / 'report.json'
    dest.write_text('same\n')
    os.chmod(str(dest), 0o600)
    inode = os.stat(str(dest)).st_ino
    result = run(dict(dest=str(dest), content='same\n', mode='0644', backup=True), diff=True)
    assert result['changed'] is True
    assert mode_of(dest) == 0o644
    assert dest.read_text() == 'same\n'
    # Only the mode changed: no rewrite, no backup, a diff of the mode alone.
    assert os.stat(str(dest)).st_ino == inode
    assert 'backup_file' not in result
    assert result['diff'] == [dict(before=dict(mode='0600'), after=dict(mode='0644'),
                                   before_header=str(dest), after_header=str(dest))]


@pytest.mark.parametrize('mode, expected', [('0600', 0o600), ('640', 0o640), (0o600, 0o600)])
def test_the_mode_is_given_to_the_new_file(tmp_path, mode, expected):
    dest = tmp_path / 'report.json'
    result = run(dict(dest=str(dest), content='x\n', mode=mode))
    assert result['changed'] is True and result['mode'] == '%04o' % expected
    assert mode_of(dest) == expected


def test_check_mode_writes_nothing_and_says_what_would_change(tmp_path):
    new = tmp_path / 'new.json'
    old = tmp_path / 'old.json'
    old.write_text('old\n')
    os.chmod(str(old), 0o644)
    os.utime(str(old), (1000000000, 1000000000))
    result = run(dict(dest=str(new), content='new\n'), check_mode=True)
    assert result['changed'] is True
    assert not new.exists()
    result = run(dict(dest=str(old), content='new\n', mode='0600', backup=True), check_mode=True)
    assert result['changed'] is True and 'backup_file' not in result
    assert old.read_text() == 'old\n' and mode_of(old) == 0o644
    assert os.stat(str(old)).st_mtime == 1000000000
    assert sorted(os.listdir(str(tmp_path))) == ['old.json']
    assert run(dict(dest=str(old), content='old\n'), check_mode=True)['changed'] is False


@pytest.mark.parametrize('check_mode', [False, True])
def test_diff_shows_the_text_before_and_after(tmp_path, check_mode):
    dest = tmp_path / 'report.json'
    dest.write_text('{"ok": false}\n')
    os.chmod(str(dest), 0o644)
    result = run(dict(dest=str(dest), content='{"ok": true}\n'), check_mode=check_mode, diff=True)
    assert result['diff'] == [dict(before='{"ok": false}\n', after='{"ok": true}\n',
                                   before_header=str(dest), after_header=str(dest))]
    absent = tmp_path / 'absent.json'
    result = run(dict(dest=str(absent), content='new\n'), check_mode=check_mode, diff=True)
    assert result['diff'] == [dict(before='', after='new\n', before_header=str(absent), after_header=str(absent))]
    assert absent.exists() is not check_mode


def test_no_diff_when_nothing_changes(tmp_path):
    dest = tmp_path / 'report.json'
    dest.write_text('same\n')
    os.chmod(str(dest), 0o644)
    result = run(dict(dest=str(dest), content='same\n'), diff=True)
    assert result['changed'] is False and result['diff'] == []


def test_backup_keeps_the_previous_file_under_ansibles_backup_name(tmp_path):
    dest = tmp_path / 'report.json'
    dest.write_text('previous\n')
    os.chmod(str(dest), 0o600)
    result = run(dict(dest=str(dest), content='next\n', backup=True))
    assert result['changed'] is True
    backup = result['backup_file']
    # AnsibleModule.backup_local's name: <file>.<pid>.<YYYY-MM-DD@HH:MM:SS~>
    assert re.match(r'^%s\.%d\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~\Z' % (re.escape(str(dest)), os.getpid()), backup)
    with open(backup) as handle:
        assert handle.read() == 'previous\n'
    assert mode_of(backup) == 0o600
    assert dest.read_text() == 'next\n'
    # No backup of a file that did not exist, nor when nothing changes.
    new = tmp_path / 'new.json'
    assert 'backup_file' not in run(dict(dest=str(new), content='x\n', backup=True))
    assert 'backup_file' not in run(dict(dest=str(new), content='x\n', backup=True))
    assert sorted(os.listdir(str(tmp_path))) == sorted(['report.json', os.path.basename(backup), 'new.json'])


def test_a_missing_directory_fails_clearly_and_creates_nothing(tmp_path):
    dest = tmp_path / 'reports' / 'report.json'
    with pytest.raises(AnsibleActionFail) as failure:
        run(dict(dest=str(dest), content='x\n'))
    message = str(failure.value)
    assert 'the directory %s does not exist on the controller' % (tmp_path / 'reports') in message
    assert 'creates no directory' in message
    assert os.listdir(str(tmp_path)) == []


def test_a_relative_dest_is_taken_from_the_playbook_directory_not_the_working_directory(tmp_path, monkeypatch):
    playbooks = tmp_path / 'playbooks'
    (playbooks / 'reports').mkdir(parents=True)
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    monkeypatch.chdir(str(cwd))
    result = run(dict(dest='reports/../report.json', content='x\n'), basedir=str(playbooks))
    assert result['dest'] == str(playbooks / 'report.json')
    assert (playbooks / 'report.json').read_text() == 'x\n'
    assert os.listdir(str(cwd)) == []


@pytest.mark.parametrize('dest, basedir, words', [
    ('', '/nonexistent/playbooks', 'dest is empty'),
    ('report.json', None, "dest 'report.json' is relative and the playbook directory is not known"),
])
def test_an_empty_dest_or_a_relative_one_without_playbook_directory_fails(tmp_path, monkeypatch, dest, basedir,
                                                                          words):
    monkeypatch.chdir(str(tmp_path))
    with pytest.raises(AnsibleActionFail, match=re.escape(words)):
        run(dict(dest=dest, content='x\n'), basedir=basedir)
    assert os.listdir(str(tmp_path)) == []


def test_a_directory_or_a_bad_mode_fails(tmp_path):
    with pytest.raises(AnsibleActionFail, match='is a directory; dest must name a file'):
        run(dict(dest=str(tmp_path), content='x\n'))
    for mode in ('u=rw,go=r', '0999', '12345', True, -1):
        with pytest.raises(AnsibleActionFail, match="mode must be an octal string such as '0644'"):
            run(dict(dest=str(tmp_path / 'report.json'), content='x\n', mode=mode))
    assert os.listdir(str(tmp_path)) == []


def test_missing_or_unknown_options_fail_before_any_write(tmp_path):
    with pytest.raises(AnsibleActionFail, match='content'):
        run(dict(dest=str(tmp_path / 'report.json')))
    with pytest.raises(AnsibleActionFail, match='owner'):
        run(dict(dest=str(tmp_path / 'report.json'), content='x\n', owner='root'))
    assert os.listdir(str(tmp_path)) == []


def test_home_is_expanded_on_the_controller(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    result = run(dict(dest='~/report.json', content='x\n'))
    assert result['dest'] == str(tmp_path / 'report.json')
    assert (tmp_path / 'report.json').read_text() == 'x\n'


def test_a_symbolic_link_is_followed(tmp_path):
    (tmp_path / 'reports').mkdir()
    real = tmp_path / 'reports' / 'report.json'
    real.write_text('old\n')
    link = tmp_path / 'latest.json'
    link.symlink_to(real)
    result = run(dict(dest=str(link), content='new\n'))
    assert result['changed'] is True and result['dest'] == str(link)
    assert link.is_symlink() and real.read_text() == 'new\n'
    assert leftovers(tmp_path / 'reports') == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    dest = tmp_path / 'report.json'
    dest.write_text('old\n')

    def no_rename(src, dst):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'rename', no_rename)
    with pytest.raises(AnsibleActionFail, match='cannot replace %s: No space left on device' % re.escape(str(dest))):
        run(dict(dest=str(dest), content='new\n'))
    assert dest.read_text() == 'old\n'
    assert leftovers(tmp_path) == []


def test_the_plugin_needs_no_connection_and_sends_no_file():
    assert ActionModule._requires_connection is False
    assert ActionModule.TRANSFERS_FILES is False
    assert controller_file.ActionModule._supports_check_mode is True
