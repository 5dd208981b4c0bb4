# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_lock_verdict: a live run's lock holds, a dead or old one is taken over, ours is ours."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import subprocess
import sys

from ansible_collections.tibero.cm.plugins.filter.run_lock import (
    run_lock_owner, run_lock_record, run_lock_verdict)

NOW = 1_800_000_000
TTL = 7200


def _dead_pid():
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def _lock(controller, pid, started):
    return json.dumps({'controller': controller, 'pid': pid, 'started': started, 'playbook': 'site'})


def test_owner_names_this_controller():
    me = run_lock_owner(NOW, 'site')
    assert me['controller'] == socket.gethostname()
    assert me['pid'] == os.getpid()  # not in a worker: the process itself
    assert json.loads(run_lock_record(me)) == me


def test_no_lock_is_free():
    assert run_lock_verdict('', run_lock_owner(NOW), NOW, TTL) == 'free'


def test_our_own_lock():
    me = run_lock_owner(NOW)
    assert run_lock_verdict(run_lock_record(me), me, NOW + 5, TTL) == 'ours'


def test_live_run_on_this_controller_holds():
    me = run_lock_owner(NOW)
    other = _lock(me['controller'], os.getppid(), NOW - 10)
    assert run_lock_verdict(other, me, NOW, TTL).startswith('held: ')


def test_dead_run_on_this_controller_is_stale():
    me = run_lock_owner(NOW)
    verdict = run_lock_verdict(_lock(me['controller'], _dead_pid(), NOW - 10), me, NOW, TTL)
    assert verdict.startswith('stale: ') and 'interrupted' in verdict


def test_other_controller_holds_until_ttl():
    me = run_lock_owner(NOW)
    young = _lock('elsewhere', 1, NOW - 10)
    old = _lock('elsewhere', 1, NOW - TTL - 1)
    assert run_lock_verdict(young, me, NOW, TTL).startswith('held: elsewhere pid 1')
    assert 'older than tibero_cm_lock_ttl' in run_lock_verdict(old, me, NOW, TTL)


def test_force_breaks_a_held_lock():
    me = run_lock_owner(NOW)
    verdict = run_lock_verdict(_lock('elsewhere', 1, NOW), me, NOW, TTL, force=True)
    assert verdict.startswith('stale: tibero_cm_lock_break=true')


def test_force_clears_a_lock_directory_without_owner_record():
    verdict = run_lock_verdict('', run_lock_owner(NOW), NOW, TTL, force=True)
    assert verdict.startswith('stale: tibero_cm_lock_break=true') and 'without an owner record' in verdict


def test_unreadable_lock_is_stale():
    assert run_lock_verdict('garbage\x00', run_lock_owner(NOW), NOW, TTL).startswith('stale: unreadable')
