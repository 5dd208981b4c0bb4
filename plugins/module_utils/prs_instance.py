# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a ProSync instance is installed, by the vendor's own record, and the install decision.

``prs_install.sh`` drops and re-creates the ProSync user, tablespace and objects on both databases
(ProSync CM failover guide, section 4), so it may only run for an instance that no evidence shows as
installed. The evidence read here is ``$PRS_HOME/config/prs_instance.map``, where the installer records
the instance when it succeeds (vendor-facts PRS rows). Its exact layout is not public, so an instance
counts as recorded when its id appears as a whole word anywhere in the file: a false "installed" only
stops a run; a false "not installed" would destroy replication state.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re


class InstallRefused(Exception):
    """prs_install.sh must not run; the message says why and what the operator does."""


def map_path(prs_home):
    return os.path.join(prs_home, 'config', 'prs_instance.map')


def default_marker(prs_home, instance_id):
    """Where the "install started" marker lives: beside the ProSync installation it is about, owned by
    the ProSync user (it goes when the installation goes, e.g. a rebuilt host)."""
    return os.path.join(prs_home, 'var', 'tibero_cm_prs_install_started_%s' % instance_id)


def lists_instance(text, instance_id):
    """True when ``instance_id`` stands as a whole word (letters, digits, _) in ``text``."""
    pattern = r'(^|[^A-Za-z0-9_])%s([^A-Za-z0-9_]|$)' % re.escape(instance_id)
    return re.search(pattern, text or '', re.MULTILINE) is not None


def read_map(path, instance_id):
    """{path, exists, readable, listed, error} of one prs_instance.map.

    A map that exists but cannot be read (owner, mode, a directory) is ``readable: False`` with the
    error: whether the instance is installed is then unknown, never "not installed".
    """
    state = dict(path=path, exists=os.path.lexists(path), readable=False, listed=False, error=None)
    try:
        with open(path, 'r') as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT and not state['exists']:
            return state
        state['error'] = '%s: %s' % (exc.__class__.__name__, exc.strerror or exc)
        return state
    except UnicodeDecodeError as exc:
        state['error'] = 'not text: %s' % exc
        return state
    state.update(readable=True, listed=lists_instance(text, instance_id))
    return state


def cfg_secrets(path):
    """The values of the ``*_PWD`` keys of prs_install.cfg (to mask them in everything returned).

    ``KEY=VALUE`` lines as the guide's example shows; an unreadable file gives none (the installer
    then fails on its own, and its output is still masked of what is known).
    """
    secrets = set()
    try:
        with open(path, 'r') as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError, UnicodeDecodeError):
        return secrets
    for line in lines:
        key, sep, value = line.partition('=')
        key, value = key.strip(), value.strip()
        if sep and not key.startswith('#') and key.endswith('_PWD') and value:
            secrets.add(value)
    return secrets


def redact(value, secrets):
    """``value`` (text, or anything else returned as is) with every secret replaced by ********."""
    if not isinstance(value, str):
        return value
    for secret in sorted(secrets, key=len, reverse=True):
        value = value.replace(secret, '********')
    return value


def install_decision(here, instance_id, recorded_on, marker_exists, force, host):
    """What to do about the instance on its install host: 'installed' or 'install'.

    Raises InstallRefused when the installer must not run: the map cannot be read, another agent host
    records the instance (the install host moved), or an earlier install started and never finished.
    ``force`` (the operator's explicit reinstall) overrides the last two, never an unreadable map.
    """
    if here['exists'] and not here['readable']:
        raise InstallRefused(
            '%s: %s exists but cannot be read (%s), so whether instance %s is installed is unknown; '
            'prs_install.sh was not run (it drops and re-creates the ProSync objects). Make the file '
            'readable by the ProSync user and rerun.' % (host, here['path'], here['error'], instance_id))
    if here['listed'] and not force:
        return 'installed'
    if force:
        return 'install'
    if recorded_on:
        raise InstallRefused(
            '%s: instance %s is not in this host\'s %s but is recorded as installed on %s; prs_install.sh would '
            'drop and re-create the ProSync objects of a working installation. If the install host changed '
            '(tibero_cm_instance.install_host, or the order of ext_agents), set tibero_cm_instance.install_host '
            'to %s; to install again on purpose, rerun with -e tibero_cm_instance_force_reinstall=true.'
            % (host, instance_id, here['path'], ', '.join(recorded_on), recorded_on[0]))
    if marker_exists:
        raise InstallRefused(
            '%s: prs_install.sh for instance %s was started by an earlier run and did not record the instance '
            'in %s. Check both databases and the $PRS_HOME/install logs, then rerun with '
            '-e tibero_cm_instance_force_reinstall=true (it drops and re-creates the ProSync objects).'
            % (host, instance_id, here['path']))
    return 'install'


def install_argv(marker, stamp):
    """One remote command that records the start and runs the installer.

    The marker is written by the same bash that then sources prs_install.sh (from $PRS_HOME/install,
    as the guide runs it), so no interruption can leave a marker for an install that never started,
    nor start an install without a marker. Standard input is /dev/null: without passwords in
    prs_install.cfg the installer prompts, and must fail rather than wait.
    """
    script = ('printf "%s\\n" "$TCM_STAMP" > "$TCM_MARKER" && cd "$PRS_HOME/install" '
              '&& . ./prs_install.sh < /dev/null')
    return ['/bin/bash', '-c', script, 'prs_install'], dict(TCM_MARKER=marker, TCM_STAMP=stamp)
