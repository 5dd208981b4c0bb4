# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every Tibero / CM module shares: options, the vendor environment, tools, reading ``cmrctl show``.

Modules build their argument spec from ``tibero_argument_spec()``, get a Runner from ``make_runner()``,
find ``$TB_HOME/bin`` tools with ``tibero_tool()``, and read the CM with ``read_show()`` (a read-only
probe: never listed in ``commands``). Failures are ``runner.CommandFailed``; ``run_module()`` is the
``main()`` skeleton: check the input, run, and turn a CommandFailed into ``fail()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show
from ansible_collections.tibero.cm.plugins.module_utils.runner import (
    CommandFailed, Runner, ToolNotFound, find_tool)

DEFAULT_TIMEOUT = 120
# A CM resource name (group, agent, service, cluster, network) as it goes into cmrctl's argv: no
# leading '-' (cmrctl would take it for an option), no blank or shell character, at most 64 characters.
RESOURCE_NAME_RE = re.compile(r'^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}\Z')
ENV_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*\Z')
# PATH when this process has none (the system default of a login shell).
DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin'


def tibero_argument_spec(cm_sid=True, tb_sid=False):
    """Options ``tb_home``, ``cm_sid`` / ``tb_sid`` (defaults from the environment) and ``timeout``."""
    spec = dict(
        tb_home=dict(type='path', fallback=(env_fallback, ['TB_HOME'])),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT),
    )
    if cm_sid:
        spec['cm_sid'] = dict(type='str', fallback=(env_fallback, ['CM_SID']))
    if tb_sid:
        spec['tb_sid'] = dict(type='str', fallback=(env_fallback, ['TB_SID']))
    return spec


def tip_path(tb_home, sid):
    """The tip file of a CM or DB SID: ``<tb_home>/config/<sid>.tip``."""
    return os.path.join(tb_home, 'config', '%s.tip' % sid)


def tibero_env(params, environ=None):
    """The environment Tibero tools need, from the module's parameters (no login profile involved).

    ``TB_HOME`` and ``CM_HOME`` (the same directory: the admin guide and every public script set both,
    vendor-facts ENV-1), ``CM_SID``, ``TB_SID`` when set, and ``$TB_HOME/bin`` / ``client/bin`` and
    ``lib`` / ``client/lib`` in front of PATH and LD_LIBRARY_PATH of ``environ`` (default: this process's;
    the vendor binaries load their libraries from there).
    """
    environ = os.environ if environ is None else environ
    env = {}
    tb_home = params.get('tb_home')
    for key, name in (('tb_home', 'TB_HOME'), ('tb_home', 'CM_HOME'), ('cm_sid', 'CM_SID'), ('tb_sid', 'TB_SID')):
        if params.get(key):
            env[name] = params[key]
    if tb_home:
        env['PATH'] = _prepend([os.path.join(tb_home, 'bin'), os.path.join(tb_home, 'client', 'bin')],
                               environ.get('PATH', DEFAULT_PATH))
        env['LD_LIBRARY_PATH'] = _prepend([os.path.join(tb_home, 'lib'), os.path.join(tb_home, 'client', 'lib')],
                                          environ.get('LD_LIBRARY_PATH', ''))
    return env


def login_env(params, account, environ=None, extra=None):
    """The whole environment a CM daemon starts with: what the Tibero user's login profile sets.

    The CM hands its environment on to every agent script and so to ``prs_agent`` (vendor-facts ENV-2),
    so ``tbcm -b`` gets neither Ansible's process environment nor ``LC_ALL=C``. It gets what a login
    gives ``account`` (a ``pwd`` entry: HOME, USER, LOGNAME, SHELL), the Tibero variables of
    ``tibero_env()`` (TB_HOME, CM_HOME, CM_SID, TB_SID, PATH, LD_LIBRARY_PATH), ``LANG`` as this process
    has it (a profile sets LANG from the system locale, never LC_ALL: the agents' tools keep the site's
    locale), then ``extra`` (the site's own variables, e.g. TB_NLS_LANG, PRS_HOME) over all of it.
    """
    environ = os.environ if environ is None else environ
    env = dict(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name,
               SHELL=account.pw_shell or '/bin/sh', PATH=environ.get('PATH', DEFAULT_PATH))
    if environ.get('LANG'):
        env['LANG'] = environ['LANG']
    env.update(tibero_env(params, environ))
    env.update(dict((k, '' if v is None else str(v)) for k, v in (extra or {}).items()))
    return env


def env_problem(extra):
    """A message for the first key of ``extra`` that is not an environment variable name, else None."""
    for key in sorted(extra or {}):
        if not ENV_NAME_RE.match(key):
            return 'daemon_env: %r is not an environment variable name (letters, digits, _)' % key
    return None


