# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""files_info: every file in one call, read-only; a file that cannot be read is an entry, not a failure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import files_info
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import run_module


@pytest.mark.parametrize('check_mode', [False, True])
def test_reads_every_file_and_reports_the_others(tmp_path, check_mode):
    tip = tmp_path / 'cm_tibero1.tip'
    tip.write_bytes(b'CM_NAME=cm_tibero1\nCM_ID=0\n# \xbf\xa9 legacy comment\n')
    big = tmp_path / 'big'
    big.write_bytes(b'x' * 200)
    paths = [str(tip), str(tmp_path / 'missing.sh'), str(tmp_path), str(big), 'relative.cfg']
    before = sorted(os.listdir(str(tmp_path)))
    result = run_module(files_info.main, dict(paths=paths, max_bytes=100), check_mode=check_mode)
    assert result['changed'] is False
    assert sorted(os.listdir(str(tmp_path))) == before
    entries = result['files']
    assert [e['path'] for e in entries] == paths
    assert entries[0]['content'].startswith('CM_NAME=cm_tibero1\nCM_ID=0\n') and entries[0]['error'] is None
    assert '\ufffd' in entries[0]['content']
    assert entries[1] == dict(path=paths[1], exists=False, content=None, error='file not found: %s' % paths[1])
    assert entries[2]['content'] is None and 'not a regular file' in entries[2]['error']
    assert entries[3]['content'] is None and 'larger than 100 bytes' in entries[3]['error']
    assert entries[4]['content'] is None and 'not an absolute path' in entries[4]['error']


def test_an_unreadable_file_is_an_entry_with_its_error(tmp_path, monkeypatch):
    path = tmp_path / 'prs_agent_agent1.cfg'
    path.write_text('USE_CM = Y\n')

    def refuse(*args, **kwargs):
        raise IOError(13, 'Permission denied')

    monkeypatch.setattr(files_info, 'open', refuse, raising=False)
    entry = files_info.read_file(str(path), 1024)
    assert entry['exists'] is True and entry['content'] is None and 'Permission denied' in entry['error']
