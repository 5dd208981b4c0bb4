# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KEY=VALUE editor: exact bytes in, exact bytes out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import kvfile
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import (
    DuplicateKey, KvFile, KvFileError, normalize_value, plan_edit, split_value)
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import read_fixture

CM_TIP = read_fixture('cm_tibero1.tip')
CM_TIP_WITH_ID = read_fixture('cm_tibero1_with_cm_id.tip')
PRS_CFG = read_fixture('prs_agent_agent1.cfg')


@pytest.mark.parametrize('text', [
    CM_TIP,
    CM_TIP_WITH_ID,
    PRS_CFG,
    PRS_CFG.replace('\n', '\r\n'),
    'A=1\r\nB=2\nC=3',
    '',
    '\n\n',
    'no equals sign here\n  indented = value # c\n',
    'K="a # b"   # real comment\nL=\'x\'\n',
    u'# 한글 주석\nK=값\n',
])
def test_unedited_file_renders_byte_for_byte(text):
    assert KvFile(text).render() == text


@pytest.mark.parametrize('rest, value, trailer', [
    ('0', '0', ''),
    ('0 # comment', '0', ' # comment'),
    ('10\t\t#Dependency Param : USE_CM=Y', '10', '\t\t#Dependency Param : USE_CM=Y'),
    ('7603        ', '7603', '        '),
    ('a#b', 'a#b', ''),
    ('#only a comment', '', '#only a comment'),
    ('"a # b"  # c', '"a # b"', '  # c'),
    ("'x'", "'x'", ''),
    ('"unterminated # c', '"unterminated', ' # c'),
    ('"a"b', '"a"b', ''),
    ('/path with space/x  ', '/path with space/x', '  '),
    ('', '', ''),
])
def test_split_value(rest, value, trailer):
    assert split_value(rest) == (value, trailer)


@pytest.mark.parametrize('left, right, equal', [
    ('Y', 'y', True),
    ('"Y"', 'Y', True),
    ("'N'", 'n', True),
    ('true', 'TRUE', True),
    ('Y', 'TRUE', False),
    ('1G', '1024M', True),
    ('1G', '1048576K', True),
    ('1g', '1073741824', True),
    ('512MB', '512M', True),
    ('1G', '1000M', False),
    ('010', '10', True),
    ('10', '10 ', True),
    ('/a/B', '/a/b', False),
    ('cm_tibero1', 'CM_TIBERO1', False),
])
def test_values_compare_normalised(left, right, equal):
    assert (normalize_value(left) == normalize_value(right)) is equal


# (before, key, value, insert, after)
SET_CASES = [
    # The seed's step 5.3: CM_ID at the top of the CM tip, under the generated header.
    (CM_TIP, 'CM_ID', '0', 'top', CM_TIP.replace('CM_NAME=', 'CM_ID=0\nCM_NAME=', 1)),
    (CM_TIP, 'CM_ID', '0', 'bottom', CM_TIP + 'CM_ID=0\n'),
    (CM_TIP, 'CM_ID', '0', 'before:CM_UI_PORT', CM_TIP.replace('CM_UI_PORT', 'CM_ID=0\nCM_UI_PORT', 1)),
    (CM_TIP, 'CM_ID', '0', 'after:cm_ui_port', CM_TIP.replace('CM_UI_PORT=8645\n', 'CM_UI_PORT=8645\nCM_ID=0\n')),
    # The inline comment of an existing line survives a value change.
    (CM_TIP_WITH_ID, 'CM_ID', '1', 'bottom', CM_TIP_WITH_ID.replace(u'CM_ID=0 #', u'CM_ID=1 #')),
    # ProSync style: new keys copy ' = ', tabs and comments of changed lines stay.
    (PRS_CFG, 'PRS_AGENT_PROC_MAX_FAIL_CNT', '20', 'bottom',
     PRS_CFG.replace('MAX_FAIL_CNT = 10\t\t#', 'MAX_FAIL_CNT = 20\t\t#')),
    (PRS_CFG, 'LOG_LEVEL', '5', 'bottom', PRS_CFG.replace('LOG_LEVEL = 3\n', 'LOG_LEVEL = 5\n')),
    (PRS_CFG, 'LISTENER_PORT', '7604', 'bottom', PRS_CFG.replace('= 7603 ', '= 7604 ')),
    (PRS_CFG, 'NEW_KEY', 'x', 'after:USE_CM', PRS_CFG.replace('USE_CM = Y\n', 'USE_CM = Y\nNEW_KEY = x\n')),
    # CRLF files get CRLF lines.
    ('A=1\r\nB=2\r\n', 'C', '3', 'bottom', 'A=1\r\nB=2\r\nC=3\r\n'),
    ('A=1\r\nB=2\r\n', 'B', '5', 'bottom', 'A=1\r\nB=5\r\n'),
    # No final newline: still none after the edit.
    ('A=1\nB=2', 'C', '3', 'bottom', 'A=1\nB=2\nC=3'),
    ('A=1\nB=2', 'C', '3', 'after:B', 'A=1\nB=2\nC=3'),
    ('A=1\nB=2', 'B', '3', 'bottom', 'A=1\nB=3'),
    # Quoting is kept; equal values after normalisation are not rewritten.
    ('A="old"\n', 'A', 'new', 'bottom', 'A="new"\n'),
    ("A='old'\n", 'A', '"new"', 'bottom', 'A="new"\n'),
    ('A="Y"\n', 'A', 'y', 'bottom', 'A="Y"\n'),
    ('MEM=1G\n', 'MEM', '1024M', 'bottom', 'MEM=1G\n'),
    ('use_cm = n\n', 'USE_CM', 'N', 'bottom', 'use_cm = n\n'),
    # Empty and comment-only files.
    ('', 'A', '1', 'top', 'A=1\n'),
    ('# header\n', 'A', '1', 'top', '# header\nA=1\n'),
    ('# header', 'A', '1', 'top', '# header\nA=1'),
    ('A=1\n', 'B', '', 'bottom', 'A=1\nB=\n'),
]


