#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: prs_instance
short_description: Install a ProSync instance with prs_install.sh once, only when no evidence shows it installed
version_added: 0.2.0
description:
  - Runs C(. ./prs_install.sh) from C(<prs_home>/install) under bash (ProSync CM failover guide, section 4)
    for an instance that is not installed yet, and never again afterwards.
  - C(prs_install.sh) drops and re-creates the ProSync user, tablespace and objects on both databases, so the
    module refuses to run it, before any change, when this host's C(prs_instance.map) exists but cannot be
    read, when another agent host records the instance (O(recorded_on)), or when an earlier install started
    and never recorded the instance (its marker exists). O(force_reinstall) is the operator's explicit
    way past the last two.
  - The "install started" marker is written by the same remote command that runs the installer, so no
    interruption separates them; it is removed once the map lists the instance (also when a later run
    finds a finished install's marker still there).
  - The instance also counts as installed when an agent host holds the collection's install record
    (O(recorded_by)). Written on every agent host (O(record_only)) once the instance is installed, it keeps the
    install known when the install host is rebuilt and its map is gone (vendor-facts PRS-15).
  - C(prs_install.cfg) must be in place - either written before, or given as O(cfg_content), which the module writes
    first (mode C(0600) from the moment the file exists, atomically), before it decides anything.
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: The refusals are checked in check mode too; the installer is only planned (RV(commands)) and
      O(cfg_content) not written.
  diff_mode:
    support: full
    details: The installed state and marker before and after; the change of C(prs_install.cfg) only with
      O(cfg_diff=true) (passwords included).
options:
  prs_home:
    description:
      - ProSync home (E(PRS_HOME)); the map is C(<prs_home>/config/prs_instance.map).
      - Defaults to the E(PRS_HOME) environment variable of the remote user.
    type: path
  tb_home:
    description:
      - Tibero home, passed to the installer as E(TB_HOME).
      - Defaults to the E(TB_HOME) environment variable of the remote user.
    type: path
  instance_id:
    description: The ProSync instance id (C(INSTANCE_ID) of C(prs_install.cfg)).
    type: str
    required: true
  recorded_on:
    description:
      - The other agent hosts whose C(prs_instance.map) lists the instance (from M(tibero.cm.prs_instance_info)).
        When this host's map does not list it and this list is not empty, the install host has moved and the
        module refuses.
    type: list
    elements: str
    default: []
  recorded_by:
    description:
      - The agent hosts (this one included) that hold the collection's install record of the instance (from
        M(tibero.cm.prs_instance_info)). Any of them makes the instance installed although this host's map does
        not list it (the install host was rebuilt) and C(prs_install.sh) is not run again.
    type: list
    elements: str
    default: []
  record_only:
    description:
      - Do not decide or install, only write (or refresh) this host's install record of the instance, from
        O(install_host) and O(lists). Run on every agent host once the install host counts the instance as
        installed, so that the install survives the loss of any one host.
    type: bool
    default: false
  install_host:
    description: With O(record_only), the install host named in the record.
    type: str
  lists:
    description:
      - With O(record_only), the instance's agent lists as installed - C(ext) (one text per extract process),
        C(apply), C(llob) (texts of agent ids joined by C(delimiter), default C(,)), or lists of ids.
    type: dict
  cfg_content:
    description:
      - The whole text of C(<prs_home>/install/prs_install.cfg), passwords included (the installer reads them
        there, else it prompts; vendor-facts PRS-10), for example rendered on the controller with
        C(lookup('ansible.builtin.template', ...)). Written, when it differs or the mode is not C(0600), before the
        install decision, as the ProSync user running the module.
      - Never logged nor returned (C(no_log)); RV(cfg_changed) says whether it changed.
      - Not with O(record_only).
    type: str
  cfg_diff:
    description:
      - In diff mode, also return the change of C(prs_install.cfg) as a unified diff, B(passwords included). Only for
        a site that logs secrets on purpose (the role sets it from C(tibero_cm_secure_logging=false)).
    type: bool
    default: false
  force_reinstall:
    description:
      - DANGER. Run C(prs_install.sh) even though the instance is installed or an earlier install did not
        finish. It drops and re-creates the ProSync objects on both databases (replication starts from scratch).
    type: bool
    default: false
  marker:
    description:
      - The "install started" marker file. Defaults to C(<prs_home>/var/tibero_cm_prs_install_started_<instance_id>).
    type: path
  host:
    description: The name this host goes by in messages (the role passes its inventory name).
    type: str
  timeout:
    description: Seconds C(prs_install.sh) may run before it is killed and the task fails (V(0) = no limit).
    type: int
    default: 1800
