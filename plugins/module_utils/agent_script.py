# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the CM can run a file as an agent script (cmrctl_agent checks it before any command).

The CM runs the script directly, through its shebang, as its own OS user; the ProSync script loads
``prs_cm.sh`` with ``source``, which ``/bin/sh`` (dash) does not know, so a script without a bash
shebang makes the CM get exit code 127 (the ProSync CM failover guide).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

# '#!/bin/bash', '#!/usr/local/bin/bash -x', '#!/usr/bin/env bash', '#!/usr/bin/env -S bash -e'
_BASH_SHEBANG = re.compile(r'^#!\s*(\S*/)?bash(\s.*)?$')
_ENV_BASH_SHEBANG = re.compile(r'^#!\s*(\S*/)?env\s+(-\S+\s+)*bash(\s.*)?$')
_RC127 = ('the CM runs the script through its shebang, and prs_cm.sh is loaded with "source", which /bin/sh '
          '(dash) does not know: the CM would get exit code 127. Make the first line #!/bin/bash')


def shebang_problem(first_line):
    """Why a script's first line is not a bash shebang, or None."""
    if first_line.endswith('\r'):
        return ('its first line ends with a carriage return (DOS line endings), so the kernel looks for an '
                'interpreter named "...\\r"; convert the file to LF line endings')
    if _BASH_SHEBANG.match(first_line) or _ENV_BASH_SHEBANG.match(first_line):
        return None
    if not first_line.startswith('#!'):
        return 'it does not start with a shebang line (#!/bin/bash); ' + _RC127
    return 'its shebang is "%s", not bash; %s' % (first_line.strip(), _RC127)


def script_problem(path):
    """Why the CM could not run ``path`` as an agent script, or None."""
    if not os.path.isabs(path):
        return 'script %s is not an absolute path (cmrctl needs one)' % path
    if not os.path.exists(path):
        return 'script %s does not exist on this node' % path
    if not os.path.isfile(path):
        return 'script %s is not a regular file' % path
    if not os.access(path, os.X_OK):
        return 'script %s is not executable (chmod 0755 it; the CM runs it directly)' % path
    try:
        with open(path, 'rb') as handle:
            first_line = handle.readline(512).decode('latin-1').rstrip('\n')
    except (IOError, OSError) as exc:
        return 'script %s cannot be read: %s' % (path, exc)
    problem = shebang_problem(first_line)
    return 'script %s cannot be run by the CM: %s' % (path, problem) if problem else None
