# -*- coding: utf-8 -*-
"""bench_events: write one JSON line per play, task and host result to $BENCH_EVENTS_FILE.

A notification callback for bench/run.py: the normal stdout callback stays (its output goes to the
run's log), and this file gives the benchmark changed counts, failures and per-task timings without
parsing human output. Enabled by bench/run.py only:
  ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=bench_events
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: bench_events
type: aggregate
short_description: JSON lines of plays, tasks and results for the benchmark
description: Writes one JSON object per event to the file named by BENCH_EVENTS_FILE.
requirements: [BENCH_EVENTS_FILE set in the environment]
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        path = os.environ.get("BENCH_EVENTS_FILE")
        self._out = open(path, "a") if path else None
        self._play = ""

    def _emit(self, **event):
        if self._out is None:
            return
        event["t"] = round(time.time(), 3)
        self._out.write(json.dumps(event, sort_keys=True) + "\n")
        self._out.flush()

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()
        self._emit(ev="play", name=self._play)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit(ev="task", name=task.get_name(), play=self._play, uuid=task._uuid)

    def v2_playbook_on_handler_task_start(self, task):
        self._emit(ev="task", name=task.get_name(), play=self._play, uuid=task._uuid, handler=True)

    def _result(self, result, status):
        res = result._result
        self._emit(ev="result", status=status, host=result._host.get_name(),
                   task=result._task.get_name(), uuid=result._task._uuid, play=self._play,
                   changed=bool(res.get("changed", False)) and status == "ok")

    def v2_runner_on_ok(self, result):
        self._result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._result(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._emit(ev="stats", stats=dict((h, stats.summarize(h)) for h in hosts))
        if self._out is not None:
            self._out.close()
            self._out = None
