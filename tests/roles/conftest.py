# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the controller-only tests of tests/roles: the collection copy they run against."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


@pytest.fixture(scope='session', autouse=True)
def built_collection():
    # make controller-matrix builds the copy once for all releases it runs at the same time.
    script = os.path.join(ROOT, 'scripts', 'build_collection.sh')
    if os.path.exists(script) and not os.environ.get('TCM_COLLECTION_BUILT'):
        subprocess.run(['bash', script], cwd=ROOT, check=True, capture_output=True)
