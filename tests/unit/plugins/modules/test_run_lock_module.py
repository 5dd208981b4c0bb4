# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_lock module: take / keep / refuse / take over / release, in one call each, never 'changed'."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import run_lock
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

NOW = 1_800_000_000
ME = {'controller': 'ctl', 'pid': 4242, 'started': NOW, 'playbook': 'site'}
OTHER = {'controller': 'ctl', 'pid': 77, 'started': NOW - 60, 'playbook': 'verify'}


def _args(path, **extra):
    args = dict(path=path, owner=ME, live_pids=[4242, 77], now=NOW, ttl=7200, host='node1')
    args.update(extra)
    return args


def _owner(path):
    with open(os.path.join(path, 'owner')) as handle:
        return json.load(handle)


def _hold(path, owner):
    os.makedirs(path)
    with open(os.path.join(path, 'owner'), 'w') as handle:
        json.dump(owner, handle)


def test_take_a_free_lock_creating_its_parent(tmp_path):
    path = str(tmp_path / 'state' / 'run.lock')
    result = run_module(run_lock.main, _args(path))
    assert result == dict(changed=False, verdict='free', held=True)
    assert _owner(path) == ME
    again = run_module(run_lock.main, _args(path))
    assert again['verdict'] == 'ours' and again['changed'] is False


def test_another_live_run_s_lock_fails_naming_it(tmp_path):
    path = str(tmp_path / 'run.lock')
    _hold(path, OTHER)
    with pytest.raises(AnsibleFailJson) as err:
        run_module(run_lock.main, _args(path), check_mode=True)
    msg = err.value.result['msg']
    assert msg.startswith('node1:%s: another tibero.cm run holds the cluster lock (held: ctl pid 77' % path)
    assert '-e tibero_cm_lock_break=true' in msg
    assert _owner(path) == OTHER


def test_a_dead_run_s_lock_is_taken_over(tmp_path):
    path = str(tmp_path / 'run.lock')
    _hold(path, OTHER)
    result = run_module(run_lock.main, _args(path, live_pids=[4242]))
    assert result['verdict'].startswith('stale: the run of ctl pid 77') and result['held']
    assert _owner(path) == ME


def test_check_mode_never_takes_the_lock(tmp_path):
    path = str(tmp_path / 'run.lock')
    result = run_module(run_lock.main, _args(path), check_mode=True)
    assert result['verdict'] == 'free' and not os.path.exists(path)


def test_a_lock_without_owner_record_is_named_and_lock_break_clears_it(tmp_path):
    path = str(tmp_path / 'run.lock')
    os.makedirs(path)
    with pytest.raises(AnsibleFailJson) as err:
        run_module(run_lock.main, _args(path))
    assert 'node1:%s: cannot take the cluster lock (mkdir: %s: File exists)' % (path, path) in err.value.result['msg']
    result = run_module(run_lock.main, _args(path, force=True))
    assert 'removing any lock without an owner record' in result['verdict']
    assert _owner(path) == ME


def test_release_removes_only_our_own_lock(tmp_path):
    path = str(tmp_path / 'run.lock')
    _hold(path, OTHER)
    kept = run_module(run_lock.main, _args(path, state='released'))
    assert kept['verdict'].startswith('held') and os.path.isdir(path)
    os.remove(os.path.join(path, 'owner'))
    os.rmdir(path)
    run_module(run_lock.main, _args(path))
    planned = run_module(run_lock.main, _args(path, state='released'), check_mode=True)
    assert planned['verdict'] == 'ours' and os.path.isdir(path)
    released = run_module(run_lock.main, _args(path, state='released'))
    assert released == dict(changed=False, verdict='ours', held=False) and not os.path.exists(path)
    assert run_module(run_lock.main, _args(path, state='released'))['verdict'] == 'free'


def test_an_owner_without_its_fields_fails(tmp_path):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(run_lock.main, _args(str(tmp_path / 'run.lock'), owner={'controller': 'ctl'}))
    assert 'owner lacks pid, started' in err.value.result['msg']
