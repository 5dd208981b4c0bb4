#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: prs_info
short_description: Read the status of ProSync agents and processes from prs_adm
version_added: 0.1.0
description:
  - Runs the ProSync admin console C(<prs_home>/bin/prs_adm) with its C(status) command and returns
    what it prints as data (the ProSync CM failover guide, section 6).
  - By default the command is given as C(prs_adm -c status), the non-interactive form public ProSync 4
    scripts use. C(prs_adm) runs the one command and ends by itself, so no prompt or echoed command
    is parsed and the tool never waits for input. C(exit) is written to its standard input all the
    same, so a C(prs_adm) that does not know C(-c) and opens its console ends at once; its output
    then lacks the status listing and the task fails with the raw output.
  - With O(prs_adm_input=stdin) it writes C(status) and C(exit) to the console's standard input
    instead, as the guide's operator types them. For a site whose C(prs_adm) lacks C(-c).
  - Read-only; never reports a change and runs in check mode too.
  - Output it cannot read (no C(prs_agent ID:) line, or a status line in an unknown format) fails the
    task with the raw output in the message's C(stdout).
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: Read-only; runs C(prs_adm) in check mode as well.
  diff_mode:
    support: none
options:
  prs_home:
    description:
      - ProSync home. C(prs_adm) is run as C(<prs_home>/bin/prs_adm), else found on E(PATH).
      - Passed as E(PRS_HOME), with C(<prs_home>/bin) and C(<prs_home>/lib) in front of E(PATH) and
        E(LD_LIBRARY_PATH); no login profile is read.
      - Defaults to the E(PRS_HOME) environment variable of the remote user.
    type: path
  tb_home:
    description:
      - Tibero home, passed as E(TB_HOME) (ProSync uses the Tibero client libraries).
      - Defaults to the E(TB_HOME) environment variable of the remote user.
    type: path
  prs_adm_input:
    description:
      - How the C(status) command reaches C(prs_adm).
      - V(option) runs C(prs_adm -c status) (with C(exit) on standard input as a guard).
      - V(stdin) runs C(prs_adm) with C(status) and C(exit) on standard input.
      - Both outputs are read by the same parser; set it for every task with C(module_defaults).
    type: str
    choices: [option, stdin]
    default: option
  timeout:
    description:
      - Seconds C(prs_adm) may run before it is killed and the task fails (V(0) = no limit).
    type: int
    default: 60
notes:
  - Run it as the ProSync OS user (for example with C(become_user)).
  - Commands run with E(LC_ALL=C).
  - The ProSync environment is passed explicitly (see O(prs_home), O(tb_home)); C(prs_env) is not
    sourced, because its contents are not public and sourcing needs a shell.
seealso:
  - module: tibero.cm.prs_agent_cfg
  - module: tibero.cm.cmrctl_info
'''

EXAMPLES = r'''
- name: Read ProSync status
  tibero.cm.prs_info:
    prs_home: /home/prosync/example
    tb_home: /home/tibero/tibero/tibero7
  become: true
  become_user: prosync
  register: __prs
  check_mode: false

- name: Every agent and every process is running
  ansible.builtin.assert:
    that: __prs.all_running
    fail_msg: "{{ __prs.agents | rejectattr('running') | map(attribute='id') | list }} not running"
'''

RETURN = r'''
agents:
  description: One entry per C(prs_agent ID:) line.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Agent id.
      type: str
      sample: agent1
    host:
      description: Agent host.
      type: str
      sample: 172.19.0.11
    port:
      description: Agent port.
      type: int
      sample: 7600
    cm_group:
      description: CM group of the agent, null when not under CM.
      type: str
      sample: CM1
    cm_id:
      description: CM id of the agent, null when not under CM.
      type: int
      sample: 0
    running:
      description: Whether prs_adm says the agent is running.
      type: bool
      sample: true
instance_id:
  description: The (first) ProSync instance id, null when prs_adm prints none.
  returned: success
  type: str
  sample: TAC2TAC
instances:
  description: Every instance id, in the order printed.
  returned: success
  type: list
  elements: str
  sample: [TAC2TAC]
