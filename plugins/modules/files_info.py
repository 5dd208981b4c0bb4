#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: files_info
short_description: Read several text files of a node in one call (the audit's file reader)
version_added: 0.2.0
description:
  - Reads each file of O(paths) and returns its text, so that the audit (C(playbooks/audit.yml)) reads every
    file and tip the rollout writes on a node - CM tips, C(prs_install_agent.cfg), C(prs_<CM_ID>.sh),
    C(prs_agent_<id>.cfg) - in one contact instead of one per file.
  - Read-only; never reports a change and runs in check mode too. A file that is missing or cannot be read is
    reported in its entry (C(exists), C(error)), never a task failure, so every file of every node is reported.
  - Bytes that are not UTF-8 are shown as U+FFFD. Do not point it at files holding secrets (C(prs_install.cfg)) -
    it returns what it reads.
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
  paths:
    description: Absolute paths of the files to read.
    type: list
    elements: path
    required: true
  max_bytes:
    description: A file larger than this is not read (its entry says so).
    type: int
    default: 1048576
seealso:
  - module: ansible.builtin.slurp
'''

EXAMPLES = r'''
- name: Read this node's CM tip and failover script
  tibero.cm.files_info:
    paths:
      - /home/tibero/tibero/tibero7/config/cm_tibero1.tip
      - /home/prosync/example/bin/prs_0.sh
  become: true
  register: __files
'''

RETURN = r'''
files:
  description: One entry per path, in the order given - C(path), C(exists), C(content) (null when not read), C(error).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/home/prosync/example/bin/prs_0.sh", "exists": true, "content": "#!/bin/bash\n...", "error": null}]
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import kvfile


def read_file(path, max_bytes):
    """{path, exists, content, error} of one file."""
    entry = dict(path=path, exists=os.path.lexists(path), content=None, error=None)
    if not os.path.isabs(path):
        entry['error'] = '%s is not an absolute path' % path
    elif not entry['exists']:
        entry['error'] = 'file not found: %s' % path
    elif not os.path.isfile(path):
        entry['error'] = '%s is not a regular file' % path
    elif os.path.getsize(path) > max_bytes:
        entry['error'] = '%s is larger than %d bytes: not read' % (path, max_bytes)
    else:
        try:
            with open(path, 'rb') as handle:
                entry['content'] = kvfile.displayable(kvfile.decode(handle.read()))
        except (IOError, OSError) as exc:
            entry['error'] = '%s cannot be read: %s' % (path, exc)
    return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(paths=dict(type='list', elements='path', required=True),
                           max_bytes=dict(type='int', default=1048576)),
        supports_check_mode=True,
    )
    module.exit_json(changed=False, files=[read_file(path, module.params['max_bytes'])
                                           for path in module.params['paths']])


if __name__ == '__main__':
    main()
