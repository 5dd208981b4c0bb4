# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster-wide run lock: who we are, and whether an existing lock may be taken over.

The lock itself is a directory created atomically (mkdir) on the first node of every cluster by the
preflight role; its ``owner`` file holds the JSON written from ``run_lock_owner``. A lock left by a
run that was killed must not block the next run forever, and a lock of a live run must never be
broken silently: ``run_lock_verdict`` decides, and is unit tested.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import multiprocessing
import os
import socket


def _playbook_pid():
    """PID of the ansible-playbook process (templating runs in a worker forked from it)."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_lock_owner(started, playbook=''):
    """The owner record of this run: controller host name, ansible-playbook PID, start time."""
    return {'controller': socket.gethostname(), 'pid': _playbook_pid(), 'started': int(started),
            'playbook': playbook}


def run_lock_verdict(lock_text, me, now, ttl, force=False):
    """What to do with an existing lock: 'free', 'ours', 'stale: <why>' or 'held: <by whom>'.

    ``lock_text`` is the owner file's content ('' when there is no lock), ``me`` the dict of
    run_lock_owner, ``now`` seconds since the epoch, ``ttl`` the age after which any lock is stale.
    """
    if not lock_text:
        # No owner record: no lock, or a lock directory whose run died before recording itself (the
        # mkdir then fails). Only tibero_cm_lock_break clears the latter.
        return 'stale: tibero_cm_lock_break=true, removing any lock without an owner record' if force else 'free'
    try:
        owner = json.loads(lock_text)
        controller, pid, started = owner['controller'], int(owner['pid']), int(owner['started'])
    except (ValueError, KeyError, TypeError):
        return 'stale: unreadable lock owner record'
    if controller == me['controller'] and pid == me['pid'] and started == me['started']:
        return 'ours'
    who = '%s pid %d (%s) since %d' % (controller, pid, owner.get('playbook', '?'), started)
    if force:
        return 'stale: tibero_cm_lock_break=true, breaking the lock of %s' % who
    if controller == me['controller'] and not _pid_alive(pid):
        return 'stale: the run of %s is gone (interrupted)' % who
    if now - started > ttl:
        return 'stale: the lock of %s is older than tibero_cm_lock_ttl (%d s)' % (who, ttl)
    return 'held: %s' % who


def run_lock_record(owner):
    """The owner record as the JSON text stored in the lock."""
    return json.dumps(owner, sort_keys=True)


class FilterModule(object):
    """tibero.cm run lock filters."""

    def filters(self):
        return {
            'run_lock_owner': run_lock_owner,
            'run_lock_verdict': run_lock_verdict,
            'run_lock_record': run_lock_record,
        }
