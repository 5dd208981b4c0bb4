# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CM resource-name rule every cmrctl module applies before running anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc


@pytest.mark.parametrize('value', ['CM1', 'agent1', 'cls_tibero', 'cls-tibero', 'prs.grp', '0', 'a' * 64])
def test_resource_names_the_seed_and_real_sites_use_pass(value):
    assert tc.resource_name_problem(dict(name=value), 'name') is None


@pytest.mark.parametrize('value', [
    '',                 # cmrctl would get --name with an empty value
    '--force',          # a leading dash reads as an option of cmrctl
    '-x',
    'CM 1',             # blank
    'CM1;touch /tmp/x',  # shell characters never reach a shell, but they are no resource name
    '$(id)',
    'CM1\n',
    'a' * 65,           # oversized
    'agent\u00e9',
])
def test_other_values_are_named_with_the_rule(value):
    problem = tc.resource_name_problem(dict(grpname='CM1', name=value), 'grpname', 'name')
    assert problem.startswith('name must be a CM resource name (letters, digits, _ . -, not starting with -')
    assert repr(value[:80]) in problem


def test_unset_keys_are_not_checked_and_the_first_bad_key_is_named():
    assert tc.resource_name_problem(dict(name='CM1', pubnet=None), 'name', 'pubnet') is None
    problem = tc.resource_name_problem(dict(name='-a', cname='b c'), 'cname', 'name')
    assert problem.startswith('cname must be a CM resource name')