notes:
  - Run it as the ProSync OS user (C(become_user)). Commands run with E(LC_ALL=C).
  - The values of the C(*_PWD) keys of C(prs_install.cfg) are replaced by C(********) in the installer's output
    and message that a failed install returns.
  - Whether the map lists the instance is decided by the instance id standing as a whole word in the file
    (its exact layout is not public; vendor-facts PRS rows).
seealso:
  - module: tibero.cm.prs_instance_info
'''

EXAMPLES = r'''
- name: Install the instance once (prs_install.cfg rendered before)
  tibero.cm.prs_instance:
    prs_home: /home/prosync/example
    tb_home: /home/tibero/tibero/tibero7
    instance_id: TAC2TAC
    recorded_on: []
  become: true
  become_user: prosync

- name: Write prs_install.cfg (0600) and install the instance once, in one call
  tibero.cm.prs_instance:
    prs_home: /home/prosync/example
    instance_id: TAC2TAC
    cfg_content: "{{ lookup('ansible.builtin.template', 'prs_install.cfg.j2') }}"
    recorded_on: []
  become: true
  become_user: prosync
'''

RETURN = r'''
installed:
  description: Whether the instance counts as installed after the run - the map lists it, or an agent host holds the install record (predicted in check mode).
  returned: success
  type: bool
ran_installer:
  description: Whether C(prs_install.sh) ran (in check mode, whether it would run).
  returned: success
  type: bool
marker_cleared:
  description: Whether a finished install's marker was removed.
  returned: success
  type: bool
record:
  description: With O(record_only), this host's install record as read before the run (C(path), C(exists), C(valid), C(lists), ...).
  returned: when O(record_only)
  type: dict
cfg_changed:
  description: Whether O(cfg_content) changed C(prs_install.cfg) (its text or its mode; predicted in check mode).
  returned: success, with O(cfg_content)
  type: bool
map:
  description: This host's C(prs_instance.map) as read before the run.
  returned: always
  type: dict
  sample: {"path": "/home/prosync/example/config/prs_instance.map", "exists": true, "readable": true,
           "listed": false, "error": null}
commands:
  description: The installer command run (planned, in check mode).
  returned: always
  type: list
  elements: list
  sample: [["/bin/bash", "-c", "printf ... && . ./prs_install.sh < /dev/null", "prs_install"]]
