from orchestration.dbt_args import dbt_build_args


def test_default_build_leaves_unit_tests_to_the_test_suite() -> None:
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]


def test_full_refresh_and_selection() -> None:
    assert dbt_build_args(full_refresh=True, select="marts") == [
        "build",
        "--full-refresh",
        "--select",
        "marts",
        "--exclude-resource-type",
        "unit_test",
    ]


def test_unit_tests_can_be_kept() -> None:
    assert dbt_build_args(unit_tests=True) == ["build"]


def test_the_hourly_refresh_leaves_the_audit_tests_out() -> None:
    assert dbt_build_args(audit=False) == [
        "build",
        "--exclude",
        "tag:audit",
        "--exclude-resource-type",
        "unit_test",
    ]


def test_more_exclusions_join_the_audit_in_one_exclude() -> None:
    assert dbt_build_args(audit=False, exclude="path:models/marts/flow", unit_tests=True) == [
        "build",
        "--exclude",
        "path:models/marts/flow tag:audit",
    ]
