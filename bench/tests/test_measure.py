"""The benchmark's pure computations (bench/measure.py): the numbers `make bench` prints come from here."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import measure  # noqa: E402

# The lab's tool log (LAB_TOOL_TIMING=Y): <start> <node> <tool> <depth> <seconds> <args...>
TOOL_LOG = """\
100.0 node1 tbdown 0 2.0 immediate
100.5 node2 cmrctl 0 0.5 show
102.0 node1 tbcm 0 1.0 -d
102.2 node1 prs_0.sh 1 0.3 PROBE
110.0 node1 tbcm 0 1.5 -b
111.5 node1 tbboot 0 2.5
111.6 node2 cmrctl 0 0.2 add group --name CM1
not a line
abc node1 tbboot 0 1.0
"""


def test_tool_log_lines_become_calls_and_malformed_lines_are_skipped():
    calls = measure.parse_tool_log(TOOL_LOG)
    assert len(calls) == 7
    assert calls[0] == {"start": 100.0, "node": "node1", "tool": "tbdown", "depth": 0, "seconds": 2.0,
                        "args": ["immediate"]}
    assert calls[6]["args"] == ["add", "group", "--name", "CM1"]


@pytest.mark.parametrize("tool, args, mutating, restart, name", [
    ("tbdown", ["immediate"], True, True, "tbdown"),
    ("tbcm", ["-d"], True, True, "tbcm -d"),
    ("tbcm", ["-b"], True, False, "tbcm -b"),
    ("cmrctl", ["show", "all"], False, False, "cmrctl show"),
    ("cmrctl", ["add", "agent"], True, False, "cmrctl add"),
    ("prs_adm", [], False, False, "prs_adm"),
    ("prs_install.sh", [], True, False, "prs_install.sh"),
])
def test_commands_are_classified(tool, args, mutating, restart, name):
    call = {"tool": tool, "args": args}
    assert measure.is_mutating(call) is mutating
    assert measure.is_restart(call) is restart
    assert measure.command_name(call) == name


@pytest.mark.parametrize("intervals, total", [
    ([], 0.0),
    ([(0, 1)], 1.0),
    ([(0, 2), (1, 3)], 3.0),          # overlapping: counted once
    ([(5, 6), (0, 1), (0.5, 0.7)], 2.0),  # unsorted, one inside another
    ([(0, 1), (1, 2)], 2.0),          # touching
])
def test_union_of_intervals_is_the_time_some_tool_ran(intervals, total):
    assert measure.union_seconds(intervals) == pytest.approx(total)


def test_summary_counts_only_what_the_run_asked_for():
    summary = measure.summarize_calls(measure.parse_tool_log(TOOL_LOG))
    assert summary["commands"] == 6            # the depth-1 agent script run by CM is not ours
    assert summary["mutating"] == 5 and summary["restarts"] == 2
    # floor: [100, 102) + [102, 103) + [110, 114) with node2's reads inside: 7 s; sum of durations 7.7 s
    assert summary["floor_s"] == pytest.approx(7.0)
    assert summary["tool_seconds_sum"] == pytest.approx(7.7)
    assert summary["per_host"]["node2"] == {"commands": 2, "read_only": 1, "mutating": 1, "restarts": 0,
                                            "seconds": 0.7, "by_command": {"cmrctl show": 1, "cmrctl add": 1}}


def test_summary_window_keeps_calls_of_one_run():
    summary = measure.summarize_calls(measure.parse_tool_log(TOOL_LOG), window=(109.0, 120.0))
    assert summary["commands"] == 3 and summary["restarts"] == 0


def _events(*rows):
    return measure.parse_events("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")


EVENTS = _events(
    {"ev": "play", "name": "P1", "t": 0.0},
    {"ev": "task", "name": "read", "play": "P1", "uuid": "u1", "t": 0.0},
    {"ev": "result", "host": "n1", "task": "read", "play": "P1", "status": "ok", "changed": False, "t": 1.0},
    {"ev": "result", "host": "n2", "task": "read", "play": "P1", "status": "skipped", "t": 1.0},
    # a meta task (end_host) starts once per host: two task events, one uuid
    {"ev": "task", "name": "leave", "play": "P1", "uuid": "u2", "t": 2.0},
    {"ev": "task", "name": "leave", "play": "P1", "uuid": "u2", "t": 2.5},
    {"ev": "play", "name": "P2", "t": 3.0},
    {"ev": "task", "name": "write", "play": "P2", "uuid": "u3", "t": 3.0},
    {"ev": "result", "host": "n1", "task": "write", "play": "P2", "status": "ok", "changed": True, "t": 5.0},
    {"ev": "result", "host": "n2", "task": "write", "play": "P2", "status": "failed", "t": 5.0},
    {"ev": "stats", "t": 6.0, "stats": {"n1": {"ok": 2, "changed": 1, "failures": 0, "unreachable": 0},
                                        "n2": {"ok": 0, "changed": 0, "failures": 1, "unreachable": 1}}},
)


def test_events_give_counts_rounds_and_durations():
    assert len(EVENTS) == 11                       # the line that is not JSON is skipped
    assert measure.changed_total(EVENTS) == 1
    assert measure.failed_total(EVENTS) == 2
    assert measure.changed_tasks(EVENTS) == ["P2 | write [n1]"]
    assert measure.failed_tasks(EVENTS) == ["P2 | write [n2]"]
    assert measure.task_count(EVENTS) == 4
    assert measure.task_rounds(EVENTS) == 3        # flat with the number of hosts
    durations = measure.task_durations(EVENTS)
    assert [(r["task"], r["seconds"], r["hosts"]) for r in durations] == [
        ("read", 2.0, 1), ("leave", 0.5, 0), ("leave", 0.5, 0), ("write", 3.0, 2)]  # failed counts, skipped not
    assert measure.slowest_tasks(EVENTS, top=2) == [
        {"play": "P2", "task": "write", "seconds": 3.0, "runs": 1},
        {"play": "P1", "task": "read", "seconds": 2.0, "runs": 1}]
    assert measure.play_durations(EVENTS) == [("P1", 3.0), ("P2", 3.0)]


def test_no_stats_event_means_no_counts():
    assert measure.play_stats([]) == {} and measure.changed_total([]) == 0


def test_prs_adm_status_tells_where_each_process_runs():
    text = """Admin> status