def env_argv(env_bin, env, argv):
    """``env -i K=V ... argv``: ``argv`` runs with exactly ``env`` (sorted, so the argv is stable)."""
    return [env_bin, '-i'] + ['%s=%s' % (k, env[k]) for k in sorted(env)] + list(argv)


def _prepend(dirs, current):
    parts = list(dirs) + [p for p in current.split(':') if p and p not in dirs]
    return ':'.join(parts)


def make_runner(module):
    """A Runner with the Tibero environment and the module's ``timeout``."""
    return Runner(module, env=tibero_env(module.params), timeout=module.params.get('timeout') or 0)


def require(module, *names):
    """fail_json unless every named parameter is set (e.g. cm_sid that came neither from args nor env)."""
    missing = [n for n in names if not module.params.get(n)]
    if missing:
        envs = dict(tb_home='TB_HOME', cm_sid='CM_SID', tb_sid='TB_SID')
        module.fail_json(msg='missing %s: set the option(s) or the environment variable(s) %s'
                         % (', '.join(missing), ', '.join(envs.get(n, n.upper()) for n in missing)))


def resource_name_problem(params, *keys, **kwargs):
    """A message for the first of ``keys`` that is set but is not a CM resource name, else None.

    ``what`` (keyword) names the kind of name in the message, e.g. 'a CM SID' for a tip file's name.
    """
    what = kwargs.get('what', 'a CM resource name')
    for key in keys:
        value = params.get(key)
        if value is not None and not RESOURCE_NAME_RE.match(value):
            return ('%s must be %s (letters, digits, _ . -, not starting with -, at most 64), got %r'
                    % (key, what, value[:80]))
    return None


def require_resource_names(module, *keys):
    """fail_json, before any command, unless every set parameter of ``keys`` is a CM resource name."""
    problem = resource_name_problem(module.params, *keys)
    if problem:
        module.fail_json(msg=problem, commands=[])


def tibero_tool(module, tool):
    """Absolute path of ``$TB_HOME/bin/<tool>`` (else from PATH); fail_json when neither has it."""
    try:
        return find_tool(module, tool, home=module.params.get('tb_home'))
    except ToolNotFound as exc:
        module.fail_json(msg=str(exc))


def read_show(runner, cmrctl, args, parse, down_ok=False):
    """Run ``cmrctl show <args>`` (not recorded in ``commands``) and parse its stdout with ``parse``.

    Raises CommandFailed on a non-zero exit (with ``down_ok``: returns None, the CM does not answer) or
    on output the parser does not know (the raw text is in the message and in ``stdout``).
    """
    argv = [cmrctl, 'show'] + list(args)
    rc, out, err = runner.run(argv, record=False, check_rc=not down_ok)
    if rc != 0:
        return None
    try:
        return parse(out)
    except cmrctl_show.ShowParseError as exc:
        raise CommandFailed('cannot read the output of %s: %s' % (' '.join(argv), exc), argv, rc, out, err)


def poll(read, done, timeout, interval=1.0, first=None):
    """Call ``read()`` until ``done(value)`` or ``timeout`` seconds passed; return the last value. ``first``: a
    value just read, taken as the first reading."""
    deadline = time.monotonic() + timeout
    value = read() if first is None else first
    while not done(value) and time.monotonic() < deadline:
        time.sleep(interval)
        value = read()
    return value


def fail(module, runner, exc, **extra):
    """fail_json from a CommandFailed, with the commands run so far."""
    kwargs = exc.fail_kwargs()
    kwargs.update(extra)
    kwargs['commands'] = runner.commands
    module.fail_json(**kwargs)


# What tbcm -b / tbcmobs -b print when the daemon did not come up, whatever their exit code.
STARTUP_FAILED = 'startup failed'


def run_module(module, make, problem=None, required=('cm_sid',)):
    """The skeleton of a module's ``main()``: fail before any command unless the ``required`` parameters
    are set and ``problem`` (an input error the module found) is None; then ``make(module).run()``. A
    CommandFailed fails with msg, cmd, rc, stdout, stderr and the commands run so far (``.runner``)."""
    require(module, *required)
    if problem:
        module.fail_json(msg=problem, commands=[])
    task = make(module)
    try:
        task.run()
    except CommandFailed as exc:
        # A task may add what it read to the failure (e.g. the observer's own cmrctl show).
        extras = task.failure_extras() if hasattr(task, 'failure_extras') else {}
        fail(module, task.runner, exc, **extras)


def result_diff(before, after):
    """The ``diff`` a module returns in diff mode."""
    return dict(before=before, after=after)
