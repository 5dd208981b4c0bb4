#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: prs_agent_install
short_description: Run prs_install_agent.sh when its configuration changed or its outputs are missing
version_added: 0.2.0
description:
  - Runs C(. ./prs_install_agent.sh) from C(<prs_home>/install) under bash (ProSync CM failover guide,
    section 1) when O(cfg_changed) or O(force), or when one of its outputs is missing on this host -
    C(config/prs_agent_<id>.cfg) of every agent of O(agent_ids) and C(config/prs_instance.map).
  - With O(own_agent) (the agent of this node), only this node's own outputs count (its agent's cfg and the
    map), and a changed cfg counts only when this node's own agent entry changed (O(previous_cfg) against
    the cfg now in place) - adding or removing an agent of another node does not run the installer here. The
    installer rewrites C(bin/prs_<CM_ID>.sh) of every agent with its C(#!/bin/sh) version (vendor-facts PRS-7),
    so not running it is what keeps this node's registered failover script a bash script at every moment
    (vendor-facts PRS-16).
  - Otherwise runs nothing. In check mode the run is planned and returned in RV(commands).
  - After a run every output must exist, else the task fails with the installer's output.
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
    description: ProSync home (E(PRS_HOME)). Defaults to the E(PRS_HOME) environment variable of the remote user.
    type: path
  tb_home:
    description: Tibero home, passed as E(TB_HOME). Defaults to the E(TB_HOME) environment variable.
    type: path
  agent_ids:
    description: Every agent of C(prs_install_agent.cfg) (the installer writes a cfg for each).
    type: list
    elements: str
    required: true
  cfg_changed:
    description: C(prs_install_agent.cfg) was changed by an earlier task of this run.
    type: bool
    default: false
  own_agent:
    description:
      - The agent of this node as this run writes it into C(prs_install_agent.cfg) - C(id), C(host)
        (C(AGENT_HOST)), C(port), C(cm_group), C(cm_id). Only its outputs and its own entry of the cfg decide
        whether the installer runs here (see the description).
    type: dict
  previous_cfg:
    description:
      - With O(own_agent), the text of C(prs_install_agent.cfg) before this run rewrote it (null when it did
        not exist, and a changed cfg then runs the installer).
    type: str
  force:
    description: Run the installer even when nothing says it is needed.
    type: bool
    default: false
  timeout:
    description: Seconds the installer may run before it is killed and the task fails (V(0) = no limit).
    type: int
    default: 300
notes:
  - Run it as the ProSync OS user (C(become_user)). Standard input is C(/dev/null); commands run with E(LC_ALL=C).
seealso:
  - module: tibero.cm.prs_agent_cfg
'''

EXAMPLES = r'''
- name: Install the agents when their cfg changed
  tibero.cm.prs_agent_install:
    prs_home: /home/prosync/example
    tb_home: /home/tibero/tibero/tibero7
    agent_ids: [agent1, agent2, agent3, agent4]
    cfg_changed: "{{ __cfg is changed }}"
  become: true
  become_user: prosync
'''

RETURN = r'''
missing:
  description: The installer's outputs that were missing before the run.
  returned: always
  type: list
  elements: str
reasons:
  description: Why the installer ran (or would run) - C(cfg changed), C(own agent changed), C(outputs missing),
    C(forced); empty when it did not.
  returned: always
  type: list
  elements: str
commands:
  description: The installer command run (planned, in check mode).
  returned: always
  type: list
  elements: list
  sample: [["/bin/bash", "-c", "cd \"$PRS_HOME/install\" && . ./prs_install_agent.sh", "prs_install_agent"]]
other_agents_only:
  description: The cfg changed, but not this node's own agent entry, so the installer did not run here.
  returned: always
  type: bool
stdout:
  description: What the installer printed.
  returned: when it ran
  type: str
'''

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.tibero.cm.plugins.module_utils.prs_agent import INSTALL_ARGV, decide, missing_outputs, run_installer
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed, Runner
from ansible_collections.tibero.cm.plugins.module_utils.tibero_common import resource_name_problem


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prs_home=dict(type='path', fallback=(env_fallback, ['PRS_HOME'])),
            tb_home=dict(type='path', fallback=(env_fallback, ['TB_HOME'])),
            agent_ids=dict(type='list', elements='str', required=True),
            cfg_changed=dict(type='bool', default=False),
            own_agent=dict(type='dict'),
            previous_cfg=dict(type='str'),
            force=dict(type='bool', default=False),
            timeout=dict(type='int', default=300),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params['prs_home']:
        module.fail_json(msg='missing prs_home: set the option or the environment variable PRS_HOME', commands=[])
    for agent in params['agent_ids']:
        problem = resource_name_problem(dict(agent_id=agent), 'agent_id', what='a ProSync agent id')
        if problem:
            module.fail_json(msg=problem, commands=[])
    own = params['own_agent']
    if own:
        problem = resource_name_problem(dict(agent_id=own.get('id')), 'agent_id', what='a ProSync agent id')
        if problem:
            module.fail_json(msg='own_agent.id: %s' % problem, commands=[])
    # This node's own outputs only, with own_agent: another node's agent cfg is written here only by a
    # run of the installer, which is exactly what must not happen for another node's agent.
    wanted = [own['id']] if own else params['agent_ids']
    missing = missing_outputs(params['prs_home'], wanted)
    why, others_only = decide(params['cfg_changed'], params['force'], missing, own, params['previous_cfg'])
    runner = Runner(module, env=dict(PRS_HOME=params['prs_home'], TB_HOME=params['tb_home']),
                    timeout=params['timeout'])
    result = dict(changed=bool(why), missing=missing, reasons=why, commands=runner.commands,
                  other_agents_only=others_only)
    if not why:
        module.exit_json(**result)
    if module.check_mode:
        runner.plan(INSTALL_ARGV)
        module.exit_json(**result)
    try:
        out = run_installer(runner, params['prs_home'], wanted)
    except CommandFailed as exc:
        module.fail_json(changed=True, missing=missing, reasons=why, commands=runner.commands, **exc.fail_kwargs())
    result['stdout'] = out
    module.exit_json(**result)


if __name__ == '__main__':
    main()