@pytest.mark.parametrize('before, key, value, insert, after', SET_CASES)
def test_set(before, key, value, insert, after):
    model = KvFile(before)
    model.set(key, value, insert)
    assert model.render() == after


def test_several_new_keys_keep_their_order_at_top_and_after():
    model, changes = plan_edit(CM_TIP, {'CM_ID': '0', 'CM_X': '1'}, 'present', 'top')
    assert model.render() == CM_TIP.replace('CM_NAME=', 'CM_ID=0\nCM_X=1\nCM_NAME=', 1)
    assert [(c.action, c.key, c.line) for c in changes] == [('added', 'CM_ID', 7), ('added', 'CM_X', 8)]
    model, changes = plan_edit('A=1\nB=2\n', {'X': '1', 'Y': '2'}, 'present', 'after:A')
    assert model.render() == 'A=1\nX=1\nY=2\nB=2\n'
    model, changes = plan_edit('A=1\nB=2\n', {'X': '1', 'Y': '2'}, 'present', 'before:B')
    assert model.render() == 'A=1\nX=1\nY=2\nB=2\n'


def test_set_reports_changes():
    model = KvFile(CM_TIP_WITH_ID)
    assert model.set('CM_ID', '0') is None
    change = model.set('CM_UI_PORT', '8646')
    assert change.as_dict() == dict(action='changed', key='CM_UI_PORT', before='8645', after='8646', line=9)


@pytest.mark.parametrize('before, key, after', [
    (CM_TIP_WITH_ID, 'CM_ID', CM_TIP),
    (CM_TIP_WITH_ID, 'cm_id', CM_TIP),
    ('A=1\nB=2', 'B', 'A=1'),
    ('A=1\r\nB=2\r\n', 'A', 'B=2\r\n'),
    ('A=1\n', 'A', ''),
    ('A=1\n', 'Z', 'A=1\n'),
])
def test_remove(before, key, after):
    model = KvFile(before)
    change = model.remove(key)
    assert model.render() == after
    assert (change is None) is (before == after)


def test_separator_style_defaults_per_file_kind():
    assert KvFile('', separator=' = ').separator == ' = '
    assert KvFile('A=1\nB = 2\nC = 3\n').separator == ' = '
    assert KvFile('A=1\nB = 2\n', separator=' = ').separator == '='


def test_duplicate_key_is_reported_with_line_numbers():
    text = '# x\nCM_ID=0\nCM_NAME=a\ncm_id=1\n'
    model = KvFile(text)
    assert model.duplicates() == {'CM_ID': [2, 4]}
    with pytest.raises(DuplicateKey) as exc:
        model.set('CM_ID', '2')
    assert 'CM_ID is set 2 times (lines 2, 4)' in str(exc.value)
    with pytest.raises(DuplicateKey):
        model.remove('CM_ID')
    # An untouched duplicate does not stop edits of other keys.
    model.set('CM_NAME', 'b')
    assert model.render() == text.replace('CM_NAME=a', 'CM_NAME=b')


