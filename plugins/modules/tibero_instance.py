#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tibero_instance
short_description: Start or stop a Tibero DB instance (tbboot / tbdown)
version_added: 0.1.0
description:
  - Brings the instance O(tb_sid) to O(state), idempotently, with C(tbboot [mode]) or C(tbdown [mode]).
  - The current state comes from the CM when the instance is a C(db) resource of this node's CM
    (C(cmrctl show) lists it C(UP(NRML)), C(UP(MOUNT)), C(UP(RECO))... or C(DOWN)); otherwise from the
    C(tbsvr) process of O(tb_sid). After a boot the module waits until the instance is up in the wanted
    mode (O(wait_timeout)); after a shutdown, until it is down.
  - C(tbdown clean) asks for a confirmation; the module answers it on stdin.
  - C(tbboot) hangs when its output is not a terminal (the vendor's own Pacemaker agent, Tmax-Soft/ocf-tibero,
    runs it under C(script) for that reason), and Ansible gives commands pipes. So by default
    (O(use_pty=true)) it runs as C(script -q -e -c '<tbboot> [mode]' /dev/null). util-linux C(script)
    (package C(util-linux) on RHEL, C(bsdutils) on Debian/Ubuntu, both installed by default) gives it a
    pseudo-terminal, C(-e) returns tbboot's exit code, C(-q) and C(/dev/null) keep no typescript.
    Its stdout then carries stderr too (a terminal has one output).
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  tb_sid:
    description:
      - SID of the instance (E(TB_SID)); its tip file is C($TB_HOME/config/<tb_sid>.tip) and, when the CM
        manages it, it is the name of its C(db) resource.
      - Defaults to the E(TB_SID) environment variable of the remote user.
    type: str
  state:
    description: V(started) boots the instance when it is down; V(stopped) shuts it down when it is up.
    type: str
    choices: [started, stopped]
    default: started
  boot_mode:
    description:
      - Mode for C(tbboot) (V(normal) runs plain C(tbboot)).
      - When set and the instance is already up in another mode, the task fails instead of restarting it.
        When not set, any up mode counts as started and a boot is NORMAL.
    type: str
    choices: [normal, mount, nomount, recovery]
  down_mode:
    description:
      - Mode for C(tbdown) (V(normal) runs plain C(tbdown), which waits for every session to end).
      - V(abort) and V(abnormal) leave the database needing recovery. V(clean) answers C(y) to its question.
    type: str
    choices: [normal, post_tx, immediate, switchover, abort, abnormal, clean]
    default: immediate
  use_pty:
    description:
      - Run C(tbboot) under a pseudo-terminal (C(script -q -e -c 'tbboot ...' /dev/null)); the task fails
        before any command when C(script) is not on the remote PATH.
      - V(false) runs C(tbboot) with pipes; only for a C(tbboot) known not to hang without a terminal.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait after C(tbboot) / C(tbdown) for the instance to be up (open) / down.
    type: int
    default: 60
  wait_cm_listing:
    description:
      - With O(state=started) and O(cm_sid), the instance counts as started only once this node's C(cmrctl show)
        lists its C(db) resource up (C(UP(NRML)) for a normal boot), not by its C(tbsvr) process alone (what the
        next node of a rolling restart needs before it stops). An instance already up by its process is waited
        for (O(wait_timeout)) without a second boot.
    type: bool
    default: false
  serving_peers:
    description:
      - With O(state=stopped), the other instances of the cluster (their SIDs) that must be C(UP(NRML)) in
        C(cmrctl show all) before this one is shut down, so that the cluster keeps serving. When one is not, the task
        fails before any command (nothing stopped).
      - Only an instance that C(cmrctl show all) itself lists C(UP(NRML)) is guarded; one already down (or whose
        CM does not answer) takes no service away by staying down.
    type: list
    elements: str
    default: []
  restart_marker:
    description:
      - A file that says the node is down on purpose (a restart under way), so that an interrupted run finishes
        the restart next time (M(tibero.cm.tibero_node_info) reads it).
      - With O(state=stopped), written (C(<cm_sid> <tb_sid>), its directory created C(0755) when missing) before
        any command; with O(state=started), removed once the instance is up. Neither counts as a change, nor
        happens in check mode.
    type: path
attributes:
  check_mode:
    support: full
    details: The command that would run is returned in RV(commands).
  diff_mode:
    support: full
notes:
  - With O(cm_sid) (or E(CM_SID)) set, a CM-managed instance is read from C(cmrctl show). Boot the CM first
    (M(tibero.cm.tibero_cm_service)); a CM-managed instance does not boot while its CM is down.
seealso:
  - module: tibero.cm.tibero_cm_service
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Boot the instance (under a pseudo-terminal, as tbboot needs)
  tibero.cm.tibero_instance:
    tb_sid: tibero1
    cm_sid: cm_tibero1
    state: started
  become: true
  become_user: tibero

