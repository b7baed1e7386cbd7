"""Per-stream headline numbers, computed from the rows the queries return."""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = [
    "value_stream_id",
    "value_stream_name",
    "weeks",
    "deployments",
    "deployments_per_week",
    "deployment_days",
    "failed_attempts",
    "band_week",
    "band_trailing_12w",
    "band",
]


def stream_summaries(weekly: pd.DataFrame, failed: pd.DataFrame) -> pd.DataFrame:
    """One row per value stream in ``weekly`` (the period's weeks of each stream).

    deployments / deployment_days / failed_attempts add up over the period's weeks;
    deployments_per_week is deployments over the stream's weeks in the period. The band
    is that of the last complete week in the period (a stream's latest week is still in
    progress), with the trailing 12-week average it was taken from; missing (test with
    ``pd.isna``) when the period holds no complete week.
    """
    rows = []
    for stream_id, weeks in weekly.groupby("value_stream_id", sort=False):
        weeks = weeks.sort_values("week_start")
        complete = weeks[~weeks["week_in_progress"]]
        band_row = complete.iloc[-1] if not complete.empty else None
        deployments = int(weeks["deployments"].sum())
        failed_rows = failed[failed["value_stream_id"] == stream_id]
        rows.append(
            {
                "value_stream_id": stream_id,
                "value_stream_name": weeks["value_stream_name"].iloc[0],
                "weeks": len(weeks),
                "deployments": deployments,
                "deployments_per_week": deployments / len(weeks),
                "deployment_days": int(weeks["deployment_days"].sum()),
                "failed_attempts": int(failed_rows["failed_attempts"].sum()),
                "band_week": band_row["week_start"] if band_row is not None else None,
                "band_trailing_12w": (
                    float(band_row["trailing_12w_deployments_per_week"])
                    if band_row is not None
                    else None
                ),
                "band": band_row["band"] if band_row is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
