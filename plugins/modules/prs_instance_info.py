#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: prs_instance_info
short_description: Read whether this host's prs_instance.map records a ProSync instance
version_added: 0.2.0
description:
  - Reads C(<prs_home>/config/prs_instance.map), where C(prs_install.sh) records an instance it installed
    (ProSync CM failover guide, section 4), and the "install started" marker of M(tibero.cm.prs_instance).
  - Reads the collection's install record of the instance on this host (M(tibero.cm.prs_instance) O(tibero.cm.prs_instance#module:record_only))
    and, with O(expected_lists), refuses a model that changes the installed agent lists.
  - Read-only; never reports a change and runs in check mode too. Run it on every agent host and pass the
    hosts that record the instance to M(tibero.cm.prs_instance) as O(tibero.cm.prs_instance#module:recorded_on).
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  prs_home:
    description:
      - ProSync home. Defaults to the E(PRS_HOME) environment variable of the remote user.
    type: path
  instance_id:
    description: The ProSync instance id.
    type: str
    required: true
  marker:
    description: The "install started" marker (default as in M(tibero.cm.prs_instance)).
    type: path
  expected_lists:
    description:
      - The model's agent lists of the instance (C(ext), C(apply), C(llob), C(delimiter); as O(tibero.cm.prs_instance#module:lists)).
      - When given and this host holds an install record with other lists, the task fails (before any change of
        the run), because the lists of an installed instance are written by C(prs_install.sh), which the collection
        never runs again by itself. The message names the differences and the vendor procedure.
    type: dict
  host:
    description: The name this host goes by in messages (the role passes its inventory name).
    type: str
seealso:
  - module: tibero.cm.prs_instance
'''

EXAMPLES = r'''
- name: Which agent hosts record the instance
  tibero.cm.prs_instance_info:
    prs_home: /home/prosync/example
    instance_id: TAC2TAC
  become: true
  become_user: prosync
  register: __map
'''

RETURN = r'''
map:
  description: The map as read - C(path), C(exists), C(readable), C(listed) (the instance id stands in it as a word), C(error).
  returned: always
  type: dict
  sample: {"path": "/home/prosync/example/config/prs_instance.map", "exists": true, "readable": true,
           "listed": true, "error": null}
listed:
  description: Whether this host's map records the instance (false when it cannot be read).
  returned: always
  type: bool
marker:
  description: Whether an "install started" marker exists on this host.
  returned: always
  type: bool
record:
  description: This host's install record of the instance (M(tibero.cm.prs_instance) O(tibero.cm.prs_instance#module:record_only)) -
    C(path), C(exists), C(readable), C(valid), C(install_host), C(lists), C(error), and C(digest) (the SHA-256 of its text, or
    null without one; P(tibero.cm.prs_instance_record_current#filter) tells from it whether the record is current).
  returned: always
  type: dict
recorded:
  description: Whether this host holds an install record of the instance (even one that cannot be read).
  returned: always
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi
from ansible_collections.tibero.cm.plugins.module_utils.tibero_common import resource_name_problem


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prs_home=dict(type='path', fallback=(env_fallback, ['PRS_HOME'])),
            instance_id=dict(type='str', required=True),
            marker=dict(type='path'),
            expected_lists=dict(type='dict'),
            host=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params['prs_home']:
        module.fail_json(msg='missing prs_home: set the option or the environment variable PRS_HOME')
    problem = resource_name_problem(params, 'instance_id', what='a ProSync instance id')
    if problem:
        module.fail_json(msg=problem)
    reading, record = pi.read_instance(params['prs_home'], params['instance_id'], params['marker'])
    result = dict(reading, changed=False)
    if params['expected_lists'] is not None:
        try:
            pi.check_lists(record, params['expected_lists'], params['instance_id'],
                           params['host'] or os.uname()[1])
        except pi.InstanceChangeRefused as exc:
            module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
