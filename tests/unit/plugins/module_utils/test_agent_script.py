# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""agent_script: what the CM needs of an agent script (moved from test_cmrctl_agent.py with the functions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import agent_script
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import make_tool

BASH_SCRIPT = '#!/bin/bash\nsource $PRS_HOME/bin/prs_cm.sh\n'


# --------------------------------------------------------------------------------------------------
# script checks


@pytest.mark.parametrize('line', [
    '#!/bin/bash', '#!/bin/bash -x', '#! /bin/bash', '#!/usr/bin/bash', '#!/usr/local/bin/bash',
    '#!/usr/bin/env bash', '#!/usr/bin/env -S bash -e', '#!/bin/bash  ',
])
def test_bash_shebangs_are_accepted(line):
    assert agent_script.shebang_problem(line) is None


@pytest.mark.parametrize('line, message', [
    ('#!/bin/sh', 'its shebang is "#!/bin/sh", not bash'),
    ('#!/bin/dash', 'not bash'),
    ('#!/usr/bin/env sh', 'not bash'),
    ('#!/bin/bashful', 'not bash'),
    ('export TB_HOME=/x', 'does not start with a shebang line'),
    ('', 'does not start with a shebang line'),
    ('#!/bin/bash\r', 'carriage return'),
])
def test_other_first_lines_are_refused_with_the_reason(line, message):
    problem = agent_script.shebang_problem(line)
    assert message in problem
    if 'carriage' not in message:
        assert 'exit code 127' in problem and '#!/bin/bash' in problem


def test_script_problems(tmp_path):
    good = make_tool(str(tmp_path), 'good.sh', BASH_SCRIPT)
    sh = make_tool(str(tmp_path), 'sh.sh', '#!/bin/sh\nsource x\n')
    crlf = make_tool(str(tmp_path), 'crlf.sh', '#!/bin/bash\r\necho\r\n')
    plain = tmp_path / 'plain.sh'
    plain.write_text(BASH_SCRIPT)
    assert agent_script.script_problem(good) is None
    assert 'does not exist on this node' in agent_script.script_problem(str(tmp_path / 'missing.sh'))
    assert 'not a regular file' in agent_script.script_problem(str(tmp_path))
    assert 'not executable' in agent_script.script_problem(str(plain))
    assert 'not an absolute path' in agent_script.script_problem('bin/prs_0.sh')
    assert 'exit code 127' in agent_script.script_problem(sh)
    assert 'carriage return' in agent_script.script_problem(crlf)
