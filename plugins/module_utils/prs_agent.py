# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent side of ProSync on one node (the ProSync CM failover guide, steps 1-3).

Shared by prs_agent_install, prs_agent_cfg and prs_agent_node (which does all three steps in one call):
when ``prs_install_agent.sh`` runs, the CM parameters of ``prs_agent_<id>.cfg``, and the whole-file writes
with a fixed mode that a template task did before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import os
import re

from ansible_collections.tibero.cm.plugins.module_utils.kvfile import (
    DuplicateKey, KvFileError, decode, displayable, edit_file, normalize_value, unquote, write_file)
from ansible_collections.tibero.cm.plugins.module_utils.prs_instance import key_values
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed

# ---------------------------------------------------------------------------------------------------
# prs_install_agent.sh (vendor-facts PRS-6, PRS-7, PRS-16)

INSTALL_ARGV = ['/bin/bash', '-c', 'cd "$PRS_HOME/install" && . ./prs_install_agent.sh', 'prs_install_agent']
AGENT_FIELDS = ('HOST', 'PORT', 'CM_GROUP', 'CM_ID')


def outputs(prs_home, agent_ids):
    """What prs_install_agent.sh writes that later steps need (vendor-facts PRS-7)."""
    config = os.path.join(prs_home, 'config')
    return [os.path.join(config, 'prs_agent_%s.cfg' % agent) for agent in agent_ids] + \
        [os.path.join(config, 'prs_instance.map')]


def missing_outputs(prs_home, agent_ids):
    return [path for path in outputs(prs_home, agent_ids) if not os.path.exists(path)]


def run_installer(runner, prs_home, agent_ids):
    """Run prs_install_agent.sh and return its stdout. CommandFailed when it fails, or when it ends without
    writing the outputs of ``agent_ids`` (rc 0, the missing files named)."""
    dummy, out, dummy = runner.run(INSTALL_ARGV, what='prs_install_agent.sh')
    still = missing_outputs(prs_home, agent_ids)
    if still:
        raise CommandFailed('prs_install_agent.sh ended but did not write %s' % ', '.join(still), INSTALL_ARGV, 0,
                            out, '')
    return out


def agent_entries(text):
    """{agent id: (host, port, cm group, cm id)} of a prs_install_agent.cfg text (KEY=VALUE lines, PRS-6)."""
    values = key_values(text)
    count = values.get('AGENT_CNT', '')
    entries = {}
    for index in range(int(count) if count.isdigit() else 0):
        agent = values.get('AGENT_ID_%d' % index)
        if agent:
            entries[agent] = tuple(values.get('AGENT_%s_%d' % (field, index), '') for field in AGENT_FIELDS)
    return entries


def entry_of(agent):
    """The cfg entry (host, port, cm group, cm id) of an own_agent option, as the cfg spells it."""
    return tuple('' if agent.get(key) is None else str(agent.get(key)) for key in ('host', 'port', 'cm_group', 'cm_id'))


def own_entry_changed(previous, agent):
    """Whether this node's own agent entry in the cfg before this run differs from what this run writes (no
    previous cfg: changed). The other agents' entries do not matter to the installer's outputs this node uses."""
    if previous is None:
        return True
    return agent_entries(previous).get(agent['id']) != entry_of(agent)


def decide(cfg_changed, force, missing, own_agent=None, previous=None):
    """(reasons, other_agents_only): why the installer runs on this node (empty: it does not)."""
    own_changed = cfg_changed
    if cfg_changed and own_agent:
        own_changed = own_entry_changed(previous, own_agent)
    found = []
    if own_changed:
        found.append('own agent changed' if own_agent else 'cfg changed')
    if missing:
        found.append('outputs missing')
    if force:
        found.append('forced')
    return found, bool(cfg_changed and not own_changed)


# ---------------------------------------------------------------------------------------------------
# prs_agent_<id>.cfg: the CM parameters (the ProSync CM failover guide, step 3)

YES_NO = 'Y/N'
SECONDS = 'seconds'
COUNT = 'count'

# The CM failover parameters, their kinds and (where the guide gives one) defaults.
CM_PARAMETERS = {
    'USE_CM': (YES_NO, 'N'),
    'PRS_AGENT_PROC_MAX_FAIL_CNT': (COUNT, '10'),
    'PRS_AGENT_PROC_STARTUP_TIMEOUT': (SECONDS, None),
    'PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT': (SECONDS, None),
    'PRS_AGENT_PROC_STATUS_INTERVAL': (SECONDS, None),
    'PRS_AGENT_CM_PROBE_TIMEOUT': (SECONDS, '0'),
}
# Only read by the agent when USE_CM=Y.
DEPENDS_ON_USE_CM = tuple(sorted(name for name in CM_PARAMETERS if name != 'USE_CM'))


