"""lab-availability: the sampler daemon and the per-cluster longest no-open-instance interval."""

import json
import time

from conftest import wait_until
from labsim import availability


def test_longest_outage_counts_only_after_the_cluster_was_first_open():
    samples = [(0.0, []), (1.0, ["a"]), (2.0, []), (3.5, []), (4.0, ["b"]), (5.0, ["a", "b"]), (6.0, [])]
    longest, outages = availability.longest_outage(samples, ["a", "b"])
    # 0.0 (never open yet) is not an outage; 2.0-4.0 is; 6.0 runs to the last sample (0 s long).
    assert outages == [(2.0, 4.0), (6.0, 6.0)]
    assert longest == 2.0


def test_longest_outage_is_zero_when_one_member_is_always_open():
    samples = [(0.0, ["a"]), (1.0, ["a", "b"]), (2.0, ["b"]), (3.0, ["a"])]
    assert availability.longest_outage(samples, ["a", "b"]) == (0.0, [])


def test_report_per_cluster_and_resolution():
    topology = {"clusters": [
        {"name": "src", "db_name": "db1", "nodes": [{"tb_sid": "s1"}, {"tb_sid": "s2"}]},
        {"name": "tar", "db_name": "db2", "nodes": [{"tb_sid": "t1"}]}]}
    samples = [(10.0, {"db1": ["s1"], "db2": ["t1"]}), (10.2, {"db1": [], "db2": ["t1"]}),
               (11.0, {"db1": ["s2"], "db2": []})]
    report = availability.report(topology, samples)
    assert report["clusters"]["src"] == {"longest_no_open_instance_s": 0.8, "outages": 1, "seen_open": True}
    assert report["clusters"]["tar"] == {"longest_no_open_instance_s": 0.0, "outages": 1, "seen_open": True}
    assert report["samples"] == 3 and report["max_sample_gap_s"] == 0.8


def test_sampler_daemon_records_a_real_outage_and_stops(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")
    with open(site.shared + "/topology.json", "w") as handle:
        json.dump({"clusters": [{"name": "cls", "db_name": "tibero", "nodes": [{"tb_sid": "tibero1"}]}]}, handle)
    node.ok("tbboot")
    assert "started" in node.ok("lab-availability", "start", "--period", "0.1")
    assert "already running" in node.ok("lab-availability", "start")

    def report():
        return json.loads(node.ok("lab-availability", "report"))["clusters"]["cls"]

    assert wait_until(lambda: report()["seen_open"], timeout=10)
    node.ok("tbdown", "immediate")
    time.sleep(1.0)
    node.ok("tbboot")
    assert wait_until(lambda: report()["outages"] == 1 and report()["longest_no_open_instance_s"] >= 0.8,
                      timeout=10), report()
    assert "stopped (pid" in node.ok("lab-availability", "stop")
    assert wait_until(lambda: "none running" in node.ok("lab-availability", "stop"), timeout=5)
    # --since drops the samples before it: the outage above is gone from a later window.
    later = json.loads(node.ok("lab-availability", "report", "--since", str(time.time())))
    assert later["samples"] == 0 and later["clusters"]["cls"]["outages"] == 0


def test_usage_and_missing_topology(site):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1")
    assert node.run("lab-availability", "bogus").returncode == 2
    result = node.run("lab-availability", "report")
    assert result.returncode == 1 and "no topology.json" in result.stderr
