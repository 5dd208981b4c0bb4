#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: run_lock
short_description: Take or release the cluster-wide lock that keeps two tibero.cm runs apart
version_added: 0.2.0
description:
  - A directory created with C(mkdir) (atomic, so exactly one run wins) holding an C(owner) record of the run
    (controller, ansible-playbook PID, start time, playbook). Run it on the first node of every cluster.
  - V(acquired) reads the lock and decides in one call - free (take it), ours (nothing to do), stale (a run
    of this controller whose process is gone, a lock older than O(ttl), or O(force); removed with a warning,
    then taken) or held by another run (fail, naming it).
  - V(released) removes the lock only if this run owns it.
  - Taking and releasing the lock is bookkeeping of the run, not a change of the site; it never reports a change.
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: A check run reads the lock and fails when another run holds it, but never takes or releases it.
  diff_mode:
    support: none
options:
  path:
    description: The lock directory, for example C(/var/tmp/tibero_cm/run.lock). Its parent is created (0755).
    type: path
    required: true
  owner:
    description: This run's owner record (filter C(tibero.cm.run_lock_owner)) - C(controller), C(pid), C(started), C(playbook).
    type: dict
    required: true
  state:
    description: V(acquired) takes the lock, V(released) removes it if this run owns it.
    type: str
    choices: [acquired, released]
    default: acquired
  live_pids:
    description:
      - PIDs of the ansible-playbook processes alive on the controller (filter C(tibero.cm.run_lock_live_pids)).
        Omitted, a lock of a run of this controller is held until O(ttl).
    type: list
    elements: int
  now:
    description: The controller's time (seconds since the epoch) the lock's age is measured with; default this host's.
    type: int
  ttl:
    description: Seconds after which any lock is stale.
    type: int
    default: 7200
  force:
    description: Break any existing lock (the operator's C(tibero_cm_lock_break)), also one without an owner record.
    type: bool
    default: false
  host:
    description: The name this host goes by in messages (the role passes its inventory name).
    type: str
notes:
  - Run it as a user that may write the lock's parent directory, the same user on every run; the roles run it as the
    Tibero OS user (C(tibero_cm_tibero_user)), so the collection needs no root.
'''

EXAMPLES = r'''
- name: Take the cluster lock
  tibero.cm.run_lock:
    path: /var/tmp/tibero_cm/run.lock
    owner: "{{ now(utc=true).timestamp() | int | tibero.cm.run_lock_owner(ansible_play_name) }}"
    live_pids: "{{ None | tibero.cm.run_lock_live_pids }}"
  become: true
  become_user: tibero
'''

RETURN = r'''
verdict:
  description: 'What was found: C(free), C(ours), C(stale: <why>) or C(held: <by whom>).'
  returned: always
  type: str
  sample: free
held:
  description: Whether this run holds the lock after the call (in check mode, whether it would).
  returned: success
  type: bool
'''

import errno
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import run_lock


def acquire(module, path, owner, found, where):
    """Take the lock as the verdict allows (in check mode only decide); fail naming the holder otherwise."""
    if found.startswith('held'):
        module.fail_json(msg='%s: another tibero.cm run holds the cluster lock (%s). Wait for it to finish; if it '
                         'is dead, rerun with -e tibero_cm_lock_break=true.' % (where, found), verdict=found)
    if found == 'ours':
        return
    if found.startswith('stale'):
        module.warn('%s: %s' % (where, found))
    if module.check_mode:
        return
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent, 0o755)
    if found.startswith('stale') and os.path.lexists(path):
        run_lock.remove(path)
    try:
        run_lock.take(path, owner)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
        module.fail_json(msg='%s: cannot take the cluster lock (mkdir: %s: File exists). Another tibero.cm run may '
                         'have just taken it; if none is running (a run died before recording its owner), rerun with '
                         '-e tibero_cm_lock_break=true.' % (where, path), verdict=found)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            owner=dict(type='dict', required=True),
            state=dict(type='str', default='acquired', choices=['acquired', 'released']),
            live_pids=dict(type='list', elements='int'),
            now=dict(type='int'),
            ttl=dict(type='int', default=7200),
            force=dict(type='bool', default=False),
            host=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = params['path'].rstrip('/')
    owner = params['owner']
    missing = [k for k in ('controller', 'pid', 'started') if owner.get(k) in (None, '')]
    if missing:
        module.fail_json(msg='owner lacks %s (use the filter tibero.cm.run_lock_owner)' % ', '.join(missing))
    where = '%s:%s' % (params['host'] or os.uname()[1], path)
    now = params['now'] if params['now'] is not None else int(time.time())
    try:
        text = run_lock.read_owner(path)
    except (IOError, OSError) as exc:
        module.fail_json(msg='%s: cannot read the lock owner record: %s' % (where, exc))
    force = params['force'] and params['state'] == 'acquired'
    found = run_lock.verdict(text, owner, now, params['ttl'], force, params['live_pids'])
    if params['state'] == 'released':
        if found == 'ours' and not module.check_mode:
            run_lock.remove(path)
        module.exit_json(changed=False, verdict=found, held=False)
    acquire(module, path, owner, found, where)
    module.exit_json(changed=False, verdict=found, held=True)


if __name__ == '__main__':
    main()
