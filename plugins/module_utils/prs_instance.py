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
import hashlib
import os
import re


class InstallRefused(Exception):
    """prs_install.sh must not run; the message says why and what the operator does."""


# prs_install.cfg holds passwords (the installer prompts without them): the ProSync user's only.
CFG_MODE = 0o600


def cfg_path(prs_home):
    return os.path.join(prs_home, 'install', 'prs_install.cfg')


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


def install_decision(here, instance_id, recorded_on, marker_exists, force, host, recorded_by=()):
    """What to do about the instance on its install host: 'installed' or 'install'.

    Raises InstallRefused when the installer must not run: the map cannot be read, another agent host
    records the instance (the install host moved), or an earlier install started and never finished.
    ``force`` (the operator's explicit reinstall) overrides the last two, never an unreadable map.
    ``recorded_by``: the agent hosts (this one included) holding the collection's install record: any of
    them makes the instance installed, so a rebuilt install host (its map and marker gone with it) does
    not install again.
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
    if recorded_by:
        return 'installed'
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


# ---------------------------------------------------------------------------------------------------
# The install record: the instance's install, and its agent lists, known on every agent host.
#
# prs_instance.map records the instance on the install host only (vendor-facts PRS-12); losing that host
# (a rebuilt node) would lose the only evidence that prs_install.sh already dropped and re-created the
# ProSync objects. So once the instance counts as installed, every agent host gets a small record of it
# (no secret in it): any one of them, or of the maps, says "installed" (vendor-facts PRS-15).

RECORD_HEADER = ('# tibero.cm: ProSync instance %s is installed (prs_install.sh, from %s). Written on every agent\n'
                 '# host so that the install survives the loss of any one host; prs_install.sh is not run again\n'
                 '# while any agent host holds this record or a prs_instance.map listing the instance.\n')
LIST_KEYS = ('EXT_AGENT_ID_LIST_', 'APPLY_AGENT_ID_LIST', 'LLOB_AGENT_ID_LIST')


class InstanceChangeRefused(Exception):
    """The model changes the agent lists of an installed instance: stop before any change."""


def record_path(prs_home, instance_id):
    """Beside the install marker, owned by the ProSync user."""
    return os.path.join(prs_home, 'var', 'tibero_cm_prs_installed_%s' % instance_id)


def normalize_lists(lists):
    """{ext: [[ids]], apply: [ids], llob: [ids]} from the model's form ({delimiter, ext: [text], apply: text,
    llob: text}) or from ids already split (lists of lists)."""
    delimiter = lists.get('delimiter') or ','

    def split(value):
        if isinstance(value, (list, tuple)):
            return [str(item).strip() for item in value if str(item).strip()]
        return [item.strip() for item in str(value or '').split(delimiter) if item.strip()]
    return dict(ext=[split(one) for one in lists.get('ext') or []], apply=split(lists.get('apply')),
                llob=split(lists.get('llob')))


def render_record(instance_id, install_host, lists):
    lists = normalize_lists(lists)
    lines = [RECORD_HEADER % (instance_id, install_host), 'INSTANCE_ID=%s' % instance_id,
             'INSTALL_HOST=%s' % install_host, 'EXT_CNT=%d' % len(lists['ext'])]
    lines += ['EXT_AGENT_ID_LIST_%d=%s' % (index, ','.join(one)) for index, one in enumerate(lists['ext'])]
    lines += ['APPLY_AGENT_ID_LIST=%s' % ','.join(lists['apply']), 'LLOB_AGENT_ID_LIST=%s' % ','.join(lists['llob'])]
    return '\n'.join(line.rstrip('\n') for line in lines) + '\n'


def key_values(text, strict=False):
    """{key: value} of the KEY=VALUE lines of a text (blank and # lines skipped). A line without '=' makes
    it None when ``strict``, else it is skipped."""
    values = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition('=')
        if not sep:
            if strict:
                return None
            continue
        values[key.strip()] = value.strip()
    return values


def parse_record(text, instance_id):
    """The record's values, or None when it is no record of ``instance_id`` in the shape render_record writes."""
    values = key_values(text, strict=True)
    if values is None:
        return None
    if values.get('INSTANCE_ID') != instance_id or not values.get('EXT_CNT', '').isdigit():
        return None
    ext = []
    for index in range(int(values['EXT_CNT'])):
        if 'EXT_AGENT_ID_LIST_%d' % index not in values:
            return None
        ext.append(values['EXT_AGENT_ID_LIST_%d' % index])
    lists = normalize_lists(dict(delimiter=',', ext=ext, apply=values.get('APPLY_AGENT_ID_LIST'),
                                 llob=values.get('LLOB_AGENT_ID_LIST')))
    return dict(install_host=values.get('INSTALL_HOST'), lists=lists)


def read_record(path, instance_id):
    """{path, exists, readable, valid, install_host, lists, error, text} of one install record.

    A record that exists but cannot be read, or does not parse, still says "installed" (``exists``): a
    false "installed" only stops a run."""
    state = dict(path=path, exists=os.path.lexists(path), readable=False, valid=False, install_host=None,
                 lists=None, error=None, text=None)
    if not state['exists']:
        return state
    try:
        with open(path, 'r') as handle:
            text = handle.read()
    except (IOError, OSError, UnicodeDecodeError) as exc:
        state['error'] = '%s: %s' % (exc.__class__.__name__, getattr(exc, 'strerror', None) or exc)
        return state
    parsed = parse_record(text, instance_id)
    state.update(readable=True, text=text, valid=parsed is not None)
    if parsed is None:
        state['error'] = 'not a tibero.cm install record of %s' % instance_id
    else:
        state.update(parsed)
    return state


def text_digest(text):
    """The SHA-256 of a record's text (None without a text): enough to tell on the controller whether
    record_only would rewrite it (the record holds no secret, but the text stays off the results)."""
    return None if text is None else hashlib.sha256(text.encode('utf-8')).hexdigest()


def shown_record(record):
    """An install record as the modules return it: its parsed values and the digest of its text, not its text."""
    shown = dict((k, v) for k, v in record.items() if k != 'text')
    shown['digest'] = text_digest(record.get('text'))
    return shown


def record_current(reading, instance_id, install_host, lists):
    """Whether the install record a host's reading shows (prs_instance_info, prs_agent_node ``instance``) is
    exactly the one record_only would write, so that the write can be skipped. No reading, no record, an
    unreadable record: not current (record_only runs and decides on the host)."""
    record = (reading or {}).get('record') or {}
    if not record.get('digest'):
        return False
    return record['digest'] == text_digest(render_record(instance_id, install_host, lists))


def read_instance(prs_home, instance_id, marker=None):
    """(reading, record) of this host: the reading prs_instance_info returns - prs_instance.map, the install
    marker (default_marker unless ``marker``), the install record - and the record with its text (check_lists)."""
    here = read_map(map_path(prs_home), instance_id)
    record = read_record(record_path(prs_home, instance_id), instance_id)
    reading = dict(map=here, listed=here['listed'],
                   marker=os.path.exists(marker or default_marker(prs_home, instance_id)),
                   record=shown_record(record), recorded=record['exists'])
    return reading, record


def list_changes(installed, expected):
    """The differences between the installed agent lists and the model's, as prs_install.cfg lines."""
    installed, expected = normalize_lists(installed), normalize_lists(expected)
    changes = []
    count = max(len(installed['ext']), len(expected['ext']))
    if len(installed['ext']) != len(expected['ext']):
        changes.append('EXT_CNT: installed %d, model %d' % (len(installed['ext']), len(expected['ext'])))
    for index in range(count):
        was = installed['ext'][index] if index < len(installed['ext']) else None
        now = expected['ext'][index] if index < len(expected['ext']) else None
        if was != now:
            changes.append('EXT_AGENT_ID_LIST_%d: installed %s, model %s' % (
                index, ','.join(was) if was is not None else '(none)', ','.join(now) if now is not None else '(none)'))
    for key, name in (('apply', 'APPLY_AGENT_ID_LIST'), ('llob', 'LLOB_AGENT_ID_LIST')):
        if installed[key] != expected[key]:
            changes.append('%s: installed %s, model %s'
                           % (name, ','.join(installed[key]) or '(none)', ','.join(expected[key]) or '(none)'))
    return changes


def check_lists(record, expected, instance_id, host):
    """Raise InstanceChangeRefused when this host's install record has other agent lists than the model."""
    if not record['exists']:
        return []
    if not record['valid']:
        raise InstanceChangeRefused(
            '%s: %s exists but is not a readable install record (%s), so the installed agent lists of %s are '
            'unknown; nothing was changed. Restore or remove it by hand after checking the instance (%s).'
            % (host, record['path'], record['error'], instance_id, record.get('text') or 'no text'))
    changes = list_changes(record['lists'], expected)
    if changes:
        raise InstanceChangeRefused(
            '%s: the model changes the agent lists of the installed ProSync instance %s (%s; record %s). These '
            'lists are written by prs_install.sh (the ProSync CM failover guide, section 4), which drops and '
            're-creates the ProSync user, tablespace and objects on both databases, and the collection never '
            'runs it again by itself; nothing was changed. Either restore the lists in tibero_cm_instance, or '
            'change them by the vendor\'s procedure for an installed instance (TmaxTibero technical support: '
            'reinstalling the instance with prs_install.sh restarts replication from scratch) and then rerun '
            'with -e tibero_cm_instance_force_reinstall=true, which runs prs_install.sh once more on purpose.'
            % (host, instance_id, '; '.join(changes), record['path']))
    return changes
