# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sudo rights: the lab's login user holds exactly the rules of examples/sudoers/tibero-cm, nothing more.

Every site.yml of these suites logs in over SSH as that user (inventories/lab), so the rollout itself
proves the rules are enough; these checks prove they are not more than the README says: sudo lists
only the shipped rules, the user cannot become root, and the run left nothing owned by root behind.
"""

from __future__ import absolute_import, division, print_function

import re

import pytest
import yaml

import lablib

pytestmark = pytest.mark.figure('rights')


def _shipped_rules():
    """(Defaults options, rules as `sudo -l` prints them) of the shipped sudoers file."""
    defaults, rules = [], []
    with open(lablib.SUDOERS) as handle:
        for line in handle:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            match = re.match(r'^Defaults:%s\s+(.+)$' % lablib.LOGIN_USER, line)
            if match:
                defaults.extend(option.strip() for option in match.group(1).split(','))
                continue
            match = re.match(r'^%s\s+ALL\s*=\s*\(([^)]*)\)\s*(.+)$' % lablib.LOGIN_USER, line)
            assert match, 'a rule of %s this test does not know: %s' % (lablib.SUDOERS, line)
            runas = ', '.join(user.strip() for user in match.group(1).split(','))
            rules.append('(%s) %s' % (runas, re.sub(r':\s*', ': ', match.group(2))))
    return defaults, rules


def test_inventory_logs_in_as_the_unprivileged_user():
    with open(lablib.os.path.join(lablib.ROOT, 'inventories', 'lab', 'hosts.yml')) as handle:
        hvars = yaml.safe_load(handle)['all']['children']['tibero_cm_lab']['vars']
    assert hvars['ansible_connection'] == 'ssh', hvars
    assert hvars['ansible_user'] == lablib.LOGIN_USER, hvars
    assert 'sshd -i' in hvars['ansible_ssh_common_args'], hvars


@pytest.mark.parametrize('node', ['node1', 'node3'])
def test_sudo_lists_exactly_the_shipped_rules(lab, node):
    defaults, rules = _shipped_rules()
    assert rules, 'no rule in %s' % lablib.SUDOERS
    listed = lab.sh(node, 'sudo -l -U %s' % lablib.LOGIN_USER).stdout
    head, dummy, body = listed.partition('may run the following commands')
    granted = [line.strip() for line in body.splitlines()[1:] if line.strip()]
    assert granted == rules, listed
    for option in defaults:
        assert option in head, listed


def test_login_user_becomes_the_site_users_and_never_root(lab):
    for user in ('tibero', 'prosync'):
        proc = lab.login('node1', 'sudo -n -u %s id -un' % user)
        assert (proc.returncode, proc.stdout.strip()) == (0, user), proc
    for command in ('sudo -n true', 'sudo -n -u root id -un', 'sudo -n -i true', 'sudo -n su -c true'):
        proc = lab.login('node1', command)
        assert proc.returncode != 0 and 'password is required' in proc.stderr, (command, proc)
    # No password to fall back on either: the account is locked, keys only.
    assert lab.sh('node1', 'passwd -S %s' % lablib.LOGIN_USER).stdout.split()[1] == 'L'


def test_the_rollout_left_nothing_owned_by_root(lab):
    """After the converges of the earlier suites (as the login user): the state directory is the
    Tibero user's, and no file the collection manages on a node belongs to root."""
    if lab.sh('node1', 'test -d %s' % lablib.STATE_DIR, check=False).returncode != 0:
        converge = lab.playbook()  # this suite alone, on a fresh lab
        assert converge.rc == 0, converge
    for node in lablib.NODES:
        owner = lab.sh(node, 'stat -c %%U %s' % lablib.STATE_DIR).stdout.strip()
        assert owner == 'tibero', (node, owner)
        found = lab.sh(node, 'find %s %s %s -user root -o -user %s | head -n 20'
                       % (lablib.STATE_DIR, lablib.TB_HOME, lablib.PRS_HOME, lablib.LOGIN_USER)).stdout
        assert found.strip() == '', (node, found)