@pytest.mark.parametrize('value, message', [
    ('a\nb', 'spans several lines'),
    ('a # b', 'quote it'),
    ('#x', 'quote it'),
    (' a', 'quote it'),
    ('a ', 'quote it'),
])
def test_values_that_would_not_read_back_are_refused(value, message):
    with pytest.raises(KvFileError, match=message):
        KvFile('A=1\n').set('A', value)


def test_quoted_value_with_hash_is_accepted():
    model = KvFile('A=1\n')
    model.set('A', '"a # b"')
    assert model.render() == 'A="a # b"\n'
    assert KvFile(model.render()).get('A') == '"a # b"'


@pytest.mark.parametrize('spec', ['middle', 'after:', 'after:1X', 'top:CM_ID', '', 'top\n'])
def test_bad_insert_spec(spec):
    with pytest.raises(KvFileError, match='insert must be'):
        KvFile('A=1\n').set('B', '1', spec)


def test_insert_relative_to_missing_key_fails():
    with pytest.raises(KvFileError, match='insert=after:NOPE but NOPE is not set'):
        KvFile('A=1\n').set('B', '1', 'after:NOPE')


def test_commented_out_key_is_not_the_key():
    model = KvFile(CM_TIP)
    assert model.get('CM_HEARTBEAT_EXPIRE') is None
    model.set('CM_HEARTBEAT_EXPIRE', '300')
    assert model.render() == CM_TIP + 'CM_HEARTBEAT_EXPIRE=300\n'


@pytest.mark.parametrize('keys, message', [
    (['CM_ID', 'cm_id'], 'name the same parameter'),
    (['1BAD'], 'is not a parameter name'),
    (['A B'], 'is not a parameter name'),
    (['CM_ID\n'], 'is not a parameter name'),  # '$' would match before the newline
])
def test_check_keys(keys, message):
    with pytest.raises(KvFileError, match=message):
        kvfile.check_keys(keys)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

def test_read_text_keeps_undecodable_bytes(tmp_path):
    path = tmp_path / 'legacy.tip'
    data = b'# \xc7\xd1\xb1\xdb EUC-KR comment\r\nA=1\r\n'
    path.write_bytes(data)
    text, existed = kvfile.read_text(str(path))
    assert existed
    model = KvFile(text)
    model.set('A', '2')
    assert kvfile.encode(model.render()) == data.replace(b'A=1', b'A=2')
    assert u'\ufffd' in kvfile.displayable(text)


@pytest.mark.parametrize('data', [b'A=1\n\x00\x00\x00', b'\x7fELF\x02\x01\x01\x00', b'A=1\x1b[0m\n'])
def test_read_text_refuses_binary(tmp_path, data):
    path = tmp_path / 'garbage.tip'
    path.write_bytes(data)
    with pytest.raises(KvFileError, match='not a text KEY=VALUE file'):
        kvfile.read_text(str(path))