- name: One node of a rolling restart - stop only while the other instance serves, marking the restart
  tibero.cm.tibero_instance:
    tb_sid: tibero2
    cm_sid: cm_tibero2
    state: stopped
    serving_peers: [tibero1]
    restart_marker: /var/tmp/tibero_cm/restart-in-progress
  become: true
  become_user: tibero

- name: Shut the instance down, cleaning up its resources
  tibero.cm.tibero_instance:
    tb_sid: tibero1
    state: stopped
    down_mode: clean
'''

RETURN = r'''
commands:
  description: The argv run (planned, in check mode); empty when the instance was already in O(state).
  returned: always
  type: list
  elements: list
  sample: [["/usr/bin/script", "-q", "-e", "-c", "/home/tibero/tibero7/bin/tbboot", "/dev/null"]]
state:
  description: V(started) or V(stopped) after the run (predicted in check mode).
  returned: always
  type: str
  sample: started
status:
  description: The instance status after the run, as the CM prints it (C(UP(NRML)), C(UP(MOUNT)), C(DOWN)...).
  returned: always
  type: str
  sample: UP(NRML)
mode:
  description: The mode the instance is up in (V(normal), V(mount), V(nomount), V(recovery)), or null when down.
  returned: always
  type: str
  sample: normal
state_source:
  description: Where the state was read, V(cm) (C(cmrctl show)) or V(process) (the C(tbsvr) process).
  returned: always
  type: str
  sample: cm
marker:
  description: What happened to O(restart_marker) - V(written), V(removed), or null (not given, nothing to remove,
    or check mode).
  returned: always
  type: str
  sample: written
diff:
  description: State and mode before and after.
  returned: in diff mode
  type: dict
  sample: {"before": {"state": "stopped", "mode": null}, "after": {"state": "started", "mode": "normal"}}
