"""Offline stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test bootstraps pip in each of its virtual environments by running a get-pip script that it
downloads from a host this machine cannot reach. scripts/bootstrap.sh installs this file as
~/.ansible/test/cache/get_pip_<version>.py next to pip-<version>-py3-none-any.whl (fetched from PyPI
with `pip download`). It installs the requested pip with pip taken from that wheel, from that
directory only (--no-index).

ansible-test runs it as: python get_pip_<version>.py [pip options] pip==<version> [--no-setuptools] [--no-wheel]
"""

import glob
import os
import re
import sys

# get-pip.py's own options that `pip install` does not know.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    cache_dir = os.path.dirname(os.path.abspath(__file__))
    match = re.match(r"get_pip_(\d+(?:_\d+)*)\.py$", os.path.basename(__file__))
    if not match:
        sys.exit("%s: cannot tell the pip version from the file name" % __file__)
    version = match.group(1).replace("_", ".")
    wheels = glob.glob(os.path.join(cache_dir, "pip-%s-*.whl" % version))
    if not wheels:
        sys.exit("%s: pip-%s wheel missing in %s (run scripts/bootstrap.sh)" % (__file__, version, cache_dir))

    # A wheel is a zip archive that Python can import from: run that pip itself.
    sys.path.insert(0, wheels[0])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    return pip_main(["install", "--no-index", "--find-links", cache_dir] + args)


if __name__ == "__main__":
    sys.exit(main())
