from orchestration.dbt_args import dbt_build_args


def test_build_runs_everything_by_default() -> None:
    assert dbt_build_args() == ["build"]


def test_full_refresh_and_selection() -> None:
    assert dbt_build_args(full_refresh=True, select="marts") == [
        "build",
        "--full-refresh",
        "--select",
        "marts",
    ]