'''

import datetime
import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.tibero.cm.plugins.module_utils import prs_agent as pa
from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError, write_state_file
from ansible_collections.tibero.cm.plugins.module_utils.tibero_common import resource_name_problem
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed, Runner


def write_record(module):
    """record_only: this host's install record, rewritten only when its text differs (atomically)."""
    params = module.params
    path = pi.record_path(params['prs_home'], params['instance_id'])
    before = pi.read_record(path, params['instance_id'])
    text = pi.render_record(params['instance_id'], params['install_host'], params['lists'])
    changed = before['text'] != text
    result = dict(changed=changed, record=pi.shown_record(before), commands=[])
    if module._diff:
        result['diff'] = dict(before=before['text'] or '', after=text, before_header=path, after_header=path)
    if changed and not module.check_mode:
        try:
            write_state_file(path, text)
        except KvFileError as exc:
            module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


def write_cfg(module):
    """cfg_content into prs_install.cfg, 0600 from its creation: (changed, diff entry or None)."""
    path = pi.cfg_path(module.params['prs_home'])
    text = module.params['cfg_content']
    try:
        changed, before = pa.put_file(path, text, pi.CFG_MODE, module.check_mode)
    except KvFileError as exc:
        # The message names the file and the OS error, never the content.
        module.fail_json(msg=str(exc), changed=False, commands=[])
    diff = None
    if module._diff and module.params['cfg_diff'] and before != text:
        diff = dict(prepared=pa.prepared_diff(path, before, text))
    return changed, diff


def run_module(module):
    params = module.params
    instance_id = params['instance_id']
    prs_home = params['prs_home']
    if params['record_only']:
        if not params['install_host'] or params['lists'] is None:
            module.fail_json(msg='record_only needs install_host and lists', commands=[])
        if params['cfg_content'] is not None:
            module.fail_json(msg='cfg_content is for the install host, not with record_only', commands=[])
        write_record(module)
    cfg_changed, cfg_diff = write_cfg(module) if params['cfg_content'] is not None else (None, None)
    host = params['host'] or os.uname()[1]
    marker = params['marker'] or pi.default_marker(prs_home, instance_id)
    here = pi.read_map(pi.map_path(prs_home), instance_id)
    marker_exists = os.path.exists(marker)
    runner = Runner(module, env=dict(PRS_HOME=prs_home, TB_HOME=params['tb_home']), timeout=params['timeout'])
    result = dict(changed=bool(cfg_changed), installed=here['listed'], ran_installer=False, marker_cleared=False,
                  map=here, commands=runner.commands)
    if cfg_changed is not None:
        result['cfg_changed'] = cfg_changed
    try:
        decision = pi.install_decision(here, instance_id, params['recorded_on'], marker_exists,
                                       params['force_reinstall'], host, params['recorded_by'])
    except pi.InstallRefused as exc:
        module.fail_json(msg=str(exc), **result)

    if decision == 'installed':
        result['installed'] = True
        if not here['listed'] and not params['force_reinstall']:
            module.warn('%s: instance %s counts as installed from the install record on %s, but this host\'s %s does '
                        'not list it (a rebuilt install host): prs_install.sh was not run again. What it wrote on this '
                        'host besides (the instance\'s section of the map, config/%s/) is not restored by the '
                        'collection: restore it from a backup or by the vendor\'s procedure (vendor-facts PRS-15).'
                        % (host, instance_id, ', '.join(params['recorded_by']), here['path'], instance_id))
        if marker_exists:
            result.update(changed=True, marker_cleared=True)
            if not module.check_mode:
                os.remove(marker)
    else:
        argv, extra_env = pi.install_argv(marker, '%s %s' % (
            datetime.datetime.now(datetime.timezone.utc).isoformat(), host))
        result.update(changed=True, ran_installer=True, installed=True)
        if module.check_mode:
            runner.plan(argv)
        else:
            install(module, runner, argv, extra_env, marker, prs_home, instance_id, result)
    if module._diff:
        state = dict(before=dict(installed=here['listed'], marker=marker_exists),
                     after=dict(installed=result['installed'], marker=False))
        result['diff'] = [state, cfg_diff] if cfg_diff else state
    module.exit_json(**result)


def install(module, runner, argv, extra_env, marker, prs_home, instance_id, result):
    """Run the installer, then require the map to list the instance before clearing the marker."""
    marker_dir = os.path.dirname(marker)
    if not os.path.isdir(marker_dir):
        os.makedirs(marker_dir)
    runner.env.update(extra_env)
    try:
        runner.run(argv, what='prs_install.sh')
    except CommandFailed as exc:
        # What the installer printed (a failed connection may echo its arguments) is returned without
        # the cfg's passwords. Only here: masking them everywhere (no_log_values) would also hide an
        # instance id or user that happens to equal a password, as in the guide's own example.
        secrets = pi.cfg_secrets(pi.cfg_path(prs_home))
        failure = dict((key, pi.redact(value, secrets)) for key, value in exc.fail_kwargs().items())
        module.fail_json(changed=True, commands=runner.commands, **failure)
    after = pi.read_map(pi.map_path(prs_home), instance_id)
    if not after['listed']:
        module.fail_json(msg='prs_install.sh ended but %s does not list %s; see the $PRS_HOME/install logs. '
                         'The marker %s stays, so no later run installs again by itself.'
                         % (after['path'], instance_id, marker), changed=True, map=after, commands=runner.commands)
    os.remove(marker)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prs_home=dict(type='path', fallback=(env_fallback, ['PRS_HOME'])),
            tb_home=dict(type='path', fallback=(env_fallback, ['TB_HOME'])),
            instance_id=dict(type='str', required=True),
            recorded_on=dict(type='list', elements='str', default=[]),
            recorded_by=dict(type='list', elements='str', default=[]),
            record_only=dict(type='bool', default=False),
            install_host=dict(type='str'),
            lists=dict(type='dict'),
            cfg_content=dict(type='str', no_log=True),
            cfg_diff=dict(type='bool', default=False),
            force_reinstall=dict(type='bool', default=False),
            marker=dict(type='path'),
            host=dict(type='str'),
            timeout=dict(type='int', default=1800),
        ),
        supports_check_mode=True,
    )
    if not module.params['prs_home']:
        module.fail_json(msg='missing prs_home: set the option or the environment variable PRS_HOME', commands=[])
    # The id names the marker file: no path separator, no leading '-'.
    problem = resource_name_problem(module.params, 'instance_id', what='a ProSync instance id')
    if problem:
        module.fail_json(msg=problem, commands=[])
    run_module(module)


if __name__ == '__main__':
    main()
