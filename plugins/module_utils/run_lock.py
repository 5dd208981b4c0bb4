# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster-wide run lock: whether an existing lock may be taken over, and taking / releasing it.

The lock is a directory created atomically (mkdir: exactly one run wins) on the first node of every
cluster, holding an ``owner`` file with the JSON record of the run (controller host name,
ansible-playbook PID, start time, playbook). A lock left by a run that was killed must not block the
next run forever, and a lock of a live run must never be broken silently: ``verdict`` decides.
Whether a run on this controller is still alive is known only on the controller, so the caller
passes the PIDs of the controller's live ansible-playbook processes (``live_pids``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import shutil

from ansible_collections.tibero.cm.plugins.module_utils.kvfile import write_file

OWNER_FILE = 'owner'


def record(owner):
    """The owner record as the JSON text stored in the lock."""
    return json.dumps(owner, sort_keys=True)


def verdict(lock_text, me, now, ttl, force=False, live_pids=None):
    """What to do with an existing lock: 'free', 'ours', 'stale: <why>' or 'held: <by whom>'.

    ``lock_text`` is the owner file's content ('' when there is none), ``me`` this run's owner record,
    ``now`` seconds since the epoch, ``ttl`` the age after which any lock is stale, ``live_pids`` the
    PIDs of ansible-playbook processes alive on this controller (None: unknown, a lock of this
    controller then holds until its TTL).
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
    if controller == me['controller'] and pid == int(me['pid']) and started == int(me['started']):
        return 'ours'
    who = '%s pid %d (%s) since %d' % (controller, pid, owner.get('playbook', '?'), started)
    if force:
        return 'stale: tibero_cm_lock_break=true, breaking the lock of %s' % who
    if controller == me['controller'] and live_pids is not None and pid not in live_pids:
        return 'stale: the run of %s is gone (interrupted)' % who
    if now - started > ttl:
        return 'stale: the lock of %s is older than tibero_cm_lock_ttl (%d s)' % (who, ttl)
    return 'held: %s' % who


def read_owner(lock_dir):
    """The owner file's text, '' when the lock or its owner record does not exist."""
    try:
        with open(os.path.join(lock_dir, OWNER_FILE), 'r') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return ''
        raise


def take(lock_dir, owner):
    """mkdir the lock and record its owner; raise OSError (EEXIST) when a concurrent run just took it."""
    os.mkdir(lock_dir, 0o755)
    write_file(os.path.join(lock_dir, OWNER_FILE), record(owner), 0o644)


def remove(lock_dir):
    shutil.rmtree(lock_dir, ignore_errors=False)
