# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_state: the CM_ID plan of a CM tip and the live problems that stop a run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import node_state as ns
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import read_fixture

TRANSITION = ['UP(RECO)', 'UP(BOOT)', 'DOWN(RECO)']


def _tip(tmp_path, text, name='cm_tibero1.tip'):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_tip_without_cm_id_would_change(tmp_path):
    path = _tip(tmp_path, read_fixture('cm_tibero1.tip'))
    assert ns.tip_plan(path, 0) == dict(path=path, cm_id=None, would_change=True, error=None)


def test_tip_with_its_cm_id_is_converged_quotes_and_comments_aside(tmp_path):
    path = _tip(tmp_path, read_fixture('cm_tibero1_with_cm_id.tip'))
    plan = ns.tip_plan(path, 0)
    assert plan['cm_id'] == '0' and plan['would_change'] is False and plan['error'] is None
    quoted = _tip(tmp_path, 'CM_ID="1" # added by hand\nCM_NAME=cm_tibero2\n', 'q.tip')
    assert ns.tip_plan(quoted, 1)['would_change'] is False
    assert ns.tip_plan(quoted, 0) == dict(path=quoted, cm_id='1', would_change=True, error=None)


def test_tip_problems_are_texts_naming_the_file(tmp_path):
    dup = _tip(tmp_path, 'CM_ID=0\nCM_NAME=x\nCM_ID=1\n', 'dup.tip')
    plan = ns.tip_plan(dup, 0)
    assert plan['error'].startswith(dup + ': ') and 'CM_ID is set 2 times' in plan['error']
    binary = _tip(tmp_path, b'CM_NAME=x\n\x00\x01', 'bin.tip')
    assert 'not a text KEY=VALUE file' in ns.tip_plan(binary, 0)['error']
    missing = str(tmp_path / 'missing.tip')
    assert ns.tip_plan(missing, 0)['error'] == '%s does not exist (set create=true to create it)' % missing


def _rows(status='UP(NRML)', extra=()):
    return [dict(type='db', name='tibero1', status=status), dict(type='group', name='CM1', status='UP')] + list(extra)


OK_TIP = dict(path='/t', cm_id='0', would_change=False, error=None)


def test_a_healthy_node_has_no_problem():
    assert ns.live_problems('node1', 'cm_tibero1', 'tibero1', None, _rows(), TRANSITION, OK_TIP, False) == []


def test_a_cm_that_does_not_answer_is_named_with_the_command_s_message():
    problems = ns.live_problems('node1', 'cm_tibero1', 'tibero1', 'cmrctl show all did not answer within 15 seconds',
                                [], TRANSITION, OK_TIP, False)
    assert problems == ['node1: CM cm_tibero1 does not answer or DB tibero1 is not UP(NRML): cmrctl show all did not '
                        'answer within 15 seconds (rule: CM and DB up before any change)']


def test_a_down_db_is_a_problem_unless_an_interrupted_restart_left_it_down():
    down = ns.live_problems('node1', 'cm_tibero1', 'tibero1', None, _rows('DOWN'), TRANSITION, OK_TIP, False)
    assert down and 'DB tibero1 is not UP(NRML): DOWN' in down[0]
    assert ns.live_problems('node1', 'cm_tibero1', 'tibero1', None, _rows('DOWN'), TRANSITION, OK_TIP, True) == []
    missing = ns.live_problems('node1', 'cm_tibero1', 'tibero1', None, [], TRANSITION, OK_TIP, False)
    assert 'no db resource' in missing[0]


def test_transitions_and_tip_errors_are_reported_together():
    rows = _rows(extra=[dict(type='agent', name='agent1', status='UP(RECO)')])
    tip = dict(OK_TIP, error='/t: CM_ID is set 2 times (lines 1, 3)')
    problems = ns.live_problems('node1', 'cm_tibero1', 'tibero1', None, rows, TRANSITION, tip, False)
    assert problems == [
        'node1: resources in transition: agent1 (rule: wait until no resource is in UP(RECO)/UP(BOOT)/DOWN(RECO))',
        'node1: CM tip: /t: CM_ID is set 2 times (lines 1, 3) (rule: the CM tip is a readable text KEY=VALUE file '
        'that sets CM_ID at most once)']
