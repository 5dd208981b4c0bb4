# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/prs_agent: whole-file writes with a fixed mode, and the prepared diff of a no_log file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import prs_agent
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError


def _mode(path):
    return os.stat(path).st_mode & 0o7777


def test_put_file_creates_with_the_mode_and_leaves_no_temporary_file(tmp_path):
    path = str(tmp_path / 'prs_install.cfg')
    assert prs_agent.put_file(path, 'PRS_PWD=x\n', 0o600) == (True, None)
    assert open(path).read() == 'PRS_PWD=x\n' and _mode(path) == 0o600
    assert os.listdir(str(tmp_path)) == ['prs_install.cfg']
    assert prs_agent.put_file(path, 'PRS_PWD=x\n', 0o600) == (False, 'PRS_PWD=x\n')


def test_put_file_replaces_a_file_with_a_wider_mode_by_one_with_the_mode(tmp_path):
    path = tmp_path / 'prs_install.cfg'
    path.write_text('old\n')
    os.chmod(str(path), 0o644)
    inode = os.stat(str(path)).st_ino
    assert prs_agent.put_file(str(path), 'new\n', 0o600) == (True, 'old\n')
    assert _mode(str(path)) == 0o600 and path.read_text() == 'new\n'
    assert os.stat(str(path)).st_ino != inode  # renamed into place, never rewritten in place


def test_put_file_in_check_mode_only_says(tmp_path):
    path = tmp_path / 'a.sh'
    path.write_text('same\n')
    os.chmod(str(path), 0o755)
    assert prs_agent.put_file(str(path), 'same\n', 0o775, check_mode=True) == (True, 'same\n')
    assert prs_agent.put_file(str(path), 'other\n', 0o755, check_mode=True) == (True, 'same\n')
    assert _mode(str(path)) == 0o755 and path.read_text() == 'same\n'


def test_put_file_in_a_missing_directory_fails_with_a_message(tmp_path):
    with pytest.raises(KvFileError) as err:
        prs_agent.put_file(str(tmp_path / 'nowhere' / 'f'), 'x', 0o600)
    assert 'cannot write in' in str(err.value)


def test_prepared_diff_never_holds_the_whole_text():
    after = 'A=1\nPRS_PWD=new\n'
    diff = prs_agent.prepared_diff('/p/prs_install.cfg', 'A=1\nPRS_PWD=old\n', after)
    assert '-PRS_PWD=old\n' in diff and '+PRS_PWD=new\n' in diff and after not in diff
    assert prs_agent.prepared_diff('/p/f', None, 'A=1').startswith('--- /p/f (absent)\n+++ /p/f\n')


def test_agent_entries_and_the_own_entry():
    text = 'AGENT_CNT=1\nAGENT_ID_0=agent1\nAGENT_HOST_0=h\nAGENT_PORT_0=7700\nAGENT_CM_GROUP_0=CM1\nAGENT_CM_ID_0=0\n'
    assert prs_agent.agent_entries(text) == {'agent1': ('h', '7700', 'CM1', '0')}
    own = dict(id='agent1', host='h', port=7700, cm_group='CM1', cm_id=0)
    assert prs_agent.own_entry_changed(text, own) is False
    assert prs_agent.own_entry_changed(None, own) is True
