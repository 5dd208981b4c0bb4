# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback (tests/reliability, never shipped): kill ansible-playbook at a chosen point.

It stands in for an operator's Ctrl-C, a dropped SSH session or a controller that dies: when the
event named by TCM_REL_KILL_AT happens, the whole process group of ansible-playbook (the
controller, its forked workers and their `docker exec` clients) gets SIGKILL, with no chance to run
a rescue, an always or a handler. Whatever a module already started inside a container runs on, as
it would on a real node whose controller vanished.

TCM_REL_KILL_AT = <event>::<task name substring>[::<host>]  (task names contain '|')
  event: ``ok`` (the task finished on that host: the state right after it), ``start`` (the task
  was just sent to that host: the module runs while the controller dies) or ``task`` (the play
  reached the task and no host has started it: the state between the previous task and this one).
Before killing, the point is appended to TCM_REL_KILL_LOG (so the test knows it was reached).
The collection has no test-only code path: this plugin is enabled only by the tests
(ANSIBLE_CALLBACK_PLUGINS + ANSIBLE_CALLBACKS_ENABLED).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: tcm_rel_interrupt
    type: aggregate
    short_description: kill ansible-playbook at a chosen task (reliability tests only)
    description: see the module docstring.
    requirements:
      - TCM_REL_KILL_AT in the environment
'''

import os
import signal
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'tcm_rel_interrupt'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        spec = os.environ.get('TCM_REL_KILL_AT', '')
        parts = spec.split('::') if spec else []
        self._event = parts[0] if parts else None
        self._task = parts[1] if len(parts) > 1 else None
        self._host = parts[2] if len(parts) > 2 and parts[2] else None
        self._log = os.environ.get('TCM_REL_KILL_LOG')

    def _matches(self, event, task, host):
        return (self._event == event and self._task is not None and self._task in task.get_name()
                and (self._host is None or host.get_name() == self._host))

    def _kill(self, task, host):
        if self._log:
            with open(self._log, 'a') as handle:
                handle.write('%.3f %s|%s|%s\n' % (time.time(), self._event, task.get_name(),
                                                  host.get_name() if host is not None else '-'))
        if self._event == 'start':
            # Let the worker hand the module to the container before the controller dies.
            time.sleep(float(os.environ.get('TCM_REL_START_DELAY', '0.5')))
        os.killpg(os.getpgrp(), signal.SIGKILL)

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self._event == 'task' and self._task and self._task in task.get_name():
            self._kill(task, None)

    def v2_runner_on_start(self, host, task):
        if self._matches('start', task, host):
            self._kill(task, host)

    def v2_runner_on_ok(self, result):
        if self._matches('ok', result._task, result._host):
            self._kill(result._task, result._host)
