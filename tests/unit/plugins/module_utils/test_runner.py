# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runner: a vendor command never waits on stdin, success markers, failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import runner as rn
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import set_module_args

# Reads one line like a confirmation prompt does and prints what it got ('<EOF>' at end of input).
PROMPT = ('import sys\nsys.stdout.write("Continue? (y/n): ")\nsys.stdout.flush()\n'
          'line = sys.stdin.readline()\nprint(repr(line) if line else "<EOF>")\n')


@pytest.fixture
def module():
    with set_module_args({}):
        yield AnsibleModule(argument_spec={})


@pytest.fixture
def stdin_that_never_ends():
    """fd 0 is a pipe whose writer stays open (an SSH session, a module's parent): a read would block."""
    saved = os.dup(0)
    read_end, write_end = os.pipe()
    os.dup2(read_end, 0)
    os.close(read_end)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(write_end)


@pytest.mark.parametrize('data', [None, ''], ids=['none', 'empty'])
def test_a_prompt_without_data_reads_eof_instead_of_waiting(module, stdin_that_never_ends, data):
    runner = rn.Runner(module, timeout=10)
    rc, out, _err = runner.run([sys.executable, '-c', PROMPT], data=data)
    assert (rc, out) == (0, 'Continue? (y/n): <EOF>\n')
    assert os.path.samestat(os.fstat(0), os.stat(os.devnull))


def test_data_is_the_answer_then_eof(module, stdin_that_never_ends):
    runner = rn.Runner(module, timeout=10)
    rc, out, _err = runner.run([sys.executable, '-c', PROMPT + 'print(repr(sys.stdin.read()))\n'], data='y')
    assert (rc, out) == (0, "Continue? (y/n): 'y\\n'\n''\n")


def test_environment_and_records(module):
    runner = rn.Runner(module, env=dict(TB_HOME='/tb', CM_SID=None))
    rc, out, _err = runner.run([sys.executable, '-c', 'import os; print(os.environ["TB_HOME"], os.environ["LC_ALL"], '
                                '"CM_SID" in os.environ)'], record=False)
    assert (rc, out) == (0, '/tb C False\n')
    assert runner.commands == []


def test_marker_and_rc_failures(module):
    runner = rn.Runner(module)
    with pytest.raises(rn.CommandFailed) as exc:
        runner.run([sys.executable, '-c', 'print("MSG SENDING SUCCESS!")'], success_marker='Resource add success!')
    assert exc.value.msg.endswith('did not report "Resource add success!"')
    assert runner.run([sys.executable, '-c', 'print("SUCCESS!")'], success_marker='SUCCESS!')[0] == 0
    with pytest.raises(rn.CommandFailed) as exc:
        runner.run([sys.executable, '-c', 'import sys; sys.stderr.write("boom\\n"); sys.exit(3)'], what='tool')
    assert (exc.value.msg, exc.value.rc, exc.value.stderr) == ('tool failed with rc=3: boom', 3, 'boom\n')
