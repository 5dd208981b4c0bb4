# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A dry run from zero: ``site.yml --check --diff`` on the fresh lab (no agent installed, no CM_ID, no
group) runs every phase, shows what it would write and run, exits 0 and changes nothing on any node.

Runs first among the reliability suites, while the shared lab is still as ``lab-provision`` made it
(tests/badinput before it only fails in preflight, and checks that nothing changed).
"""

from __future__ import absolute_import, division, print_function

import pytest

import lablib

pytestmark = pytest.mark.figure('faults')


def test_check_diff_on_a_site_never_set_up_plans_every_phase_and_changes_nothing(lab):
    assert lab.install_counts() == {'tibero': 0, 'tibero_tar': 0}, 'the lab is not fresh'
    assert all(lablib.parse_tip(lab.read_bytes(node, lab.tip_path(node))).get('CM_ID') is None
               for node in lablib.NODES), 'the lab is not fresh'
    before = lab.fingerprint()
    planned = lab.playbook('--check', '--diff')
    after = lab.fingerprint()
    assert planned.rc == 0, planned
    for key in before:
        assert after[key] == before[key], '%s changed:\n%s\n---\n%s' % (key, before[key], after[key])
    out = planned.out
    # What a real run would do, phase by phase: installers, tips with their diff, the restart
    # sequence, the registrations; and verify reports instead of failing.
    for shown in ('ProSync agents | Install the agent of this node', '+AGENT_CNT=4', '+USE_CM = Y',
                  'ProSync instance | Run prs_install.sh once', '+CM_ID=0', '+CM_ID=1',
                  'CM node | tbdown ', 'CM node | Restart the CM, tbcm -d and tbcm -b cm_', 'CM node | tbboot ',
                  'CM resources | Register the group', 'CM resources | Register agent on its own node',
                  'check mode: the site as it is now does not pass verify yet'):
        assert shown in out, (shown, planned)
    # Both restart batches are planned: one node of each cluster per batch (a task's name shows the
    # first host of its batch, which may be either node).
    assert out.count('CM node | tbboot ') == 2, planned
    assert any('CM node | tbboot %s]' % sid in out for sid in ('tibero1', 'tibero_tar1')), planned
    assert any('CM node | tbboot %s]' % sid in out for sid in ('tibero2', 'tibero_tar2')), planned
    assert 'failed=0' in out and 'fatal:' not in out, planned
    assert lab.install_counts() == {'tibero': 0, 'tibero_tar': 0}