'''

import os

from ansible.module_utils.basic import AnsibleModule

try:
    from shlex import quote as shlex_quote
except ImportError:  # Python 2
    from pipes import quote as shlex_quote

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import node_state
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError, write_state_file
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed, ToolNotFound, find_tool

# CM STATUS of a db resource -> boot mode.
STATUS_MODES = {'UP(NRML)': 'normal', 'UP(MOUNT)': 'mount', 'UP(NOMT)': 'nomount', 'UP(RECO)': 'recovery',
                'UP(FAILOVER)': 'normal', 'UP': 'normal'}
MODE_STATUSES = {'normal': 'UP(NRML)', 'mount': 'UP(MOUNT)', 'nomount': 'UP(NOMT)', 'recovery': 'UP(RECO)'}
BOOT_FAILED = 'BOOT FAILED'
CLEAN_ANSWER = 'y'


class PlanError(Exception):
    """The wanted state cannot be reached without a step the user did not ask for."""


# ---------------------------------------------------------------------------------------------------
# pure functions


def state_from_status(status, source):
    """{state, status, mode, state_source} from a CM-style STATUS."""
    status = status.upper()
    if status.startswith('UP'):
        return dict(state='started', status=status, mode=STATUS_MODES.get(status), state_source=source)
    return dict(state='stopped', status=status, mode=None, state_source=source)


def tbsvr_mode(processes, sid, tb_home=None):
    """The ``-t`` mode of the live ``tbsvr`` of ``sid`` among ``processes`` [(comm, argv, TB_HOME)], '' if none.

    Matches a process named tbsvr / tbsvr_* (by comm or argv[0]) whose argv has ``-SVR_SID <sid>`` and,
    when both are known, whose TB_HOME is ``tb_home`` (two homes on one host may use the same SID).
    """
    for comm, argv, proc_home in processes:
        if tb_home and proc_home and os.path.normpath(proc_home) != os.path.normpath(tb_home):
            continue
        names = (comm, os.path.basename(argv[0]) if argv else '')
        if not any(n == 'tbsvr' or n.startswith('tbsvr_') for n in names):
            continue
        if _option(argv, '-SVR_SID') == sid:
            return (_option(argv, '-t') or 'NORMAL').lower()
    return ''


def _option(argv, name):
    if name in argv and argv.index(name) + 1 < len(argv):
        return argv[argv.index(name) + 1]
    return None


def plan(current, state, boot_mode):
    """[] or ['boot'] or ['down'] taking ``current`` to ``state``; PlanError for an instance up in another mode."""
    if state == 'stopped':
        return ['down'] if current['state'] == 'started' else []
    if current['state'] == 'stopped':
        return ['boot']
    if boot_mode and current['mode'] != boot_mode:
        raise PlanError('instance is up in %s mode (%s), not %s; shut it down first (state=stopped) to boot it '
                        'in %s mode' % (current['mode'], current['status'], boot_mode, boot_mode))
    return []


def boot_argv(tbboot, boot_mode, script=None):
    """``tbboot [mode]``, wrapped in ``script -q -e -c`` when a pseudo-terminal is wanted."""
    argv = [tbboot] + ([boot_mode] if boot_mode and boot_mode != 'normal' else [])
    if script:
        return [script, '-q', '-e', '-c', ' '.join(shlex_quote(a) for a in argv), '/dev/null']
    return argv


def down_argv(tbdown, down_mode):
    return [tbdown] + ([down_mode] if down_mode != 'normal' else [])


def reached(current, state, boot_mode, cm_listed=False):
    """Whether ``current`` is ``state`` (in ``boot_mode``); with ``cm_listed``, a start counts only as the CM lists it."""
    if state == 'stopped':
        return current['state'] == 'stopped'
    return (current['state'] == 'started' and (boot_mode is None or current['mode'] == boot_mode)
            and (not cm_listed or current['state_source'] == 'cm'))


def peers_not_serving(parsed, sid, peers):
    """The SIDs of ``peers`` that ``cmrctl show all`` (``parse_nodes``) does not list UP(NRML), or [] when ``sid``
    itself is not listed UP(NRML) there (a node already down takes no service away: nothing to guard)."""
    resources = (parsed or {}).get('resources', [])

    def serving(name):
        # The rule tibero_node_info's node_up applies to a node's own DB: its one db row is UP(NRML).
        return node_state.db_statuses(resources, name) == [node_state.OPEN_STATUS]
    if not serving(sid):
        return []
    return [peer for peer in peers if not serving(peer)]


# ---------------------------------------------------------------------------------------------------
# module


def list_processes():
    """[(comm, argv, TB_HOME or None)] of every process this user can see, from /proc."""
    processes = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % pid) as handle:
                comm = handle.read().strip()
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                argv = [a.decode('utf-8', 'replace') for a in handle.read().split(b'\0') if a]
        except (IOError, OSError):
            continue  # the process ended meanwhile, or is not ours to read
        processes.append((comm, argv, _environ_tb_home(pid)))
    return processes


def _environ_tb_home(pid):
    """TB_HOME in a process's environment, or None (not set, or not readable by this user)."""
    try:
        with open('/proc/%s/environ' % pid, 'rb') as handle:
            for entry in handle.read().split(b'\0'):
                if entry.startswith(b'TB_HOME='):
                    return entry[len(b'TB_HOME='):].decode('utf-8', 'replace')
    except (IOError, OSError):
        pass
    return None


class Instance(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.runner = tc.make_runner(module)
        self.sid = self.params['tb_sid']
        self.cmrctl = self._optional_tool('cmrctl') if self.params['cm_sid'] else None

    def _optional_tool(self, tool):
        try:
            return find_tool(self.module, tool, home=self.params['tb_home'])
        except ToolNotFound:
            return None

    def read(self):
        """The instance's state from the CM when it manages it (and answers), else from the process list."""
        if self.cmrctl:
            parsed = tc.read_show(self.runner, self.cmrctl, [], cs.parse_nodes, down_ok=True)
            if parsed is not None:
                row = cs.find_resource(parsed['resources'], 'db', self.sid, node=cs.local_node(parsed))
                if row is not None:
                    return state_from_status(row['status'], 'cm')
        mode = tbsvr_mode(list_processes(), self.sid, self.params['tb_home'])
        return state_from_status(MODE_STATUSES.get(mode, 'UP') if mode else 'DOWN', 'process')

    def run(self):
        state, boot_mode = self.params['state'], self.params['boot_mode']
        current = self.read()
        try:
            actions = plan(current, state, boot_mode)
        except PlanError as exc:
            self.module.fail_json(msg='%s: %s' % (self.sid, exc), commands=[], **current)
        if state == 'stopped' and self.params['serving_peers']:
            self.guard_peers()
        marker = self.mark('written') if state == 'stopped' else None
        after = current
        if actions:
            after = self.predicted(state, boot_mode, current['state_source'])
            argv, data = self.command(actions[0])
            if self.module.check_mode:
                self.runner.plan(argv)
            else:
                after = self.execute(argv, data, state, boot_mode)
        elif state == 'started' and not self.module.check_mode and not self.reached(current, state, boot_mode):
            after = self.wait(None, current, state, boot_mode)
        if state == 'started':
            marker = self.mark('removed')
        result = dict(changed=bool(actions), commands=self.runner.commands, marker=marker, **after)
        if self.module._diff:
            result['diff'] = tc.result_diff(dict(state=current['state'], mode=current['mode']),
                                            dict(state=after['state'], mode=after['mode']))
        self.module.exit_json(**result)

    def reached(self, current, state, boot_mode):
        return reached(current, state, boot_mode, self.params['wait_cm_listing'] and self.cmrctl is not None)

    def guard_peers(self):
        """Fail before any command when stopping this instance would leave its cluster without a serving peer."""
        parsed = tc.read_show(self.runner, self.cmrctl, ['all'], cs.parse_nodes, down_ok=True) if self.cmrctl else None
        missing = peers_not_serving(parsed, self.sid, self.params['serving_peers'])
        if missing:
            self.module.fail_json(
                msg='refusing to stop %s: the cluster would lose service; not UP(NRML) in cmrctl show all: %s. '
                    'Nothing was stopped.' % (self.sid, ', '.join(missing)),
                commands=self.runner.commands, changed=False, peers_not_serving=missing)

    def mark(self, what):
        """Write ('written') or remove ('removed') the restart marker; what was done, or None."""
        path = self.params['restart_marker']
        if not path or self.module.check_mode or (what == 'removed' and not os.path.lexists(path)):
            return None
        try:
            if what == 'written':
                write_state_file(path, '%s %s\n' % (self.params['cm_sid'] or '', self.sid))
            else:
                os.unlink(path)
        except (KvFileError, IOError, OSError) as exc:
            self.module.fail_json(msg='%s: the restart marker %s could not be %s: %s'
                                  % (self.sid, path, what, getattr(exc, 'strerror', None) or exc),
                                  commands=self.runner.commands, changed=bool(self.runner.commands))
        return what

    def predicted(self, state, boot_mode, source):
        if state == 'stopped':
            return state_from_status('DOWN', source)
        return state_from_status(MODE_STATUSES[boot_mode or 'normal'], source)

    def command(self, action):
        """(argv, stdin) of 'boot' or 'down'."""
        if action == 'boot':
            script = self.pty_tool() if self.params['use_pty'] else None
            return boot_argv(tc.tibero_tool(self.module, 'tbboot'), self.params['boot_mode'], script), None
        down_mode = self.params['down_mode']
        return down_argv(tc.tibero_tool(self.module, 'tbdown'), down_mode), (CLEAN_ANSWER if down_mode == 'clean'
                                                                             else None)

    def pty_tool(self):
        """util-linux ``script``, which gives tbboot its terminal; fail_json, before any change, without it."""
        script = self.module.get_bin_path('script')
        if not script:
            self.module.fail_json(msg="%s: use_pty=true runs tbboot under util-linux 'script' (tbboot hangs without "
                                  "a terminal), which is not on the PATH; install util-linux (RHEL) or bsdutils "
                                  "(Debian/Ubuntu)" % self.sid, commands=self.runner.commands)
        return script

    def execute(self, argv, data, state, boot_mode):
        rc, out, err = self.runner.run(argv, data=data)
        if BOOT_FAILED in out:
            raise CommandFailed('%s reported BOOT FAILED' % ' '.join(argv), argv, rc, out, err)
        return self.wait((argv, rc, out, err), None, state, boot_mode)

    def wait(self, ran, current, state, boot_mode):
        """Read again until ``state`` is reached (wait_timeout); fail saying what was read last. ``ran``: the
        (argv, rc, stdout, stderr) of the command just run, or None when none was needed."""
        current = tc.poll(self.read, lambda c: self.reached(c, state, boot_mode), self.params['wait_timeout'],
                          first=current)
        if not self.reached(current, state, boot_mode):
            seen = current['status']
            if self.params['wait_cm_listing'] and current['state'] == 'started' and current['state_source'] != 'cm':
                seen += ' by its process, not listed by cmrctl show'
            if ran is None:
                self.module.fail_json(msg='%s: the instance is %s after %s seconds'
                                      % (self.sid, seen, self.params['wait_timeout']),
                                      commands=self.runner.commands, changed=False)
            argv, rc, out, err = ran
            self.module.fail_json(msg='%s: %s returned but the instance is %s after %s seconds'
                                  % (self.sid, ' '.join(argv), seen, self.params['wait_timeout']),
                                  cmd=argv, rc=rc, stdout=out, stderr=err, commands=self.runner.commands,
                                  changed=True)
        return current


def main():
    argument_spec = tc.tibero_argument_spec(tb_sid=True)
    argument_spec.update(
        state=dict(type='str', default='started', choices=['started', 'stopped']),
        boot_mode=dict(type='str', choices=['normal', 'mount', 'nomount', 'recovery']),
        down_mode=dict(type='str', default='immediate',
                       choices=['normal', 'post_tx', 'immediate', 'switchover', 'abort', 'abnormal', 'clean']),
        use_pty=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=60),
        wait_cm_listing=dict(type='bool', default=False),
        serving_peers=dict(type='list', elements='str', default=[]),
        restart_marker=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tc.run_module(module, Instance, required=('tb_sid',))


if __name__ == '__main__':
    main()
