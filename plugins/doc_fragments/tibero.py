# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Options of every module that runs Tibero tools ($TB_HOME/bin).
    DOCUMENTATION = r'''
options:
  tb_home:
    description:
      - Tibero home directory. Tools are run as C(<tb_home>/bin/<tool>), else found on E(PATH).
      - Passed to the tools as E(TB_HOME), with C(<tb_home>/bin) and C(<tb_home>/lib) put in front of
        E(PATH) and E(LD_LIBRARY_PATH); no login profile is read.
      - Defaults to the E(TB_HOME) environment variable of the remote user.
    type: path
  timeout:
    description:
      - Seconds each vendor command may run before it is killed and the task fails (V(0) = no limit).
    type: int
    default: 120
notes:
  - Run the module as the Tibero OS user (for example with C(become_user)); the tools refuse to run as
    root on many sites.
  - Commands run with E(LC_ALL=C) so that their output is parsed the same way everywhere.
'''

    # The CM_SID option, for modules that talk to the Cluster Manager.
    CM_SID = r'''
options:
  cm_sid:
    description:
      - SID of the Cluster Manager, passed as E(CM_SID); its tip file is C($TB_HOME/config/<cm_sid>.tip).
      - Defaults to the E(CM_SID) environment variable of the remote user.
    type: str
'''
