# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_lock.verdict: a live run's lock holds, a dead or old one is taken over, ours is ours."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.tibero.cm.plugins.module_utils import run_lock

NOW = 1_800_000_000
TTL = 7200
ME = {'controller': 'ctl', 'pid': 4242, 'started': NOW, 'playbook': 'site'}


def _lock(controller, pid, started):
    return json.dumps({'controller': controller, 'pid': pid, 'started': started, 'playbook': 'site'})


def test_no_lock_is_free():
    assert run_lock.verdict('', ME, NOW, TTL) == 'free'


def test_our_own_lock():
    assert run_lock.verdict(run_lock.record(ME), ME, NOW + 5, TTL, live_pids=[4242]) == 'ours'
    assert json.loads(run_lock.record(ME)) == ME


def test_live_run_on_this_controller_holds():
    assert run_lock.verdict(_lock('ctl', 77, NOW - 10), ME, NOW, TTL, live_pids=[77, 4242]) == \
        'held: ctl pid 77 (site) since %d' % (NOW - 10)


def test_dead_run_on_this_controller_is_stale():
    verdict = run_lock.verdict(_lock('ctl', 77, NOW - 10), ME, NOW, TTL, live_pids=[4242])
    assert verdict.startswith('stale: ') and 'interrupted' in verdict


def test_unknown_liveness_holds_until_ttl():
    assert run_lock.verdict(_lock('ctl', 77, NOW - 10), ME, NOW, TTL, live_pids=None).startswith('held: ')


def test_other_controller_holds_until_ttl():
    young = _lock('elsewhere', 1, NOW - 10)
    old = _lock('elsewhere', 1, NOW - TTL - 1)
    assert run_lock.verdict(young, ME, NOW, TTL, live_pids=[]).startswith('held: elsewhere pid 1')
    assert 'older than tibero_cm_lock_ttl' in run_lock.verdict(old, ME, NOW, TTL)


def test_force_breaks_a_held_lock_and_one_without_owner_record():
    assert run_lock.verdict(_lock('elsewhere', 1, NOW), ME, NOW, TTL, force=True).startswith(
        'stale: tibero_cm_lock_break=true')
    verdict = run_lock.verdict('', ME, NOW, TTL, force=True)
    assert verdict.startswith('stale: tibero_cm_lock_break=true') and 'without an owner record' in verdict


def test_unreadable_lock_is_stale():
    assert run_lock.verdict('garbage\x00', ME, NOW, TTL).startswith('stale: unreadable')


def test_take_read_remove(tmp_path):
    path = str(tmp_path / 'run.lock')
    assert run_lock.read_owner(path) == ''
    run_lock.take(path, ME)
    assert json.loads(run_lock.read_owner(path)) == ME
    try:
        run_lock.take(path, ME)
    except OSError as exc:
        assert exc.errno == 17
    else:
        raise AssertionError('a second mkdir must fail')
    run_lock.remove(path)
    assert run_lock.read_owner(path) == ''