def test_read_text_missing_and_directory(tmp_path):
    with pytest.raises(KvFileError, match='does not exist \\(set create=true'):
        kvfile.read_text(str(tmp_path / 'missing.tip'))
    assert kvfile.read_text(str(tmp_path / 'missing.tip'), create=True) == ('', False)
    with pytest.raises(KvFileError, match='is a directory'):
        kvfile.read_text(str(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads mode 000 files')
def test_read_text_unreadable(tmp_path):
    path = tmp_path / 'locked.tip'
    path.write_text(u'A=1\n')
    path.chmod(0)
    with pytest.raises(KvFileError, match='cannot read .*locked.tip: Permission denied'):
        kvfile.read_text(str(path))


def test_read_text_unreadable_even_as_root(tmp_path, monkeypatch):
    path = tmp_path / 'cm.tip'
    path.write_text(u'A=1\n')

    def denied(*args, **kwargs):
        raise IOError(13, 'Permission denied')

    monkeypatch.setattr(kvfile, 'open', denied, raising=False)
    with pytest.raises(KvFileError, match='cannot read .*cm.tip: Permission denied'):
        kvfile.read_text(str(path))


class AtomicMoveModule(object):
    """Just enough of AnsibleModule for write_atomic: the real atomic_move."""

    def __init__(self, fail=False):
        from ansible.module_utils.basic import AnsibleModule
        self._real = AnsibleModule.atomic_move
        self.fail = fail

    def atomic_move(self, src, dest):
        if self.fail:
            raise OSError('simulated rename failure')
        self._real(self, src, dest)

    def selinux_enabled(self):
        return False


def test_write_atomic_keeps_mode_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / 'cm.tip'
    path.write_text(u'A=1\n')
    path.chmod(0o640)
    kvfile.write_atomic(AtomicMoveModule(), str(path), u'A=2\n')
    assert path.read_text() == u'A=2\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(str(tmp_path)) == ['cm.tip']


def test_write_atomic_failure_keeps_old_file(tmp_path):
    path = tmp_path / 'cm.tip'
    path.write_text(u'A=1\n')
    with pytest.raises(KvFileError, match='cannot replace .*simulated rename failure'):
        kvfile.write_atomic(AtomicMoveModule(fail=True), str(path), u'A=2\n')
    assert path.read_text() == u'A=1\n'
    assert os.listdir(str(tmp_path)) == ['cm.tip']


# The lab's / vendor's agent template ships the CM section commented out.
TEMPLATE_CM = ('USE_CM = N\n'
               '#PRS_AGENT_PROC_MAX_FAIL_CNT = 10\t\t#Dependency Param : USE_CM=Y\n'
               '# PRS_AGENT_CM_PROBE_TIMEOUT = 0\t\t\t#Dependency Param : USE_CM=Y\n')


@pytest.mark.parametrize('before, key, value, after, line', [
    (TEMPLATE_CM, 'PRS_AGENT_PROC_MAX_FAIL_CNT', '20',
     TEMPLATE_CM.replace('#PRS_AGENT_PROC_MAX_FAIL_CNT = 10', 'PRS_AGENT_PROC_MAX_FAIL_CNT = 20'), 2),
    (TEMPLATE_CM, 'prs_agent_cm_probe_timeout', '0',
     TEMPLATE_CM.replace('# PRS_AGENT_CM_PROBE_TIMEOUT = 0', 'PRS_AGENT_CM_PROBE_TIMEOUT = 0'), 3),
    # '#KEY' without '=' takes the file's separator; CRLF kept.
    ('A=1\r\n#CM_HEARTBEAT_EXPIRE\r\n#CM_FENCE=Y\r\n', 'CM_HEARTBEAT_EXPIRE', '300',
     'A=1\r\nCM_HEARTBEAT_EXPIRE=300\r\n#CM_FENCE=Y\r\n', 2),
    # Only the first commented line; a longer name is not the key; prose mentioning the key is not it.
    ('#A=1\n#A=2\n', 'A', '3', 'A=3\n#A=2\n', 1),
    ('#AB=1\n# A is the thing\n', 'A', '3', '#AB=1\n# A is the thing\nA=3\n', 3),
])
def test_uncomment_sets_the_commented_out_line(before, key, value, after, line):
    model = KvFile(before)
    change = model.set(key, value, uncomment=True)
    assert model.render() == after
    assert (change.action, change.line) == ('added', line)


def test_uncomment_does_not_apply_when_the_key_is_set():
    model = KvFile('#A=1\nA=2\n')
    model.set('A', '3', uncomment=True)
    assert model.render() == '#A=1\nA=3\n'


def test_read_state_file_absent_text_replaced_bytes_and_its_bound(tmp_path):
    path = str(tmp_path / 'marker')
    assert kvfile.read_state_file(path) is None
    with open(path, 'wb') as handle:
        handle.write(b'3\n\xff')
    assert kvfile.read_state_file(path) == u'3\n\ufffd'
    with open(path, 'wb') as handle:
        handle.write(b'x' * (kvfile.STATE_FILE_LIMIT + 1))
    with pytest.raises(kvfile.KvFileError) as exc:
        kvfile.read_state_file(path)
    assert 'is over %d bytes' % kvfile.STATE_FILE_LIMIT in str(exc.value)
    os.symlink(str(tmp_path / 'nowhere'), str(tmp_path / 'dangling'))
    with pytest.raises(kvfile.KvFileError) as exc:  # exists as a link, cannot be opened
        kvfile.read_state_file(str(tmp_path / 'dangling'))
    assert 'cannot read the state file' in str(exc.value)
