# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One command runner for every tibero.cm module.

Vendor tools are always run from an argv list (never a shell string), with ``LC_ALL=C`` and the
Tibero / ProSync environment passed explicitly, so that the result never depends on a login
profile. Every command a module runs (or, in check mode, would run) is recorded in
``Runner.commands`` so that modules can return it as ``commands``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


class ToolNotFound(Exception):
    """The vendor tool is neither under the given home nor on PATH."""


def find_tool(module, tool, home=None, subdirs=('bin',)):
    """Return the absolute path of a vendor tool.

    Looks in ``<home>/<subdir>/<tool>`` for each subdir first, then on PATH.
    Raises ToolNotFound with a message that says where it looked.
    """
    looked = []
    if home:
        for sub in subdirs:
            candidate = os.path.join(home, sub, tool)
            looked.append(candidate)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    found = module.get_bin_path(tool, required=False)
    if found:
        return found
    looked.append('PATH')
    raise ToolNotFound('%s not found (looked in %s)' % (tool, ', '.join(looked)))


class CommandFailed(Exception):
    """A vendor command failed; carries what a fail_json needs."""

    def __init__(self, msg, cmd, rc, stdout, stderr):
        super(CommandFailed, self).__init__(msg)
        self.msg = msg
        self.cmd = cmd
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def fail_kwargs(self):
        return dict(msg=self.msg, cmd=self.cmd, rc=self.rc, stdout=self.stdout, stderr=self.stderr)


class Runner(object):
    """Runs vendor commands for one module invocation and records them.

    ``env`` holds the vendor environment (TB_HOME, CM_SID, PRS_HOME, ...); ``LC_ALL=C`` is always
    added. ``timeout`` (seconds, 0 = none) bounds every command so that a hung tool cannot hang the
    play.
    """

    def __init__(self, module, env=None, timeout=0):
        self.module = module
        self.env = dict((k, v) for k, v in (env or {}).items() if v is not None)
        self.env['LC_ALL'] = 'C'
        self.env['LANG'] = 'C'
        self.timeout = timeout
        self.commands = []

    def plan(self, argv):
        """Record a mutating command without running it (check mode)."""
        self.commands.append(list(argv))

    def run(self, argv, check_rc=True, data=None, success_marker=None, record=True, cwd=None,
            what=None):
        """Run ``argv``; return (rc, stdout, stderr).

        Fails (raises CommandFailed) when ``check_rc`` and rc != 0, or when ``success_marker`` is given
        and does not appear in stdout (give one only where a vendor document shows the text; else
        decide by reading the state again). ``data`` is written to stdin, then stdin is closed (how
        secrets and answers to prompts are passed: never argv); without ``data`` the command's stdin
        is /dev/null, so a prompt reads EOF instead of waiting. ``record=False`` keeps read-only
        probes out of ``commands``.
        """
        argv = [str(a) for a in argv]
        if record:
            self.commands.append(argv)
        kwargs = dict(environ_update=self.env, data=data or None, binary_data=False, cwd=cwd)
        if not data:
            stdin_at_eof()
        if self.timeout:
            argv_run = ['timeout', '--kill-after=5', str(int(self.timeout))] + argv
        else:
            argv_run = argv
        rc, out, err = self.module.run_command(argv_run, **kwargs)
        label = what or ' '.join(argv)
        if self.timeout and rc in (124, 137):
            raise CommandFailed('%s did not answer within %s seconds on %s'
                                % (label, self.timeout, _hostname()), argv, rc, out, err)
        if check_rc and rc != 0:
            raise CommandFailed('%s failed with rc=%s: %s' % (label, rc, _first_line(err) or _first_line(out)),
                                argv, rc, out, err)
        if success_marker is not None and success_marker not in out:
            raise CommandFailed('%s did not report "%s"' % (label, success_marker), argv, rc, out, err)
        return rc, out, err


def stdin_at_eof():
    """Point this process's stdin (fd 0) at /dev/null, so that the commands it runs inherit EOF.

    ``AnsibleModule.run_command`` pipes stdin only when ``data`` is non-empty; with ``data=None`` or
    ``''`` the child inherits the module's own stdin, which may be a pipe or a session that never
    ends: a vendor prompt (``cmrctl add db`` without ``--envfile``, ``tbdown clean``) would wait on
    it until the timeout. The module has read its arguments long before a command runs.
    """
    devnull = os.open(os.devnull, os.O_RDONLY)
    if devnull != 0:
        os.dup2(devnull, 0)
        os.close(devnull)


def _first_line(text):
    for line in (text or '').splitlines():
        if line.strip():
            return line.strip()
    return ''


def _hostname():
    try:
        return os.uname()[1]
    except Exception:  # pragma: no cover - every POSIX host has uname
        return 'this host'
