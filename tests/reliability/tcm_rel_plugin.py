# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest plugin of `make reliability` (loaded with ``-p tcm_rel_plugin``, PYTHONPATH=tests/reliability).

* the ``lab`` session fixture: one fresh 4-node lab (prefix tcm-rel; test_9_add_node.py, last, adds a
  fifth node) shared by tests/badinput and
  tests/reliability, taken down at the end (TCM_REL_KEEP=1 keeps it; TCM_REL_REUSE=1 reuses a running
  one instead of making it fresh: for developing a single test only);
* the ``figure(kind)`` marker: every test counts towards one figure, and the session ends with the
  one-line summary ``reliability: interruption points survived a/b, bad inputs rejected c/d, ...``,
  also written to build/reliability-figures.txt.
"""

from __future__ import absolute_import, division, print_function

import os
import tempfile
import time

import pytest

import lablib

FIGURES = [
    ('interruption', 'interruption points survived'),
    ('badinput', 'bad inputs rejected'),
    ('secrets', 'secret-leak checks'),
    ('faults', 'fault checks (node down, health gate, concurrent runs, hangs, lock, unreadable map, check mode)'),
    ('day2', 'day-2 checks (audit, retire an agent)'),
    ('change', 'change checks (agent parameters, decommission)'),
    ('nodes', 'node checks (agent-list guard, install host rebuilt, node added)'),
    ('rights', 'sudo-rights checks'),
    ('mitogen', 'mitogen checks (SSH + sudo)'),
]
_results = {}
# Seconds per figure (every phase of its tests) and of the lab's own setup, for the times line.
_seconds = {}
_lab_setup = []


def pytest_configure(config):
    config.addinivalue_line('markers', 'figure(kind): counts the test towards a figure of the summary line')


@pytest.fixture(scope='session')
def lab():
    workdir = tempfile.mkdtemp(prefix='tcm-rel-')
    the_lab = lablib.Lab(workdir)
    start = time.monotonic()
    if os.environ.get('TCM_REL_REUSE') == '1' and lablib.docker('inspect', lablib.container('node1')).returncode == 0:
        # Development only: reuse a running suite lab (tests that need a fresh one will say so).
        the_lab.write_conf(lablib.LAB_CONF)
        the_lab.write_inventory()
    else:
        the_lab.down()
        the_lab.up()
    _lab_setup.append(time.monotonic() - start)
    yield the_lab
    if os.environ.get('TCM_REL_KEEP') != '1':
        the_lab.down()


def _kind(item):
    marker = item.get_closest_marker('figure')
    return marker.args[0] if marker else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    kind = _kind(item)
    if kind is None:
        return
    duration = report.duration
    if report.when == 'setup' and len(_lab_setup) == 1:
        # This setup made the lab: count that apart, not towards the first suite that needed it.
        duration -= _lab_setup.pop()
        _seconds['lab'] = _seconds.get('lab', 0) + (report.duration - duration)
    _seconds[kind] = _seconds.get(kind, 0) + duration
    if report.when == 'call' or (report.when == 'setup' and not report.passed):
        _results[item.nodeid] = (kind, report.passed)


def summary_line():
    parts = []
    for kind, label in FIGURES:
        tried = [ok for k, ok in _results.values() if k == kind]
        if tried:
            parts.append('%s %d/%d' % (label, sum(tried), len(tried)))
    return 'reliability: ' + (', '.join(parts) if parts else 'no figure collected')


def times_line():
    labels = [('lab', 'lab up')] + [(kind, kind) for kind, label in FIGURES]
    return 'reliability times: ' + ', '.join('%s %.0fs' % (label, _seconds[kind])
                                             for kind, label in labels if kind in _seconds)


def pytest_terminal_summary(terminalreporter):
    line = summary_line()
    terminalreporter.write_line(times_line())
    terminalreporter.write_line(line)
    out = os.path.join(lablib.ROOT, 'build', 'reliability-figures.txt')
    try:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, 'w') as handle:
            handle.write(line + '\n')
    except OSError:
        pass
