# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tibero.cm.controller_file: write a text file on the controller, in the worker that runs the task.

ansible.builtin.copy delegated to localhost starts two module processes (stat, then copy) for a report of a
few kilobytes: about 0.8 s of a 10 s idempotent rerun. This plugin writes in process through the collection's
one atomic writer (kvfile.write_file). It never uses the task's connection or become method, so it writes on
the controller as the user running ansible-playbook, whatever host the task is for.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import stat
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.tibero.cm.plugins.module_utils import kvfile

ARGUMENT_SPEC = dict(
    dest=dict(type='path', required=True),
    content=dict(type='str', required=True),
    mode=dict(type='raw', default='0644'),
    backup=dict(type='bool', default=False),
)

OCTAL_MODE_RE = re.compile(r'^[0-7]{3,4}\Z')


class ControllerFileError(Exception):
    """Bad input or a file that cannot be written: the task fails with this message."""


def parse_mode(mode):
    """'0644' / '644' / 420 (YAML 0644) -> 420; anything else (symbolic, out of range) -> ControllerFileError."""
    if isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode <= 0o7777:
        return mode
    if isinstance(mode, str) and OCTAL_MODE_RE.match(mode):
        return int(mode, 8)
    raise ControllerFileError("mode must be an octal string such as '0644', not %r" % (mode,))


def absolute_dest(dest, basedir):
    """``dest`` as an absolute path: a relative one is taken from ``basedir``, the playbook's directory, where
    ansible.builtin.copy delegated to localhost (the modules of a local connection run there) wrote it."""
    if not dest:
        raise ControllerFileError('dest is empty: give the path of the file to write on the controller')
    if os.path.isabs(dest):
        return dest
    if not basedir or not os.path.isabs(basedir):
        raise ControllerFileError('dest %r is relative and the playbook directory is not known: give an absolute '
                                  'path' % (dest,))
    return os.path.normpath(os.path.join(basedir, dest))


def target_of(dest):
    """The file to write for the absolute path ``dest``, after the checks that need no write: not a directory,
    its directory present (a symbolic link is followed)."""
    target = os.path.realpath(dest)
    if os.path.isdir(target):
        raise ControllerFileError('%s is a directory; dest must name a file' % dest)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise ControllerFileError('the directory %s does not exist on the controller; controller_file creates no '
                                  'directory: create it first or fix dest (%s)' % (directory, dest))
    if os.path.exists(target) and not os.path.isfile(target):
        raise ControllerFileError('%s exists and is not a regular file' % dest)
    return target


def read_current(target):
    """(bytes, mode) of the file now, (None, None) when it does not exist."""
    try:
        with open(target, 'rb') as handle:
            data = handle.read()
            return data, stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
    except (IOError, OSError) as exc:
        if not os.path.lexists(target):
            return None, None
        raise ControllerFileError('cannot read %s: %s' % (target, exc.strerror or exc))


def backup_name(target):
    """The name AnsibleModule.backup_local gives a backup: <file>.<pid>.<YYYY-MM-DD@HH:MM:SS~>."""
    return '%s.%s.%s' % (target, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S~', time.localtime()))


def write(dest, content, mode='0644', backup=False, check_mode=False, diff=False, basedir=None):
    """Make ``dest`` hold ``content`` with ``mode``; the task's result (without failed/msg).

    ``changed`` is true when the content or the mode differ; in check mode nothing is written.
    """
    wanted_mode = parse_mode(mode)
    dest = absolute_dest(dest, basedir)
    target = target_of(dest)
    before, current_mode = read_current(target)
    after = kvfile.encode(content)
    content_changed = before != after
    mode_changed = before is not None and current_mode != wanted_mode
    result = dict(changed=content_changed or mode_changed, dest=dest, mode='%04o' % wanted_mode)
    if diff:
        result['diff'] = []
        if content_changed:
            result['diff'].append(dict(
                before='' if before is None else kvfile.displayable(kvfile.decode(before)),
                after=kvfile.displayable(content), before_header=dest, after_header=dest))
        if mode_changed:
            result['diff'].append(dict(before=dict(mode='%04o' % current_mode), after=dict(mode=result['mode']),
                                       before_header=dest, after_header=dest))
    if check_mode or not result['changed']:
        return result
    if content_changed:
        if backup and before is not None:
            name = backup_name(target)
            try:
                shutil.copy2(target, name)
            except (IOError, OSError) as exc:
                raise ControllerFileError('cannot back %s up to %s: %s' % (dest, name, exc.strerror or exc))
            result['backup_file'] = name
        try:
            kvfile.write_file(target, content, wanted_mode)
        except kvfile.KvFileError as exc:
            raise ControllerFileError(str(exc))
    else:
        try:
            os.chmod(target, wanted_mode)
        except (IOError, OSError) as exc:
            raise ControllerFileError('cannot set the mode of %s: %s' % (dest, exc.strerror or exc))
    return result


class ActionModule(ActionBase):
    """No module, no temporary directory, no connection: the file is written by this process."""

    TRANSFERS_FILES = False
    # A persistent (network) connection is not started for this task either.
    _requires_connection = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(ARGUMENT_SPEC)
        try:
            result.update(write(args['dest'], args['content'], args['mode'], args['backup'],
                                check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                                basedir=self._loader.get_basedir()))
        except ControllerFileError as exc:
            raise AnsibleActionFail(str(exc))
        return result
