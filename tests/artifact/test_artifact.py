# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection tarball holds what a user runs and nothing of the lab (issue 15).

Builds the tarball with ``ansible-galaxy collection build`` (galaxy.yml build_ignore decides) into a
temporary directory and reads its member list: no lab, lab inventory, test-only suite (molecule,
reliability, bad input, the repository's controller tests), benchmark or repository tooling; the
plugins, roles, playbooks, meta/runtime.yml, README.md and LICENSE present.

Run from the repository root: ``python -m pytest tests/artifact`` (make playbooks runs it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import tarfile

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# Path prefixes that must never ship: the lab and what needs it, the benchmark, repository tooling.
FORBIDDEN = (
    'lab/', 'inventories/lab/', 'inventories/tsc_lab/', 'molecule/', 'tests/reliability/',
    'tests/badinput/', 'tests/roles/', 'tests/artifact/', 'bench/', 'scripts/', 'build/', '.ci/',
    'Makefile', 'ansible.cfg',
    # The TSC drill breaks the primary the lab's way (kill -9, lab-netcut, the lab's CM file): molecule/tsc.
    'playbooks/tsc_drill.yml', 'roles/tsc_observer/tasks/drill.yml', 'roles/tsc_observer/tasks/drill_health.yml',
    'roles/tsc_observer/tasks/drill_scenario.yml',
)
# Words of the lab's own tools and paths: no shipped text runs them.
LAB_WORDS = ('lab-netcut', '/opt/lab/', '/lab/shared/', 'lab_tbsvr.json')
REQUIRED = ('plugins/', 'roles/', 'playbooks/', 'meta/runtime.yml', 'README.md', 'LICENSE',
            'tests/unit/', 'tests/sanity/',
            # The sudo rights the README's "Sudo rights" shows and the lab installs as they are.
            'examples/sudoers/tibero-cm')


def shipped_problems(members):
    """Members that must not ship, and required entries that are missing, as two sorted lists."""
    names = [m.rstrip('/') for m in members]
    bad = sorted(n for n in names
                 if any(n == f.rstrip('/') or n.startswith(f if f.endswith('/') else f + '/')
                        for f in FORBIDDEN)
                 or '__pycache__' in n.split('/') or n.endswith('.pyc'))
    missing = sorted(r for r in REQUIRED
                     if not any(n == r.rstrip('/') or n.startswith(r if r.endswith('/') else r + '/')
                                for n in names))
    return bad, missing


def test_shipped_problems_flags_lab_files_and_missing_parts():
    bad, missing = shipped_problems([
        'README.md', 'LICENSE', 'meta/runtime.yml', 'plugins/modules/x.py', 'roles/r/tasks/main.yml',
        'playbooks/p.yml', 'tests/unit/t.py', 'tests/sanity/ignore-2.19.txt', 'examples/sudoers/tibero-cm',
        'lab/tools/tbcm', 'inventories/lab/hosts.yml', 'inventories/prod/hosts.yml',
        'molecule/default/molecule.yml', 'tests/reliability/test_x.py', 'bench/run.py', 'Makefile',
        'laboratory.md', 'plugins/filter/__pycache__/x.pyc'])
    assert bad == ['Makefile', 'bench/run.py', 'inventories/lab/hosts.yml', 'lab/tools/tbcm',
                   'molecule/default/molecule.yml', 'plugins/filter/__pycache__/x.pyc',
                   'tests/reliability/test_x.py']
    assert missing == []
    assert shipped_problems(['README.md', 'plugins/a.py'])[1] == [
        'LICENSE', 'examples/sudoers/tibero-cm', 'meta/runtime.yml', 'playbooks/', 'roles/', 'tests/sanity/',
        'tests/unit/']


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp('dist')
    env = dict(os.environ, ANSIBLE_NOCOLOR='1')
    proc = subprocess.run(['ansible-galaxy', 'collection', 'build', '--output-path', str(out), ROOT],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout
    tarballs = [n for n in os.listdir(str(out)) if n.endswith('.tar.gz')]
    assert len(tarballs) == 1, tarballs
    return os.path.join(str(out), tarballs[0])


@pytest.fixture(scope='module')
def members(tarball):
    with tarfile.open(tarball) as archive:
        return archive.getnames()


def test_the_execution_environment_example_builds_its_context_offline(tarball, tmp_path):
    """examples/ee: ansible-builder turns it into a build context with no network: the tarball goes
    into the context, requirements.yml installs it from there, the base image is the EE_BASE_IMAGE
    build argument."""
    for name in ('execution-environment.yml', 'requirements.yml'):
        shutil.copy(os.path.join(ROOT, 'examples', 'ee', name), str(tmp_path / name))
    shutil.copy(tarball, str(tmp_path / 'tibero-cm.tar.gz'))
    context = tmp_path / 'context'
    proc = subprocess.run(['ansible-builder', 'create', '-f', str(tmp_path / 'execution-environment.yml'),
                           '--context', str(context)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout
    containerfile = [n for n in os.listdir(str(context)) if n in ('Containerfile', 'Dockerfile')]
    assert len(containerfile) == 1, os.listdir(str(context))
    text = (context / containerfile[0]).read_text()
    assert 'ARG EE_BASE_IMAGE=' in text and 'FROM $EE_BASE_IMAGE' in text
    assert 'ansible-galaxy' in text or 'install-from-bindep' in text or 'requirements.yml' in text
    built = context / '_build'
    assert (built / 'requirements.yml').read_text() == (tmp_path / 'requirements.yml').read_text()
    assert (built / 'collections' / 'tibero-cm.tar.gz').read_bytes() == (tmp_path / 'tibero-cm.tar.gz').read_bytes()


def test_tarball_ships_no_lab_test_only_or_benchmark_file(members):
    bad, missing = shipped_problems(members)
    assert bad == [], 'must not ship: %s' % bad
    assert missing == [], 'missing from the tarball: %s' % missing


def test_tarball_runs_no_lab_tool(tarball):
    """No shipped playbook or role file names the lab's tools or paths (a lab-only drill left behind)."""
    found = []
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(('playbooks/', 'roles/')) and member.name.endswith('.yml'):
                text = archive.extractfile(member).read().decode('utf-8')
                found += ['%s: %s' % (member.name, w) for w in LAB_WORDS if w in text]
    assert found == []


def test_tarball_ships_every_plugin_role_and_playbook(members):
    shipped = set(members)
    for top in ('plugins/action', 'plugins/modules', 'plugins/module_utils', 'plugins/filter',
                'plugins/doc_fragments', 'playbooks'):
        for name in os.listdir(os.path.join(ROOT, top)):
            if name != '__pycache__':
                assert '%s/%s' % (top, name) in shipped, '%s/%s' % (top, name)
    for role in os.listdir(os.path.join(ROOT, 'roles')):
        assert 'roles/%s/tasks/main.yml' % role in shipped, role
        assert 'roles/%s/meta/argument_specs.yml' % role in shipped, role


@pytest.fixture(scope='module')
def installed(tarball, tmp_path_factory):
    """The tarball installed into an empty collections path, and a work directory without the repository."""
    work = tmp_path_factory.mktemp('site')
    collections = work / 'collections'
    # --force: the check for an installed copy also looks at the user's collections paths.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections))
    proc = subprocess.run(['ansible-galaxy', 'collection', 'install', '--offline', '--force', '-p', str(collections),
                           tarball], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout
    shutil.copytree(os.path.join(ROOT, 'inventories', 'prod'), str(work / 'inventory'))
    example = os.path.join(ROOT, 'examples', 'vault.example.yml')
    with open(example) as handle:
        names = sorted(yaml.safe_load(handle))
    (work / 'secrets.yml').write_text(yaml.safe_dump(dict((name, 'Real_%d' % i) for i, name in enumerate(names))))
    return work


def _run_installed(work, *args):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(ANSIBLE_COLLECTIONS_PATH=str(work / 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_LOCAL_TEMP=str(work / 'tmp'))
    proc = subprocess.run(['ansible-playbook', '-i', 'inventory', '-e', '@secrets.yml'] + list(args), cwd=str(work),
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=300, check=False)
    return proc.returncode, proc.stdout


def test_validate_runs_from_the_installed_collection(installed):
    assert not os.path.exists(str(installed / 'site.yml')) and not os.path.exists(str(installed / 'playbooks'))
    rc, out = _run_installed(installed, 'tibero.cm.validate')
    assert rc == 0, out


def test_site_runs_from_the_installed_collection_in_check_mode(installed):
    """tibero.cm.site --check runs phase 1 from the installed collection: the model passes, then the nodes
    are reached - here every node is pointed at a closed port of this machine's loopback (never the
    example addresses), so the run stops naming them unreachable, with nothing changed."""
    rc, out = _run_installed(installed, 'tibero.cm.site', '--check', '-e', 'ansible_host=127.0.0.1',
                             '-e', 'ansible_port=1', '-e', 'ansible_ssh_common_args="-o ConnectTimeout=5"')
    assert rc != 0, out
    assert '(1/7) Preflight' in out or 'Preflight' in out, out
    assert 'problem(s); no host was touched' not in out, out
    assert 'unreachable node(s):' in out and 'Nothing was changed on any node' in out, out


def test_decommission_from_the_installed_collection_prints_its_plan_and_refuses_unconfirmed(installed):
    """tibero.cm.decommission (issue 17) ships and, without tibero_cm_decommission_confirm, prints the plan
    and stops before any host is contacted (every node points at a closed port: a contact would fail as
    unreachable, which the run must not even try)."""
    rc, out = _run_installed(installed, 'tibero.cm.decommission', '--check', '-e', 'ansible_host=127.0.0.1',
                             '-e', 'ansible_port=1', '-e', 'ansible_ssh_common_args="-o ConnectTimeout=5"')
    assert rc != 0, out
    assert 'stop_group' in out and 'remove_cm_id' in out, out
    assert 'Decommission not confirmed: nothing was done and no host was contacted' in out, out
    assert 'UNREACHABLE' not in out and 'unreachable=1' not in out, out
