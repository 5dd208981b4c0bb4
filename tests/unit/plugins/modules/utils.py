# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers for the unit tests of tibero.cm modules.

Pattern (the usual AnsibleModule test pattern):

    calls = FakeRunCommand([
        Step(['/opt/tb/bin/cmrctl', 'show'], out=SHOW_TEXT),
        Step(['/opt/tb/bin/cmrctl', 'add', 'group', ...], out='Resource add success! (group, CM1)'),
    ])
    result = run_module(cmrctl_group.main, {'name': 'CM1', ...}, calls)
    assert result['changed']
    calls.assert_all_used()

``run_module`` returns the exit_json arguments, or raises ``AnsibleFailJson`` (whose ``.result`` holds
the fail_json arguments) so a test can ``pytest.raises(AnsibleFailJson)``.
Each ``Step`` states the exact argv the module must run (after the Runner's ``timeout`` wrapper,
which is stripped and kept in ``Call.timeout``), and what the fake command prints and returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import stat

from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


class AnsibleExitJson(Exception):
    """Raised in place of module.exit_json; ``.result`` holds its arguments."""

    def __init__(self, result):
        super(AnsibleExitJson, self).__init__(result)
        self.result = result


class AnsibleFailJson(Exception):
    """Raised in place of module.fail_json; ``.result`` holds its arguments."""

    def __init__(self, result):
        super(AnsibleFailJson, self).__init__(result)
        self.result = result


def _exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise AnsibleExitJson(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs['failed'] = True
    kwargs['msg'] = msg
    raise AnsibleFailJson(kwargs)


@contextlib.contextmanager
def set_module_args(args):
    """Expose ``args`` to the AnsibleModule created inside the block (any ansible-core version)."""
    args = dict(args)
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        serialized = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield
        return
    with patch_module_args(args):
        yield


class Step(object):
    """One expected command: exact argv, and what it prints / returns.

    ``data`` (optional) is the exact stdin the module must feed (e.g. ``'y'`` for tbdown clean).
    ``effect`` (optional) is called before answering, e.g. to change the state a later show reads.
    """

    def __init__(self, argv, rc=0, out='', err='', data=None, effect=None):
        self.argv = [str(a) for a in argv]
        self.rc = rc
        self.out = out
        self.err = err
        self.data = data
        self.effect = effect

    def __repr__(self):
        return 'Step(%r)' % (self.argv,)


class Call(object):
    """What a module actually asked run_command to do."""

    def __init__(self, argv, timeout, kwargs):
        self.argv = argv
        self.timeout = timeout
        self.kwargs = kwargs

    @property
    def env(self):
        return self.kwargs.get('environ_update') or {}

    @property
    def data(self):
        return self.kwargs.get('data')


def _strip_timeout(argv):
    """Split the Runner's ``timeout --kill-after=5 N`` prefix off an argv."""
    if len(argv) >= 3 and os.path.basename(argv[0]) == 'timeout' and argv[1].startswith('--kill-after'):
        return argv[3:], int(argv[2])
    return argv, None


class FakeRunCommand(object):
    """A scripted AnsibleModule.run_command: answers ``steps`` in order, fails on anything else."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.calls = []

    def __call__(self, args, **kwargs):
        argv, timeout = _strip_timeout([str(a) for a in args])
        if os.path.basename(argv[0]) == 'lsattr':
            # AnsibleModule.atomic_move reading the replaced file's attributes (it ignores a failure): not a
            # command of the module's own, so it takes no step.
            return 1, '', 'lsattr: not answered in unit tests'
        self.calls.append(Call(argv, timeout, kwargs))
        if not self.steps:
            raise AssertionError('unexpected command (no more steps): %r' % (argv,))
        step = self.steps.pop(0)
        if argv != step.argv:
            raise AssertionError('unexpected command:\n  got      %r\n  expected %r' % (argv, step.argv))
        if step.data is not None and kwargs.get('data') != step.data:
            raise AssertionError('stdin for %r: got %r, expected %r' % (argv, kwargs.get('data'), step.data))
        if step.effect is not None:
            step.effect()
        return step.rc, step.out, step.err

    def assert_all_used(self):
        assert not self.steps, 'commands expected but never run: %r' % (self.steps,)

    @property
    def argvs(self):
        return [c.argv for c in self.calls]


def run_module(main, args, run_command=None, check_mode=False, diff=False):
    """Run a module's ``main()`` with ``args``; return exit_json's arguments.

    ``check_mode`` / ``diff`` set the internal ``_ansible_check_mode`` / ``_ansible_diff`` flags.
    ``run_command`` is a FakeRunCommand (or any callable with its signature); without one, any
    command the module runs fails the test.
    """
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    fake = run_command if run_command is not None else FakeRunCommand([])

    def _run_command(module_self, argv, **kwargs):
        return fake(argv, **kwargs)

    with set_module_args(args):
        with mock.patch.multiple(basic.AnsibleModule, exit_json=_exit_json, fail_json=_fail_json,
                                 run_command=_run_command):
            try:
                main()
            except AnsibleExitJson as exc:
                return exc.result
    raise AssertionError('module returned without calling exit_json or fail_json')


def make_tool(directory, name, body='#!/bin/sh\nexit 0\n'):
    """Create an executable file ``directory/name`` (a stand-in vendor tool); return its path."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    path = os.path.join(directory, name)
    with open(path, 'w') as handle:
        handle.write(body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def make_tb_home(root, tools=('cmrctl', 'tbcm', 'tbcmobs', 'tbboot', 'tbdown')):
    """Create a fake ``$TB_HOME`` under ``root`` with executable stand-ins in ``bin/``; return it."""
    tb_home = os.path.join(str(root), 'tibero7')
    for tool in tools:
        make_tool(os.path.join(tb_home, 'bin'), tool)
    return tb_home


def read_fixture(name):
    """Text of ``tests/unit/fixtures/<name>``."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, '..', '..', 'fixtures', name)
    with open(path) as handle:
        return handle.read()
