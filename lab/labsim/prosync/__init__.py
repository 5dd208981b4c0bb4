"""Simulated ProSync 4 (CDC replication) for the tibero.cm lab.

Modules, one job each:
  layout      -- every path this simulation reads or writes (under $PRS_HOME and $LAB_SHARED);
  config      -- the vendor file formats: install cfgs, prs_agent_<id>.cfg, prs_instance.map;
  install_agent / install -- what `. prs_install_agent.sh` / `. prs_install.sh` do;
  registry    -- shared state between nodes: agent heartbeats, fences, instance catalogue, claims;
  agent       -- the prs_agent daemon and the lab-only control verbs prs_cm.sh calls;
  proc        -- the replication processes prs_ext / prs_apply / prs_llob;
  adm         -- the prs_adm console;
  databases   -- the simulated databases as ProSync sees them (open instances, ProSync schema).

The image ships the package complete: `lab-provision` needs nothing ProSync-specific per node.
"""