prs_agent ID: agent1, HOST: 172.19.0.11, PORT: 7600, CM_GROUP: CM1, CM_ID: 0 is not running
prs_agent ID: agent2, HOST: 172.19.0.12, PORT: 7700, CM_GROUP: CM1, CM_ID: 1 is running

Instance ID: [TAC2TAC]
TAC2TAC_ext1 (1) is running (prs_agent ID : agent2, HOST: 172.19.0.12, PORT: 7700)
TAC2TAC_apply1 is not running
TAC2TAC_llob (1) is running (prs_agent ID : agent2, HOST: 172.19.0.12, PORT: 7700)
"""
    agents, procs = measure.parse_prs_status(text)
    assert agents == {"agent1": False, "agent2": True}
    assert procs == {"TAC2TAC_ext1": "agent2", "TAC2TAC_apply1": None, "TAC2TAC_llob": "agent2"}
    # `prs_adm -c status` prints no prompt: the same reading
    assert measure.parse_prs_status(text.replace("Admin> status\n", "")) == (agents, procs)


def test_prs_adm_output_without_listing_raises_with_the_raw_text():
    text = "\nProSync 4 - Admin Utility\n\nAdmin> "
    with pytest.raises(measure.PrsAdmParseError) as exc:
        measure.parse_prs_status(text)
    assert exc.value.raw == text


PROC_STAT = """cpu  {user} 0 {system} {idle} {iowait} 0 {softirq} 0 0 0
cpu0 1 0 1 1 0 0 0 0 0 0
intr 12345
"""


def test_cpu_jiffies_and_busy_cores():
    before = measure.cpu_jiffies(PROC_STAT.format(user=100, system=50, idle=800, iowait=40, softirq=10))
    after = measure.cpu_jiffies(PROC_STAT.format(user=250, system=100, idle=850, iowait=40, softirq=10))
    assert before == (160, 1000) and after == (360, 1250)
    # 200 of 250 jiffies busy on a 2-core machine: 1.6 cores busy on average
    assert measure.busy_cores(before, after, 2) == 1.6
    assert measure.busy_cores(before, before, 2) == 0.0
    with pytest.raises(ValueError):
        measure.cpu_jiffies("intr 1\n")


def test_fastest_run_keeps_every_wall_and_skips_failed_runs():
    runs = [dict(label='a', rc=0, wall_s=12.7), dict(label='b', rc=2, wall_s=3.0), dict(label='c', rc=0, wall_s=9.3)]
    best = measure.fastest(runs)
    assert (best['label'], best['wall_s'], best['repeats'], best['wall_all_s']) == ('c', 9.3, 3, [12.7, 3.0, 9.3])
    assert 'repeats' not in runs[2]                     # the runs themselves are left as they were
    assert measure.fastest([dict(label='x', rc=1, wall_s=5.0)])['label'] == 'x'
    assert measure.fastest([]) is None
