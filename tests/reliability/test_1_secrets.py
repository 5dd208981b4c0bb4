# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: the ProSync and DB passwords never leak, and tibero_cm_secure_logging is what hides them.

The first converge of the fresh lab (prs_install.sh included) runs at -vvvv with --diff and unique
passwords from a 0600 extra-vars file, while a background sampler records `ps -eo args` in every
container. Then the passwords change twice (prs_install.cfg is re-rendered): once at -vvvv --diff
with the ansible.posix.json callback (every registered result, the diff) and secure logging on; once
with tibero_cm_secure_logging=false, which must show them, so these checks can fail.
"""

from __future__ import absolute_import, division, print_function

import os
import re
import secrets

import pytest

import lablib

pytestmark = pytest.mark.figure('secrets')


def _secrets(tag):
    token = secrets.token_hex(6)
    return {'lab_prs_password': 'RelPrs%s%s' % (tag, token),
            'lab_src_install_password': 'RelSrc%s%s' % (tag, token),
            'lab_tar_install_password': 'RelTar%s%s' % (tag, token)}


def _vars_file(lab, values, name):
    path = os.path.join(lab.workdir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        for key, value in sorted(values.items()):
            handle.write('%s: "%s"\n' % (key, value))
    return '@' + path


def _leaks(text, values):
    return sorted(value for value in values.values() if value in text)


@pytest.fixture(scope='module')
def runs(lab):
    """Three runs, once for the module: the first converge, then two password changes (phases
    preflight and prosync_instance only: that is where the passwords are used)."""
    first = _secrets('A')
    sampler = lablib.Sampler()
    sampler.start()
    try:
        converge = lab.playbook('-vvvv', '--diff', '-e', _vars_file(lab, first, 'first.yml'))
    finally:
        sampler.stop()
    assert converge.rc == 0, converge
    phases = ['--tags', 'preflight,prosync_instance']
    second = _secrets('B')
    # -vvvv and --diff, every result recorded by the ansible.posix.json callback.
    changed_hidden = lab.playbook('-vvvv', '--diff', '-e', _vars_file(lab, second, 'second.yml'), *phases,
                                  extra_env={'ANSIBLE_STDOUT_CALLBACK': 'ansible.posix.json'})
    assert changed_hidden.rc == 0, changed_hidden
    third = _secrets('C')
    changed_shown = lab.playbook('--diff', '-e', 'tibero_cm_secure_logging=false',
                                 '-e', _vars_file(lab, third, 'third.yml'), *phases)
    assert changed_shown.rc == 0, changed_shown
    return {'first': first, 'second': second, 'third': third, 'converge': converge,
            'changed_hidden': changed_hidden, 'changed_shown': changed_shown, 'sampler': sampler,
            'all': dict((k + str(n), v) for n, d in enumerate([first, second, third]) for k, v in d.items())}


def test_the_install_ran_with_these_passwords(lab, runs):
    """Guard: the converge really did the install (else the checks below prove little)."""
    assert 'Run prs_install.sh' in runs['converge'].out
    assert lab.install_counts() == {'tibero': 1, 'tibero_tar': 1}


def test_no_secret_in_output_at_vvvv_with_diff(runs):
    assert _leaks(runs['converge'].out, runs['first']) == []
    assert _leaks(runs['changed_hidden'].out, runs['second']) == []


def test_no_secret_in_the_diff_of_a_password_change(runs):
    out = runs['changed_hidden'].out
    # The change happened (prs_install.cfg rewritten, reported by the install task) and was not shown: its
    # content is a no_log option, so the arguments say so, and no diff of it is returned.
    assert 'Run prs_install.sh once' in out
    assert '"cfg_changed": true' in out, out[-3000:]
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in out, out[-3000:]
    assert _leaks(out, runs['second']) == [] and 'PRS_PWD=' not in out


def test_no_secret_in_registered_results(runs):
    out = runs['changed_hidden'].out
    assert '"plays"' in out and '"tasks"' in out, out[-2000:]
    assert _leaks(out, runs['second']) == []


def test_no_secret_in_process_argv_on_the_nodes(runs):
    sampler = runs['sampler']
    assert sampler.rounds >= 5, 'the sampler ran only %d rounds' % sampler.rounds
    # The sampler saw the run's own commands (so it watched the right processes).
    seen = '\n'.join(sample[1] for sample in sampler.samples)
    assert 'python3' in seen or 'BECOME-SUCCESS' in seen
    leaking = [(node, line) for node, text in sampler.samples for line in text.splitlines()
               if _leaks(line, runs['all'])]
    assert leaking == []


def test_secrets_only_in_the_install_cfg_0600_owned_by_prosync(lab, runs):
    pattern = ' '.join("-e '%s'" % value for value in runs['all'].values())
    found = []
    for node in lablib.NODES:
        proc = lab.sh(node, 'grep -rlF %s / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev '
                            '--exclude-dir=shared 2>/dev/null; true' % pattern)
        found += [(node, path) for path in proc.stdout.split()]
    cfg = lablib.PRS_HOME + '/install/prs_install.cfg'
    assert found == [('node1', cfg)]
    stat = lab.sh('node1', 'stat -c "%%a %%U" %s' % cfg).stdout.split()
    assert stat == ['600', 'prosync']


def test_no_secret_in_the_lab_logs_and_shared_state(lab, runs):
    pattern = ' '.join("-e '%s'" % value for value in runs['all'].values())
    proc = lab.sh('node1', 'grep -rlF %s /lab/shared 2>/dev/null; true' % pattern)
    assert proc.stdout.split() == []
    # The lab's logs exist (so the grep looked at something).
    assert lab.sh('node1', 'ls /lab/shared/toolcalls.log').returncode == 0


def test_turning_secure_logging_off_is_what_shows_them(runs):
    """The control: the same kind of run with tibero_cm_secure_logging=false shows the passwords."""
    assert _leaks(runs['changed_shown'].out, runs['third']) != []


def test_a_prosync_only_site_prints_nothing_about_tsc(runs):
    """issue 14: site.yml runs what the site declares and prints nothing about what it does not. The
    lab declares only the ProSync part: no play or task banner of its converge (and of a tagged run)
    names TSC or the observer, and the phases ran (the check sees the banners)."""
    for run in (runs['converge'], runs['changed_shown']):
        banners = [line for line in run.out.splitlines() if line.startswith(('PLAY [', 'TASK ['))]
        assert any(line.startswith('PLAY [Phase 1 - ') for line in banners), run.out[-2000:]
        assert any('ProSync' in line for line in banners)
        named = [line for line in banners if re.search(r'tsc|observer', line, re.IGNORECASE)]
        assert named == []