processes:
  description: One entry per ProSync process line (extract, apply, LOB).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Process name.
      type: str
      sample: TAC2TAC_ext1
    index:
      description: Thread index in parentheses, null when none.
      type: int
      sample: 1
    running:
      description: Whether the process is running.
      type: bool
      sample: true
    agent_id:
      description: Agent it runs on, null when not running.
      type: str
      sample: agent1
    host:
      description: That agent's host.
      type: str
      sample: 172.19.0.11
    port:
      description: That agent's port.
      type: int
      sample: 7600
    instance_id:
      description: Instance the process belongs to.
      type: str
      sample: TAC2TAC
all_running:
  description: True when every agent and every process is running.
  returned: success
  type: bool
  sample: true
commands:
  description: The command run (argv list).
  returned: always
  type: list
  elements: list
  sample: [[/home/prosync/example/bin/prs_adm, -c, status]]
'''

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.tibero.cm.plugins.module_utils.prs_adm import PrsAdmParseError, parse_status
from ansible_collections.tibero.cm.plugins.module_utils.runner import (
    CommandFailed, Runner, ToolNotFound, find_tool)

# How `status` reaches prs_adm (docs/vendor-facts.md PRS-1, PRS-2): (extra argv, stdin).
# `-c status` ends by itself; `exit` on stdin still ends a prs_adm that ignores -c and opens its console.
# On stdin: what an operator types, then leave (the console would wait for input otherwise).
STATUS_FORMS = {
    'option': (['-c', 'status'], 'exit\n'),
    'stdin': ([], 'status\nexit\n'),
}


def prepend_paths(dirs, current):
    return ':'.join(list(dirs) + [part for part in (current or '').split(':') if part and part not in dirs])


def prosync_env(prs_home, tb_home):
    """PRS_HOME / TB_HOME and the library and binary paths ProSync tools load from."""
    env = {}
    bins, libs = [], []
    if prs_home:
        env['PRS_HOME'] = prs_home
        bins.append(os.path.join(prs_home, 'bin'))
        libs.append(os.path.join(prs_home, 'lib'))
    if tb_home:
        env['TB_HOME'] = tb_home
        bins.append(os.path.join(tb_home, 'bin'))
        libs.extend([os.path.join(tb_home, 'lib'), os.path.join(tb_home, 'client', 'lib')])
    if bins:
        env['PATH'] = prepend_paths(bins, os.environ.get('PATH', '/usr/bin:/bin'))
        env['LD_LIBRARY_PATH'] = prepend_paths(libs, os.environ.get('LD_LIBRARY_PATH'))
    return env


def read_status(runner, prs_adm, form='option'):
    """Run prs_adm's `status` in `form` (STATUS_FORMS); return the parsed status. Raises CommandFailed."""
    args, data = STATUS_FORMS[form]
    argv = [prs_adm] + args
    rc, out, err = runner.run(argv, data=data, what='prs_adm status')
    try:
        return parse_status(out)
    except PrsAdmParseError as exc:
        raise CommandFailed('cannot read the output of prs_adm status: %s:\n%s' % (exc, exc.raw), argv, rc, out, err)


def all_running(status):
    return all(item['running'] for item in status['agents'] + status['processes'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prs_home=dict(type='path', fallback=(env_fallback, ['PRS_HOME'])),
            tb_home=dict(type='path', fallback=(env_fallback, ['TB_HOME'])),
            prs_adm_input=dict(type='str', default='option', choices=sorted(STATUS_FORMS)),
            timeout=dict(type='int', default=60),
        ),
        supports_check_mode=True,
    )
    params = module.params
    runner = Runner(module, env=prosync_env(params['prs_home'], params['tb_home']), timeout=params['timeout'])
    try:
        prs_adm = find_tool(module, 'prs_adm', home=params['prs_home'])
    except ToolNotFound as exc:
        module.fail_json(msg=str(exc), commands=[])
    try:
        status = read_status(runner, prs_adm, params['prs_adm_input'])
    except CommandFailed as exc:
        module.fail_json(commands=runner.commands, **exc.fail_kwargs())
    module.exit_json(changed=False, all_running=all_running(status), commands=runner.commands, **status)


if __name__ == '__main__':
    main()
