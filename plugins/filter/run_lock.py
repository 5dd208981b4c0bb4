# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who this run is, for the cluster-wide run lock (module tibero.cm.run_lock): facts only the
controller knows - its host name, the ansible-playbook PID, and which of its ansible-playbook
processes are alive (a lock of a run of this controller whose process is gone is stale)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os
import socket


def _playbook_pid():
    """PID of the ansible-playbook process (templating runs in a worker forked from it)."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


def run_lock_owner(started, playbook=''):
    """The owner record of this run: controller host name, ansible-playbook PID, start time."""
    return {'controller': socket.gethostname(), 'pid': _playbook_pid(), 'started': int(started),
            'playbook': playbook}


def run_lock_live_pids(_ignored=None, proc='/proc'):
    """PIDs of the ansible-playbook processes alive on this controller, or None where /proc is missing.

    A process counts when its command line names ansible-playbook (a PID reused by anything else
    does not keep a dead run's lock alive). This run's own process is always included.
    """
    if not os.path.isdir(proc):
        return None
    pids = {_playbook_pid()}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, 'cmdline'), 'rb') as handle:
                cmdline = handle.read()
        except (IOError, OSError):
            continue
        if b'ansible-playbook' in cmdline:
            pids.add(int(entry))
    return sorted(pids)


class FilterModule(object):
    """tibero.cm run lock filters."""

    def filters(self):
        return {
            'run_lock_owner': run_lock_owner,
            'run_lock_live_pids': run_lock_live_pids,
        }
