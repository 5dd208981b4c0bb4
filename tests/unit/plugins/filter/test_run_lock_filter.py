# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_lock filters: who this run is, and which ansible-playbook processes live on this controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket

from ansible_collections.tibero.cm.plugins.filter.run_lock import run_lock_live_pids, run_lock_owner

NOW = 1_800_000_000


def test_owner_names_this_controller():
    me = run_lock_owner(NOW, 'site')
    assert me == {'controller': socket.gethostname(), 'pid': os.getpid(), 'started': NOW, 'playbook': 'site'}


def _proc(tmp_path, processes):
    for pid, cmdline in processes.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / 'cmdline').write_bytes(cmdline)
    (tmp_path / 'self').mkdir()
    return str(tmp_path)


def test_live_pids_are_the_ansible_playbook_processes_and_this_one(tmp_path):
    proc = _proc(tmp_path, {
        101: b'/usr/bin/python3\x00/venv/bin/ansible-playbook\x00site.yml\x00',
        102: b'/usr/bin/sleep\x00100\x00',  # a PID reused by something else keeps no lock alive
        103: b'ansible-playbook\x00-i\x00prod\x00verify.yml\x00',
    })
    assert run_lock_live_pids(None, proc=proc) == sorted({101, 103, os.getpid()})


def test_live_pids_unknown_without_proc(tmp_path):
    assert run_lock_live_pids(None, proc=str(tmp_path / 'no-proc')) is None
