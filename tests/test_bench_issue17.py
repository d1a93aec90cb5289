"""The benchmark harness's arithmetic for issue 17: medians, server CPU per request, ratios to the
update floor, the targets' verdicts and the ``--issue-17`` selection. No server, no timing."""

from __future__ import annotations

import pytest

from bench import cli, targets
from bench.loadgen import RunResult
from bench.registry import FLOOR, Check, Scenario, Trial, TrialResult
from bench.report import Summary, TrialSummary
from bench.wrk import WrkResult, WrkSummary


def loadgen_run(
    name: str, requests: int, elapsed: float, p99_ms: float, server_cpu: float | None
) -> RunResult:
    # 99 fast answers and one at p99_ms per hundred: the nearest-rank p99 is the slow one.
    latencies = ([0.001] * 98 + [p99_ms / 1000] * 2) * (requests // 100)
    return RunResult(name, 8, requests, 0, elapsed, latencies, server_cpu=server_cpu)


def loadgen(name: str, runs: list[tuple[int, float, float, float | None]], method: str = "GET") -> Summary:
    target = FLOOR if name.startswith("floor") else "service"
    scenario = Scenario(name, "/", method=method, target=target)
    return Summary(scenario, 8, [loadgen_run(name, *run) for run in runs])


def wrk_summary(name: str, runs: list[tuple[int, float, float, float | None]]) -> WrkSummary:
    results = [
        WrkResult(name, 8, requests, 0, elapsed, 0.001, p99_ms / 1000, p99_ms / 1000, cpu)
        for requests, elapsed, p99_ms, cpu in runs
    ]
    return WrkSummary(Scenario(name, "/"), 8, results)


# --- medians and CPU per request -------------------------------------------------------------


def test_medians_and_cpu_per_request_of_the_load_generators_runs():
    # req/s 1000, 500, 2000 -> median 1000; CPU per request 0.4, 0.8, 0.2 ms -> median 0.4 ms.
    summary = loadgen("checkin scan", [(1000, 1.0, 5, 0.4), (1000, 2.0, 9, 0.8), (1000, 0.5, 7, 0.2)], "POST")
    assert summary.rps == pytest.approx(1000)
    assert summary.p99_ms == pytest.approx(7)
    assert summary.server_cpu_us == pytest.approx(400)
    assert targets.cpu_ms(summary) == pytest.approx(0.4)


def test_wrk_cpu_per_request_skips_runs_without_a_reading():
    summary = wrk_summary(
        "calendar personal feed", [(2000, 1.0, 4, 1.0), (3000, 1.0, 6, None), (1000, 1.0, 5, 0.3)]
    )
    assert summary.rps == pytest.approx(2000)
    assert summary.p99_ms == pytest.approx(5)
    # 0.5 ms and 0.3 ms per request: the median of two is their mean.
    assert targets.cpu_ms(summary) == pytest.approx(0.4)
    assert targets.cpu_ms(wrk_summary("x", [(100, 1.0, 1, None)])) is None
    assert targets.cpu_ms(None) is None


# --- ratios to the update floor ----------------------------------------------------------------


def test_ratios_to_the_update_floor_in_both_clients():
    by_loadgen = {
        ("floor", 8): loadgen("floor", [(4000, 1.0, 2, 0.3)]),
        ("floor update", 8): loadgen("floor update", [(500, 1.0, 20, 0.25)], "POST"),
        ("checkin scan", 8): loadgen("checkin scan", [(250, 1.0, 30, 0.5)], "POST"),
        ("registration", 8): loadgen("registration", [(100, 1.0, 60, 0.5)], "POST"),
    }
    by_wrk = {
        ("floor update", 8): wrk_summary("floor update", [(800, 1.0, 10, 0.32)]),
        ("checkin scan", 8): wrk_summary("checkin scan", [(600, 1.0, 12, 0.96)]),
    }
    lines = {line.scenario: line for line in targets.costs(by_loadgen, by_wrk)}
    assert list(lines) == ["floor", "floor update", "checkin scan", "registration"]
    scan = lines["checkin scan"]
    assert scan.loadgen_vs_update == pytest.approx(0.5)
    assert scan.wrk_vs_update == pytest.approx(0.75)
    assert scan.loadgen_cpu_ms == pytest.approx(2.0) and scan.wrk_cpu_ms == pytest.approx(1.6)
    assert scan.cpu_vs_update == pytest.approx(4.0)  # wrk's: 1.6 ms against 0.4 ms
    registration = lines["registration"]
    assert registration.wrk_vs_update is None and registration.loadgen_vs_update == pytest.approx(0.2)
    assert registration.cpu_vs_update == pytest.approx(10.0)  # no wrk run: 5 ms against 0.5 ms
    assert lines["floor update"].loadgen_vs_update == pytest.approx(1.0)

    text = targets.format_costs(list(lines.values()))
    assert "checkin scan / floor update = 0.75 (wrk c=8)" in text
    assert "registration / floor update = 0.20 (loadgen c=8)" in text
    assert "2.000" in text and "1.600" in text


def test_a_missing_or_idle_floor_gives_no_ratio():
    assert targets.rps_ratio(loadgen("a", [(100, 1.0, 1, 0.1)]), None) is None
    assert targets.rps_ratio(loadgen("a", [(100, 1.0, 1, 0.1)]), loadgen("floor", [(0, 1.0, 1, 0.1)])) is None
    assert (
        targets.cpu_ratio(loadgen("a", [(100, 1.0, 1, 0.1)]), loadgen("floor", [(100, 1.0, 1, None)])) is None
    )


# --- verdicts ----------------------------------------------------------------------------------


def _row(lines, row: str, what_starts: str):
    return next(line for line in lines if line[0] == row and line[1].startswith(what_starts))


def test_the_targets_use_wrk_when_it_ran_and_judge_the_bound():
    feed_loadgen = loadgen("calendar personal feed", [(1000, 1.0, 12, 0.5)] * 3)
    feed_wrk = wrk_summary(
        "calendar personal feed", [(3000, 1.0, 9.5, 1.0), (3000, 1.0, 8, 1.0), (3000, 1.0, 30, 1.0)]
    )
    lines = targets.verdicts(
        {("calendar personal feed", 8): feed_loadgen}, {("calendar personal feed", 8): feed_wrk}, {}
    )
    assert _row(lines, "personal calendar feed", "p99") == (
        "personal calendar feed",
        "p99 <= 10 ms",
        "9.5 ms",
        "PASS",
        "wrk c=8",
    )
    # Without wrk, the load generator's median (12 ms) fails the bound.
    lines = targets.verdicts({("calendar personal feed", 8): feed_loadgen}, {}, {})
    assert _row(lines, "personal calendar feed", "p99")[2:] == ("12.0 ms", "FAIL", "loadgen c=8")
    assert _row(lines, "badge scan", ">=")[3] == "not run"


def test_throughput_targets_are_at_least_bounds():
    scan = wrk_summary("checkin scan", [(1150, 1.0, 10, 1.0)])
    lines = targets.verdicts({}, {("checkin scan", 8): scan}, {})
    assert _row(lines, "badge scan", ">=")[2:4] == ("1,150 req/s", "PASS")
    slower = wrk_summary("checkin scan", [(1149, 1.0, 10, 1.0)])
    assert _row(targets.verdicts({}, {("checkin scan", 8): slower}, {}), "badge scan", ">=")[3] == "FAIL"


def test_a_trials_value_is_the_median_of_its_runs_and_checks_must_all_pass():
    runs = [
        TrialResult(figures={"settle ms": value}, checks=[Check("exact", passed)])
        for value, passed in ((1500, True), (2500, True), (1900, False))
    ]
    race = TrialSummary(Trial("registration race", None), runs)
    lines = targets.verdicts({}, {}, {"registration race": race})
    assert _row(lines, "500-way race", "settles")[2:4] == ("1,900 ms", "PASS")
    assert _row(lines, "500-way race", "exact")[2:4] == ("checks failed", "FAIL")


# --- the issue-17 selection --------------------------------------------------------------------


def test_issue_17_names_every_scenario_and_trial_the_targets_read():
    names = targets.issue_17_names()
    assert names[:2] == ["registration", "registration race"]
    assert {"checkin scan", "calendar personal feed", "letters render", "badges"} <= set(names)
    assert len(names) == len(set(names)) and "" not in names


def test_issue_17_option_selects_those_and_the_floors_and_tolerates_absent_modules():
    args = cli.parse_args(["--issue-17", "--repeat", "3"])
    assert args.repeat == 3 and set(args.optional) == set(targets.issue_17_names())
    scenarios = [
        Scenario("floor", "/", target=FLOOR),
        Scenario("floor update", "/", method="POST", target=FLOOR),
        Scenario("health", "/health"),
        Scenario("registration", "/r", method="POST"),
        Scenario("calendar personal feed", "/c"),
        Scenario("calendar personal feed 304", "/c"),
    ]
    trials = [Trial("registration race", None), Trial("visits 200x12", None)]
    chosen, chosen_trials = cli.select(scenarios, trials, args.only, False, args.optional)
    assert [s.name for s in chosen] == ["floor", "floor update", "registration", "calendar personal feed"]
    assert [t.name for t in chosen_trials] == ["registration race"]
    # An explicit unknown name is still an error.
    with pytest.raises(cli.BenchError):
        cli.select(scenarios, trials, ["no such scenario"], False, args.optional)


def test_a_trial_that_ran_without_its_figure_fails_instead_of_not_run():
    broken = TrialSummary(Trial("letters render", None), [TrialResult(figures={}, errors=1)])
    lines = targets.verdicts({}, {}, {"letters render": broken})
    assert _row(lines, "letters", ">= 60")[2:] == ("-", "FAIL", "no figure in 1 run(s)")
    assert _row(lines, "badges on 4xA6 sheets", ">=")[3] == "not run"
