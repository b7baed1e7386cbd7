"""The small organisation's statistics look like a real organisation's: printed (run with
`-s` to see them) and bounded."""

from __future__ import annotations

import statistics

from ingestion.sandbox import ground_truth


def test_distributions_look_real(small_org):
    truth = ground_truth(small_org)
    now = small_org.now_ts
    print("\nvalue stream  PR cycle p50 (h)  p90 (h)  lead p50 (h)  CFR    rework  restore p50 (h)")
    for stream in small_org.value_streams:
        sid = stream.value_stream_id
        repos = {r.full_name for r in small_org.repositories if r.value_stream_id == sid}
        cycle = sorted(
            (p.merged_ts - p.created_ts) / 3600
            for name in repos
            for p in small_org.pull_requests[name]
            if p.merged_ts is not None
        )
        lead = [r["lead_time_seconds"] / 3600 for r in truth.changes if r["value_stream_id"] == sid]
        cfr = [r for r in truth.change_failure_rate if r["value_stream_id"] == sid]
        deployments = sum(r["deployments"] for r in cfr)
        failed = sum(r["failed"] for r in cfr) / deployments
        rework = (
            sum(r["rework"] for r in truth.deployment_rework_rate if r["value_stream_id"] == sid)
            / deployments
        )
        restore = [
            (r["resolved_at"] - r["triggered_at"]).total_seconds() / 3600
            for r in truth.incidents
            if r["value_stream_id"] == sid and r["resolved_at"] is not None
        ]
        p90 = cycle[int(len(cycle) * 0.9)]
        print(
            f"{sid:<13} {statistics.median(cycle):>16.1f} {p90:>8.1f} "
            f"{statistics.median(lead):>13.1f} {failed:>6.1%} {rework:>7.1%} "
            f"{statistics.median(restore) if restore else float('nan'):>16.1f}"
        )
        assert 2 <= statistics.median(cycle) <= 5 * 24  # hours to days
        assert p90 > 2 * statistics.median(cycle)  # a long tail
        assert 0.02 <= failed <= 0.30
        assert 0.01 <= rework <= 0.20
        assert 4 <= statistics.median(lead) <= 14 * 24
    # the improving team (catalog) ships more often and faster at the end of the year
    catalog = [r for r in truth.changes if r["repository"] == "acme/catalog-api"]
    early = [
        r["lead_time_seconds"] for r in catalog if r["deployed_at"].timestamp() < now - 273 * 86_400
    ]
    late = [
        r["lead_time_seconds"] for r in catalog if r["deployed_at"].timestamp() >= now - 91 * 86_400
    ]
    print(
        f"catalog-api lead time p50: first quarter {statistics.median(early) / 3600:.1f} h, "
        f"last quarter {statistics.median(late) / 3600:.1f} h"
    )
    assert statistics.median(late) < 0.7 * statistics.median(early)
    deploys = [r for r in truth.production_deployments if r["repository"] == "acme/catalog-api"]
    first = sum(r["finished_at"].timestamp() < now - 273 * 86_400 for r in deploys)
    last = sum(r["finished_at"].timestamp() >= now - 91 * 86_400 for r in deploys)
    print(f"catalog-api production deployments: first quarter {first}, last quarter {last}")
    assert last > 2.5 * first