def agent_cfg_path(prs_home, agent_id):
    return os.path.join(prs_home, 'config', 'prs_agent_%s.cfg' % agent_id)


def checked_value(name, value):
    """``value`` as it will be written; KvFileError when a known parameter gets a bad one."""
    kind = CM_PARAMETERS.get(name.upper(), (None, None))[0]
    text = unquote(value.strip())
    if kind == YES_NO:
        if text.upper() not in ('Y', 'N'):
            raise KvFileError('%s must be Y or N, not %r' % (name, value))
        return text.upper()
    if kind in (SECONDS, COUNT):
        if not re.match(r'^\d+\Z', text):
            raise KvFileError('%s must be a whole number >= 0%s, not %r'
                              % (name, ' (seconds)' if kind == SECONDS else '', value))
        return str(int(text))
    return value


def use_cm_after(model):
    """USE_CM after the edit (its default when missing), None when the file sets it twice."""
    try:
        value = model.get('USE_CM')
    except DuplicateKey:
        return None
    return CM_PARAMETERS['USE_CM'][1] if value is None else normalize_value(value)


def ignored_cm_parameters(model, touched):
    """PRS_AGENT_* CM parameters in the file while USE_CM is not Y, when the task touched CM settings."""
    if not set(name.upper() for name in touched) & set(CM_PARAMETERS):
        return []
    if use_cm_after(model) in ('Y', None):
        return []
    return [name for name in DEPENDS_ON_USE_CM if model.indexes(name)]


def edit_agent_cfg(module, path, wanted, state='present', insert='bottom', create=False, backup=False,
                   uncomment=True):
    """Edit prs_agent_<id>.cfg (KEY = VALUE, kvfile's editor); the result of prs_agent_cfg, with ``use_cm``.

    Raises KvFileError; warns when PRS_AGENT_* CM parameters stay in a file whose USE_CM is not Y."""
    if state == 'present':
        wanted = dict((name, checked_value(name, value)) for name, value in wanted.items())
    result, model = edit_file(module, path, wanted, state, insert=insert, create=create, backup=backup,
                              uncomment=uncomment, separator=' = ')
    result['use_cm'] = use_cm_after(model)
    ignored = ignored_cm_parameters(model, wanted)
    if ignored:
        module.warn('%s: %s set while USE_CM=%s; ProSync reads them only with USE_CM=Y'
                    % (path, ', '.join(ignored), result['use_cm']))
    return result


# ---------------------------------------------------------------------------------------------------
# Whole files with a fixed mode (what a template task did): written atomically, never wider than ``mode``

def read_file(path):
    """(text, mode) of a file, (None, None) when it does not exist. Raises KvFileError when it cannot be read."""
    if not os.path.lexists(path):
        return None, None
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
        return decode(data), os.stat(path).st_mode & 0o7777
    except (IOError, OSError) as exc:
        raise KvFileError('cannot read %s: %s' % (path, exc.strerror or exc))


def put_file(path, text, mode, check_mode=False):
    """Make ``path`` hold ``text`` with ``mode``; return (changed, before text or None).

    The new file is a temporary file of the same directory, created 0600 by mkstemp, then set to ``mode``
    and renamed over ``path``: readers see the old or the new file, and a file with secrets (mode 0600) is
    never readable by others, not even for a moment. A file whose text is right but mode is not gets its
    mode only.
    """
    before, before_mode = read_file(path)
    if before == text:
        if before_mode == mode:
            return False, before
        if not check_mode:
            try:
                os.chmod(path, mode)
            except OSError as exc:
                raise KvFileError('cannot set the mode of %s: %s' % (path, exc.strerror or exc))
        return True, before
    if check_mode:
        return True, before
    write_file(path, text, mode)
    return True, before


def file_diff(path, before, after):
    """A diff-mode entry (before/after, headers) of a whole file."""
    return dict(before=displayable(before or ''), after=displayable(after),
                before_header=path if before is not None else '%s (absent)' % path, after_header=path)


def prepared_diff(path, before, after):
    """A unified diff as one text (diff mode ``prepared``), for a file whose whole text is a no_log option:
    Ansible masks that text wherever it appears whole in a result, so before/after would show nothing."""
    lines = difflib.unified_diff((before or '').splitlines(True), after.splitlines(True),
                                 fromfile=path if before is not None else '%s (absent)' % path, tofile=path)
    return ''.join(line if line.endswith('\n') else line + '\n' for line in lines)
