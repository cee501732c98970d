"""The scenario's business-case keys: gross_margin, retention_by_coverage and a touchpoint's automation."""

from __future__ import annotations

import pytest

from capacity import ScenarioError, load_scenario

from tests.conftest import DEFAULT_SCENARIO

REVIEW = "segments[Enterprise].touchpoints[Business review]"
ESCALATIONS = "segments[Enterprise].touchpoints[Escalations]"


def _error(data) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    return str(caught.value)


def _with_automation(example: dict, touchpoint: int, automation: dict) -> dict:
    example["segments"][0]["touchpoints"][touchpoint]["automation"] = automation
    return example


def test_gross_margin_defaults_to_80_percent_and_is_read(example):
    assert load_scenario(example).gross_margin == 0.8
    assert load_scenario({**example, "gross_margin": 0.72}).gross_margin == 0.72
    assert load_scenario(DEFAULT_SCENARIO).gross_margin == 0.8


@pytest.mark.parametrize("value, expected", [
    (80, "gross_margin: must be 1 or less (got 80); it is gross profit as a share of revenue, e.g. 0.8 for 80%"),
    (0, "gross_margin: must be more than 0 (got 0); it is gross profit as a share of revenue, e.g. 0.8 for 80%"),
    ("80%", "gross_margin: must be a number (got '80%'); it is gross profit as a share of revenue, e.g. 0.8 for 80%"),
    (True, "gross_margin: must be a number (got true); in YAML yes/no, on/off and true/false are not numbers"),
])
def test_a_gross_margin_that_is_no_share_is_refused(example, value, expected):
    assert _error({**example, "gross_margin": value}) == expected


def test_retention_by_coverage_and_its_floor(example):
    scenario = load_scenario({**example, "retention_by_coverage": {"dedicated": 0.92, "pooled": 0.88}})
    evidence = scenario.retention_by_coverage
    assert evidence.of("dedicated") == 0.92 and evidence.of("digital") is None
    assert evidence.floor == ("pooled", 0.88)  # the lowest-touch coverage given, whatever its value
    assert load_scenario(example).retention_by_coverage is None


@pytest.mark.parametrize("block, expected", [
    ({"dedicated": 0.92}, "retention_by_coverage: give the retention of at least two coverages (got dedicated): "
                          "the return of coverage is what one keeps over another"),
    ({"dedicated": 92, "digital": 0.8}, "retention_by_coverage.dedicated: must be 1 or less (got 92); it is the share "
                                        "of ARR kept a year under this coverage (gross retention), e.g. 0.92 for 92%"),
    ({"dedicated": 0.92, "hybrid": 0.85}, "retention_by_coverage.hybrid: unknown key 'hybrid'; expected one of: "
                                          "dedicated, pooled, digital"),
])
def test_retention_data_that_cannot_measure_a_return_are_refused(example, block, expected):
    assert _error({**example, "retention_by_coverage": block}).endswith(expected)


def test_an_automation_is_a_candidate_until_adopted(example):
    scenario = load_scenario(_with_automation(example, 1, {"name": "AI review prep", "share": 0.4,
                                                           "cost_per_year": 60000}))
    review = scenario.segments[0].touchpoints[1]
    assert review.automation.share == 0.4 and review.automation.adopted is False
    assert review.automated_share == 0.0
    adopted = scenario.with_changes({f"{REVIEW}.automation.adopted": True})
    assert adopted.segments[0].touchpoints[1].automated_share == 0.4
    assert scenario.segments[0].touchpoints[0].automated_share == 0.0  # no automation listed


@pytest.mark.parametrize("automation, expected", [
    ({"name": "AI", "share": 0.4},
     "give exactly one of cost_per_year or cost_per_account_per_year (got neither): a fixed fee a year, or a fee per "
     "account a year"),
    ({"name": "AI", "share": 0.4, "cost_per_year": 60000, "cost_per_account_per_year": 10},
     "give exactly one of cost_per_year or cost_per_account_per_year (got both): a fixed fee a year, or a fee per "
     "account a year"),
    ({"name": "AI", "share": 40, "cost_per_year": 60000},
     "share: must be 1 or less (got 40); it is the share of the touchpoint's minutes (of its occurrences, for inbound) "
     "the software takes over, e.g. 0.4 for 40%"),
    ({"name": "AI", "share": 0, "cost_per_year": 60000}, "share: must be more than 0 (got 0)"),
    ({"name": "AI", "share": 0.4, "cost_per_year": -1}, "cost_per_year: must be 0 or more (got -1)"),
    ({"name": "AI", "share": 0.4, "cost_per_year": 1, "adopted": "maybe"},
     "adopted: must be true or false (got 'maybe')"),
    ({"name": "AI", "shares": 0.4, "cost_per_year": 1}, "unknown key 'shares' (did you mean 'share'?)"),
])
def test_a_malformed_automation_names_its_key(example, automation, expected):
    message = _error(_with_automation(example, 1, automation))
    assert message.startswith("segments[0].touchpoints[1].automation")
    assert expected in message


def test_an_automation_name_is_its_own(example):
    example["options"] = [{"name": "AI review prep", "changes": {f"{REVIEW}.per_year": 2}}]
    data = _with_automation(example, 1, {"name": "AI review prep", "share": 0.4, "cost_per_year": 60000})
    assert _error(data) == ("segments[0].touchpoints[1].automation.name: 'AI review prep' is also an option's name; "
                            "give each automation a name of its own")
    del example["options"]
    data = _with_automation(example, 3, {"name": "AI review prep", "share": 0.5, "cost_per_year": 1})
    assert _error(data) == ("segments[0].touchpoints[3].automation.name: 'AI review prep' is also the automation of "
                            "Enterprise: Business review's name; give each automation a name of its own")


def test_adopting_a_touchpoint_without_an_automation_is_refused(example):
    scenario = load_scenario(example)
    with pytest.raises(ScenarioError) as caught:
        scenario.with_changes({f"{ESCALATIONS}.automation.adopted": True})
    assert str(caught.value) == (
        "segments[Enterprise].touchpoints[Escalations].automation.adopted: this touchpoint lists no automation to "
        "adopt or change; give it automation: {name, share, cost_per_year or cost_per_account_per_year} first "
        "(at segments[0].touchpoints[3].automation)")
