# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared module-test harness itself works with this ansible-core."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, run_module)


def _echo_main():
    module = AnsibleModule(argument_spec=dict(word=dict(type='str', required=True)),
                           supports_check_mode=True)
    rc, out, err = module.run_command(['timeout', '--kill-after=5', '7', 'echo', module.params['word']],
                                      data='y')
    if rc != 0:
        module.fail_json(msg='echo failed', rc=rc)
    module.exit_json(changed=not module.check_mode, out=out, diff_mode=module._diff)


def test_run_module_returns_exit_json_and_records_the_call():
    fake = FakeRunCommand([Step(['echo', 'hi'], out='hi\n', data='y')])
    result = run_module(_echo_main, {'word': 'hi'}, fake, diff=True)
    assert result == {'changed': True, 'out': 'hi\n', 'diff_mode': True}
    assert fake.argvs == [['echo', 'hi']]
    assert fake.calls[0].timeout == 7
    fake.assert_all_used()


def test_check_mode_flag_reaches_the_module():
    result = run_module(_echo_main, {'word': 'x'}, FakeRunCommand([Step(['echo', 'x'])]), check_mode=True)
    assert result['changed'] is False


def test_fail_json_raises_with_its_arguments():
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(_echo_main, {'word': 'x'}, FakeRunCommand([Step(['echo', 'x'], rc=3)]))
    assert exc.value.result == {'failed': True, 'msg': 'echo failed', 'rc': 3}


def test_unexpected_argv_is_an_assertion_error():
    with pytest.raises(AssertionError, match='unexpected command'):
        run_module(_echo_main, {'word': 'x'}, FakeRunCommand([Step(['echo', 'y'])]))
