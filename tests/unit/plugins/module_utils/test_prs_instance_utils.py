# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/prs_instance: reading prs_instance.map and the install decision, case by case."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi

MAP = 'AGENT_CNT=1\nAGENT_ID_0=agent1\nINSTANCE_CNT=1\nINSTANCE_ID_0=TAC2TAC\nTAC2TAC.EXT_CNT=2\n'


@pytest.mark.parametrize('text, listed', [
    (MAP, True),
    ('INSTANCE_ID_0=TAC2TACX\n', False),       # another instance whose id starts the same
    ('INSTANCE_ID_0=XTAC2TAC\n', False),
    ('TAC2TAC.APPLY_PORT=7620\n', True),       # any whole-word use counts: "installed" is the safe side
    ('', False),
])
def test_lists_instance_by_whole_word(text, listed):
    assert pi.lists_instance(text, 'TAC2TAC') is listed


def test_an_id_with_regex_characters_is_taken_literally():
    assert pi.lists_instance('ID=a.b\n', 'a.b') is True
    assert pi.lists_instance('ID=axb\n', 'a.b') is False


def test_read_map_missing_readable_and_unreadable(tmp_path):
    path = str(tmp_path / 'prs_instance.map')
    assert pi.read_map(path, 'TAC2TAC') == dict(path=path, exists=False, readable=False, listed=False, error=None)
    with open(path, 'w') as handle:
        handle.write(MAP)
    assert pi.read_map(path, 'TAC2TAC')['listed'] is True
    os.remove(path)
    os.mkdir(path)  # a directory where the map should be: exists, cannot be read
    state = pi.read_map(path, 'TAC2TAC')
    assert state['exists'] and not state['readable'] and not state['listed']
    assert 'IsADirectoryError' in state['error']


def _map(listed=False, exists=True, readable=True):
    return dict(path='/p/config/prs_instance.map', exists=exists, readable=readable, listed=listed,
                error=None if readable else 'PermissionError: Permission denied')


def test_decision_installed_here_needs_nothing():
    assert pi.install_decision(_map(listed=True), 'TAC2TAC', ['node2'], True, False, 'node1') == 'installed'


def test_decision_fresh_site_installs():
    assert pi.install_decision(_map(exists=False, readable=False), 'TAC2TAC', [], False, False, 'node1') == 'install'


def test_decision_unreadable_map_refuses_even_when_forced():
    for force in (False, True):
        with pytest.raises(pi.InstallRefused) as err:
            pi.install_decision(_map(readable=False), 'TAC2TAC', [], False, force, 'node1')
        assert str(err.value).startswith('node1: /p/config/prs_instance.map exists but cannot be read')
        assert 'prs_install.sh was not run' in str(err.value)


def test_decision_moved_install_host_refuses_and_names_the_host():
    with pytest.raises(pi.InstallRefused) as err:
        pi.install_decision(_map(), 'TAC2TAC', ['node1'], False, False, 'node2')
    msg = str(err.value)
    assert msg.startswith("node2: instance TAC2TAC is not in this host's /p/config/prs_instance.map")
    assert 'recorded as installed on node1' in msg and 'install_host to node1' in msg


def test_decision_unfinished_install_refuses_unless_forced():
    with pytest.raises(pi.InstallRefused) as err:
        pi.install_decision(_map(), 'TAC2TAC', [], True, False, 'node1')
    assert 'was started by an earlier run' in str(err.value)
    assert 'tibero_cm_instance_force_reinstall=true' in str(err.value)
    assert pi.install_decision(_map(), 'TAC2TAC', [], True, True, 'node1') == 'install'
    assert pi.install_decision(_map(listed=True), 'TAC2TAC', ['node2'], False, True, 'node1') == 'install'


def test_cfg_secrets_reads_every_pwd_key(tmp_path):
    path = tmp_path / 'prs_install.cfg'
    path.write_text('# PRS_PWD=commented\nPRS_USER=TAC2TAC\nPRS_PWD=s3cret\nSRC_INSTALL_PWD = srcpw\n'
                    'TAR_INSTALL_PWD=\nTAR_INSTALL_USER=sys\n')
    assert pi.cfg_secrets(str(path)) == {'s3cret', 'srcpw'}
    assert pi.cfg_secrets(str(tmp_path / 'missing.cfg')) == set()


