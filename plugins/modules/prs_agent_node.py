#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: prs_agent_node
short_description: Set up the ProSync agent of one node in one call - installer cfg, installer, CM script, CM parameters
version_added: 0.3.0
description:
  - The ProSync CM failover guide, steps 1-3, for the one agent of this node, in this order.
  - With O(instance_id) and O(expected_lists), first stops before any change when this host's install record of the
    instance has other agent lists than the model (as M(tibero.cm.prs_instance_info) with
    O(tibero.cm.prs_instance_info#module:expected_lists)).
  - Writes O(install_cfg) to C(<prs_home>/install/prs_install_agent.cfg) (mode C(0664), atomically).
  - Runs C(. ./prs_install_agent.sh) from C(<prs_home>/install) under bash exactly when
    M(tibero.cm.prs_agent_install) with O(tibero.cm.prs_agent_install#module:own_agent) would - this node's own
    agent entry changed in the cfg, its own outputs (C(config/prs_agent_<id>.cfg), C(config/prs_instance.map)) are
    missing, or O(force_install) (vendor-facts PRS-7, PRS-16).
  - Then writes O(cm_script_content) to O(cm_script) (mode C(0775), atomically), also after an installer that
    failed, because the installer rewrites every C(prs_<CM_ID>.sh) with its C(#!/bin/sh) version, which the CM cannot run
    (vendor-facts PRS-7), and this call does not return before the bash script is back.
  - Then sets O(params) in C(config/prs_agent_<id>.cfg) as M(tibero.cm.prs_agent_cfg) does (same checks, same
    editor, a backup with O(backup)). In check mode with the installer planned and the file missing, the plan is
    the parameters on an empty file.
  - With O(instance_id), finally reads this host's C(prs_instance.map), install marker and install record as
    M(tibero.cm.prs_instance_info) does, so that M(tibero.cm.prs_instance) can be given the agent hosts that record
    the instance without reading them again.
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: Plans the installer (RV(commands)) and every file change; writes nothing.
  diff_mode:
    support: full
    details: One entry per file (the installer cfg, the CM script, the agent cfg), the whole file before and after.
options:
  prs_home:
    description: ProSync home (E(PRS_HOME)). Defaults to the E(PRS_HOME) environment variable of the remote user.
    type: path
  tb_home:
    description: Tibero home, passed to the installer as E(TB_HOME). Defaults to the E(TB_HOME) environment variable.
    type: path
  agent_id:
    description:
      - The agent of this node. Its entry in O(install_cfg) and its outputs decide whether the installer runs here.
      - Letters, digits, C(_), C(.) and C(-), not starting with C(-), at most 64 characters (it names a file).
    type: str
    required: true
  install_cfg:
    description:
      - The whole text of C(prs_install_agent.cfg), every agent of the site (C(AGENT_CNT), C(AGENT_ID_i), ...;
        vendor-facts PRS-6), for example rendered on the controller with C(lookup('ansible.builtin.template', ...)).
      - It must hold an entry for O(agent_id).
    type: str
    required: true
  cm_script:
    description: The CM script of this node's agent (C(<prs_home>/bin/prs_<CM_ID>.sh), an absolute path).
    type: path
    required: true
  cm_script_content:
    description: The whole text of O(cm_script). Its first line must be a bash shebang (the CM runs it directly).
    type: str
    required: true
  params:
    description:
      - "CM parameters for C(prs_agent_<agent_id>.cfg), C({NAME: value}), checked and written as
        O(tibero.cm.prs_agent_cfg#module:params) of M(tibero.cm.prs_agent_cfg). Empty: the file is not touched."
    type: dict
    default: {}
  backup:
    description: Before changing C(prs_agent_<agent_id>.cfg), copy it to a time-stamped file next to it.
    type: bool
    default: true
  force_install:
    description: Run the installer even when nothing says it is needed.
    type: bool
    default: false
  instance_id:
    description: The ProSync instance of the site, whose map entry, marker and install record this host is read for.
    type: str
  expected_lists:
    description:
      - With O(instance_id), the model's agent lists of the instance (as
        O(tibero.cm.prs_instance_info#module:expected_lists)). When this host holds an install record with other
        lists, the task fails before any change. Leave it out to skip the check (no instance, or a forced reinstall).
    type: dict
  host:
    description: The name this host goes by in messages (the role passes its inventory name).
    type: str
  timeout:
    description: Seconds the installer may run before it is killed and the task fails (V(0) = no limit).
    type: int
    default: 300
notes:
  - Run it as the ProSync OS user (C(become_user)); the files it writes are that user's. Standard input is
    C(/dev/null); commands run with E(LC_ALL=C).
seealso:
  - module: tibero.cm.prs_agent_install
  - module: tibero.cm.prs_agent_cfg
  - module: tibero.cm.prs_instance_info
'''

EXAMPLES = r'''
- name: The agent of this node, installed and under CM failover
  tibero.cm.prs_agent_node:
    prs_home: /home/prosync/example
    tb_home: /home/tibero/tibero/tibero7
    agent_id: agent1
    install_cfg: "{{ lookup('ansible.builtin.template', 'prs_install_agent.cfg.j2') }}"
    cm_script: /home/prosync/example/bin/prs_0.sh
    cm_script_content: "{{ lookup('ansible.builtin.template', 'prs_cm_agent.sh.j2') }}"
    params:
      USE_CM: Y
      PRS_AGENT_PROC_MAX_FAIL_CNT: 10
    instance_id: TAC2TAC
    expected_lists: {ext: ['agent1,agent2'], apply: 'agent3,agent4', llob: 'agent3,agent4'}
  become: true
  become_user: prosync
  register: __agent_node
'''

RETURN = r'''
commands:
  description: The installer command run (planned, in check mode); empty when it does not run.
  returned: always
  type: list
  elements: list
  sample: [["/bin/bash", "-c", "cd \"$PRS_HOME/install\" && . ./prs_install_agent.sh", "prs_install_agent"]]
install:
  description:
    - Whether and why the installer ran - C(ran) (in check mode, would run), C(reasons) (C(own agent changed),
      C(outputs missing), C(forced)), C(missing) (this node's outputs missing before), C(other_agents_only) (the
      cfg changed, not this node's entry), C(stdout) (what it printed, when it ran).
  returned: always
  type: dict
files:
  description: Whether each file changed, by path (the installer cfg, the CM script, the agent cfg).
  returned: always
  type: dict
  sample: {"/home/prosync/example/install/prs_install_agent.cfg": false, "/home/prosync/example/bin/prs_0.sh": false}
agent_cfg:
  description:
    - The edit of C(prs_agent_<id>.cfg) as M(tibero.cm.prs_agent_cfg) returns it - C(path), C(changes), C(params),
      C(use_cm), C(restart_required), C(backup_file); null when O(params) is empty.
  returned: always
  type: dict
restart_required:
  description: A parameter of C(prs_agent_<id>.cfg) was added, changed or removed (the agent reads it at start).
  returned: always
  type: bool
instance:
  description:
    - With O(instance_id), what M(tibero.cm.prs_instance_info) returns - C(map), C(listed), C(marker), C(record),
      C(recorded) - read after the installer (which writes the map); null without O(instance_id).
  returned: always
  type: dict
diff:
  description: One entry per file, the whole file before and after, in diff mode.
  returned: diff mode
  type: list
  elements: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.tibero.cm.plugins.module_utils import prs_agent as pa
from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi
from ansible_collections.tibero.cm.plugins.module_utils.agent_script import shebang_problem
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError, check_keys, value_text
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed, Runner
from ansible_collections.tibero.cm.plugins.module_utils.tibero_common import resource_name_problem

INSTALL_CFG_MODE = 0o664
CM_SCRIPT_MODE = 0o775


class NodeFailed(Exception):
    """Stop with fail_json(**kwargs) after what was done so far is in the result."""

    def __init__(self, **kwargs):
        super(NodeFailed, self).__init__(kwargs.get('msg'))
        self.kwargs = kwargs


def check_options(params):
    """What must hold before anything is read or written; raises NodeFailed."""
    if not params['prs_home']:
        raise NodeFailed(msg='missing prs_home: set the option or the environment variable PRS_HOME')
    problem = resource_name_problem(params, 'agent_id', what='a ProSync agent id')
    if not problem and params['instance_id'] is not None:
        problem = resource_name_problem(params, 'instance_id', what='a ProSync instance id')
    if problem:
        raise NodeFailed(msg=problem)
    if params['agent_id'] not in pa.agent_entries(params['install_cfg']):
        raise NodeFailed(msg='install_cfg has no entry for agent %s (AGENT_CNT, AGENT_ID_i ...): the installer would '
                             'not write its outputs' % params['agent_id'])
    if not os.path.isabs(params['cm_script']):
        raise NodeFailed(msg='cm_script %s is not an absolute path (cmrctl needs one)' % params['cm_script'])
    problem = shebang_problem(params['cm_script_content'].split('\n', 1)[0])
    if problem:
        raise NodeFailed(msg='cm_script_content cannot be run by the CM: %s' % problem)
    try:
        check_keys(params['params'])
        wanted = dict((name, pa.checked_value(name, value_text(value))) for name, value in params['params'].items())
    except KvFileError as exc:
        raise NodeFailed(msg='params: %s' % exc)
    return wanted


class AgentNode(object):
    """One call: guard, installer cfg, installer, CM script, agent cfg, instance reading."""

    def __init__(self, module, wanted):
        self.module = module
        self.params = module.params
        self.wanted = wanted
        self.prs_home = self.params['prs_home']
        self.host = self.params['host'] or os.uname()[1]
        self.runner = Runner(module, env=dict(PRS_HOME=self.prs_home, TB_HOME=self.params['tb_home']),
                             timeout=self.params['timeout'])
        self.diffs = []
        self.result = dict(changed=False, commands=self.runner.commands, files={}, install=None, agent_cfg=None,
                           restart_required=False, instance=None)

    def put(self, path, text, mode):
        changed, before = pa.put_file(path, text, mode, self.module.check_mode)
        self.result['files'][path] = changed
        self.result['changed'] |= changed
        if self.module._diff:
            self.diffs.append(pa.file_diff(path, before, text))
        return changed, before

    def guard(self):
        """Before any change: an installed instance whose agent lists the model changes (check_lists)."""
        if self.params['instance_id'] is None or self.params['expected_lists'] is None:
            return
        instance_id = self.params['instance_id']
        record = pi.read_record(pi.record_path(self.prs_home, instance_id), instance_id)
        try:
            pi.check_lists(record, self.params['expected_lists'], instance_id, self.host)
        except pi.InstanceChangeRefused as exc:
            raise NodeFailed(msg=str(exc), record=pi.shown_record(record))

    def install(self):
        """The installer cfg, then the installer when this node's own entry changed or its outputs are missing."""
        path = os.path.join(self.prs_home, 'install', 'prs_install_agent.cfg')
        cfg_changed, previous = self.put(path, self.params['install_cfg'], INSTALL_CFG_MODE)
        agent = self.params['agent_id']
        missing = pa.missing_outputs(self.prs_home, [agent])
        own = dict(zip(('host', 'port', 'cm_group', 'cm_id'), pa.agent_entries(self.params['install_cfg'])[agent]),
                   id=agent)
        reasons, others_only = pa.decide(cfg_changed, self.params['force_install'], missing, own, previous)
        self.result['install'] = dict(ran=bool(reasons), reasons=reasons, missing=missing,
                                      other_agents_only=others_only)
        if not reasons:
            return
        self.result['changed'] = True
        if self.module.check_mode:
            self.runner.plan(pa.INSTALL_ARGV)
            return
        try:
            self.result['install']['stdout'] = pa.run_installer(self.runner, self.prs_home, [agent])
        except CommandFailed as exc:
            self.script(failing=True)
            raise NodeFailed(**exc.fail_kwargs())

    def script(self, failing=False):
        """The node's CM script with bash and its own AGENT_ID, right after the installer (PRS-7, PRS-16)."""
        try:
            self.put(self.params['cm_script'], self.params['cm_script_content'], CM_SCRIPT_MODE)
        except KvFileError as exc:
            if not failing:
                raise
            self.module.warn('%s: %s' % (self.params['cm_script'], exc))

    def agent_cfg(self):
        if not self.wanted:
            return
        # A --check run where the installer is only planned: its cfg does not exist yet, so the plan is the
        # parameters on an empty file. A real run never creates it: the installer must have written it.
        create = bool(self.module.check_mode and self.result['install']['ran'])
        edit = pa.edit_agent_cfg(self.module, pa.agent_cfg_path(self.prs_home, self.params['agent_id']), self.wanted,
                                 create=create, backup=self.params['backup'])
        diff = edit.pop('diff', None)
        if diff:
            self.diffs.append(diff)
        edit.pop('commands', None)
        self.result['files'][edit['path']] = edit.pop('changed')
        self.result['changed'] |= self.result['files'][edit['path']]
        self.result['agent_cfg'] = edit
        self.result['restart_required'] = edit['restart_required']

    def read_instance(self):
        """After the installer (it writes the map): what prs_instance_info returns."""
        instance_id = self.params['instance_id']
        if instance_id is None:
            return
        self.result['instance'] = pi.read_instance(self.prs_home, instance_id)[0]

    def run(self):
        self.guard()
        self.install()
        self.script()
        self.agent_cfg()
        self.read_instance()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prs_home=dict(type='path', fallback=(env_fallback, ['PRS_HOME'])),
            tb_home=dict(type='path', fallback=(env_fallback, ['TB_HOME'])),
            agent_id=dict(type='str', required=True),
            install_cfg=dict(type='str', required=True),
            cm_script=dict(type='path', required=True),
            cm_script_content=dict(type='str', required=True),
            params=dict(type='dict', default={}),
            backup=dict(type='bool', default=True),
            force_install=dict(type='bool', default=False),
            instance_id=dict(type='str'),
            expected_lists=dict(type='dict'),
            host=dict(type='str'),
            timeout=dict(type='int', default=300),
        ),
        supports_check_mode=True,
    )
    node = None
    try:
        node = AgentNode(module, check_options(module.params))
        node.run()
    except (NodeFailed, KvFileError) as exc:
        failure = exc.kwargs if isinstance(exc, NodeFailed) else dict(msg=str(exc))
        result = dict(node.result) if node else dict(changed=False, commands=[])
        if node and module._diff:
            result['diff'] = node.diffs
        result.update(failure)
        module.fail_json(**result)
    result = node.result
    if module._diff:
        result['diff'] = node.diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