def test_install_argv_writes_the_marker_then_sources_the_installer(tmp_path):
    """Run the real command line against a stand-in installer: marker first, then the installer, stdin closed."""
    prs_home = tmp_path / 'prs'
    (prs_home / 'install').mkdir(parents=True)
    marker = tmp_path / 'marker'
    (prs_home / 'install' / 'prs_install.sh').write_text(
        'test -f "$TCM_MARKER" || exit 9\nread -r line && exit 8\necho "installed from $PWD"\n')
    argv, env = pi.install_argv(str(marker), '2026-12-05T00:00:00+00:00 node1')
    assert argv[:2] == ['/bin/bash', '-c'] and argv[3] == 'prs_install'
    env.update(PRS_HOME=str(prs_home), PATH=os.environ['PATH'])
    done = subprocess.run(argv, env=env, input='y\n', capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'installed from %s' % (prs_home / 'install')
    assert marker.read_text() == '2026-12-05T00:00:00+00:00 node1\n'


def test_install_argv_never_runs_the_installer_without_its_marker(tmp_path):
    prs_home = tmp_path / 'prs'
    (prs_home / 'install').mkdir(parents=True)
    (prs_home / 'install' / 'prs_install.sh').write_text('echo ran\n')
    argv, env = pi.install_argv(str(tmp_path / 'no-such-dir' / 'marker'), 'stamp')
    env.update(PRS_HOME=str(prs_home), PATH=os.environ['PATH'])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and 'ran' not in done.stdout


# Issue 17: the install record and the agent-list guard.
LISTS = dict(delimiter=',', ext=['agent1,agent2', 'agent2,agent1'], apply='agent3,agent4', llob='agent1,agent2')


def test_decision_records_elsewhere_make_a_rebuilt_install_host_installed():
    fresh = _map(exists=False, readable=False)
    assert pi.install_decision(fresh, 'TAC2TAC', [], False, False, 'node1', ['node2']) == 'installed'
    assert pi.install_decision(fresh, 'TAC2TAC', [], False, True, 'node1', ['node2']) == 'install'   # forced
    with pytest.raises(pi.InstallRefused):   # an unfinished install here still needs the operator
        pi.install_decision(fresh, 'TAC2TAC', [], True, False, 'node1', ['node2'])
    with pytest.raises(pi.InstallRefused):   # a map elsewhere is still a moved install host
        pi.install_decision(fresh, 'TAC2TAC', ['node2'], False, False, 'node1', ['node2'])


def test_record_round_trip_and_shapes(tmp_path):
    text = pi.render_record('TAC2TAC', 'node1', LISTS)
    parsed = pi.parse_record(text, 'TAC2TAC')
    assert parsed == dict(install_host='node1', lists=dict(ext=[['agent1', 'agent2'], ['agent2', 'agent1']],
                                                           apply=['agent3', 'agent4'], llob=['agent1', 'agent2']))
    assert pi.parse_record(text, 'OTHER') is None
    assert pi.parse_record('INSTANCE_ID=TAC2TAC\nEXT_CNT=2\nEXT_AGENT_ID_LIST_0=a\n', 'TAC2TAC') is None
    assert pi.parse_record('garbage\n', 'TAC2TAC') is None
    path = str(tmp_path / 'rec')
    assert pi.read_record(path, 'TAC2TAC')['exists'] is False
    with open(path, 'w') as handle:
        handle.write('garbage\n')
    state = pi.read_record(path, 'TAC2TAC')
    assert state['exists'] and state['readable'] and not state['valid'] and 'not a tibero.cm install record' in state['error']


def test_normalize_lists_takes_the_model_s_delimiter_and_split_lists():
    assert pi.normalize_lists(dict(delimiter=':', ext=['a:b'], apply='c', llob='')) == dict(
        ext=[['a', 'b']], apply=['c'], llob=[])
    assert pi.normalize_lists(dict(ext=[['a', 'b']], apply=['c'], llob=['a'])) == dict(
        ext=[['a', 'b']], apply=['c'], llob=['a'])


@pytest.mark.parametrize('expected, changes', [
    (LISTS, []),
    (dict(LISTS, apply='agent3'), ['APPLY_AGENT_ID_LIST: installed agent3,agent4, model agent3']),
    (dict(LISTS, ext=['agent1,agent2', 'agent2,agent1', 'agent5']),      # a source node added: a new thread
     ['EXT_CNT: installed 2, model 3', 'EXT_AGENT_ID_LIST_2: installed (none), model agent5']),
    (dict(LISTS, llob='agent2,agent1'), ['LLOB_AGENT_ID_LIST: installed agent1,agent2, model agent2,agent1']),
    (dict(LISTS, delimiter=':', ext=['agent1:agent2', 'agent2:agent1'], apply='agent3:agent4', llob='agent1:agent2'), []),
])
def test_list_changes(expected, changes):
    assert pi.list_changes(LISTS, expected) == changes


def test_check_lists_without_a_record_checks_nothing_and_a_bad_record_stops():
    assert pi.check_lists(dict(exists=False), dict(LISTS, apply=''), 'TAC2TAC', 'node1') == []
    bad = dict(exists=True, valid=False, path='/p/var/rec', error='not a tibero.cm install record of TAC2TAC', text='x')
    with pytest.raises(pi.InstanceChangeRefused) as err:
        pi.check_lists(bad, LISTS, 'TAC2TAC', 'node1')
    assert 'installed agent lists of TAC2TAC are unknown; nothing was changed' in str(err.value)


def test_key_values_skips_comments_and_blank_lines_and_is_strict_only_when_asked():
    text = '# header\n\nA = 1\nB=two=2\nno equals sign\n'
    assert pi.key_values(text) == {'A': '1', 'B': 'two=2'}
    assert pi.key_values(text, strict=True) is None
    assert pi.key_values(None) == {}
