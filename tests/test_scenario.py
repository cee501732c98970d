"""Loading and validating scenarios: good files load, bad ones name the key."""

import pytest
from pydantic import ValidationError

from capacity import ScenarioError, load_scenario
from capacity.scenario import RULE_OF_THUMB_CUSTOMER_SHARE

from .conftest import DEFAULT_SCENARIO, write
from .test_fiscal import tiny


def test_default_scenario_loads_and_resolves_book_beside_it():
    scenario = load_scenario(DEFAULT_SCENARIO)
    assert scenario.source == DEFAULT_SCENARIO
    assert scenario.book == DEFAULT_SCENARIO.parent / "book.csv"
    assert [s.name for s in scenario.segments] == ["Enterprise", "Mid-Market", "SMB", "Long tail"]
    assert {s.coverage for s in scenario.segments} == {"dedicated", "pooled", "digital"}


def test_frequency_per_year_is_per_month_over_twelve(example):
    scenario = load_scenario(example)
    review = scenario.segments[0].touchpoints[1]
    assert review.frequency_per_month == pytest.approx(4 / 12)
    assert scenario.segments[0].touchpoints[2].frequency_per_month == 0.0


def test_scenario_is_frozen(example):
    scenario = load_scenario(example)
    with pytest.raises(ValidationError):
        scenario.name = "changed"


def test_share_defaults_to_two_thirds(example):
    del example["csm"]["customer_time_share"]
    csm = load_scenario(example).csm
    assert csm.share == RULE_OF_THUMB_CUSTOMER_SHARE
    assert csm.customer_hours_per_month == pytest.approx(1880 / 12 * 2 / 3)


def test_internal_activities_give_customer_hours(example):
    del example["csm"]["customer_time_share"]
    example["csm"]["internal_activities"] = [
        {"name": "Team meeting", "minutes": 60, "per_month": 4},
        {"name": "Email", "minutes": 30, "per_month": 20},
        {"name": "Training", "minutes": 480, "per_year": 6},
    ]
    csm = load_scenario(example).csm
    assert csm.internal_hours_per_month == pytest.approx(4 + 10 + 4)
    assert csm.customer_hours_per_month == pytest.approx(1880 / 12 - 18)
    assert csm.share == pytest.approx((1880 / 12 - 18) / (1880 / 12))


def _error(data, tmp_path=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["csm"].update(customer_time_share=0), "csm.customer_time_share: input should be greater than 0"),
        (lambda d: d["csm"].update(customer_time_share=1.5), "csm.customer_time_share: input should be less than or equal to 1"),
        (lambda d: d["csm"].update(customer_time_share="two-thirds"), "csm.customer_time_share: input should be a valid number"),
        (lambda d: d["csm"].update(pto_days=-1), "csm.pto_days: input should be greater than or equal to 0"),
        (lambda d: d["csm"].update(pto_days=300), "csm: pto_days 300 leaves no working time"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(minutes=-5), "segments[0].touchpoints[0].minutes: input should be greater than or equal to 0 (got -5)"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(per_year=12), "segments[0].touchpoints[0]: give exactly one of per_month or per_year (got both)"),
        (lambda d: d["segments"][0]["touchpoints"][2].update(per_month=1), "segments[0].touchpoints[2]: a one_time touchpoint takes no per_month"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(kind="weekly"), "segments[0].touchpoints[0].kind: input should be 'recurring', 'one_time', 'inbound' or 'program'"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(minuts=5), "segments[0].touchpoints[0].minuts: unknown key 'minuts' (did you mean 'minutes'?)"),
        (lambda d: d["csm"].pop("loaded_cost_per_year"), "csm.loaded_cost_per_year: missing required key"),
        (lambda d: d.pop("segments"), "segments: missing required key"),
        (lambda d: d["segments"].append(dict(d["segments"][0], name="Copy")), "segments[1].min_arr: threshold 100,000 is also segments[0]'s"),
        (lambda d: d["segments"].append(dict(d["segments"][0], min_arr=5)), "segments[1].name: segment name 'Enterprise' is used twice"),
        (lambda d: d["csm"].update(internal_activities=[{"name": "x", "minutes": 60, "per_month": 1}]), "csm: give customer_time_share or internal_activities, not both"),
        (lambda d: d.update(top_down_arr_per_csm=[0]), "top_down_arr_per_csm[0]: input should be greater than 0"),
        (lambda d: d["segments"][0].update(arr=float("nan")), "segments[0].arr: input should be a finite number"),
    ],
)
def test_bad_scenarios_name_the_key(example, edit, expected):
    edit(example)
    assert expected in _error(example)


def test_internal_work_beyond_working_hours(example):
    del example["csm"]["customer_time_share"]
    example["csm"]["internal_activities"] = [{"name": "Meetings", "minutes": 600, "per_month": 20}]
    assert "csm: internal_activities take 200.0 h/month, more than the 156.7 working hours" in _error(example)


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path / "s.yaml", "csm:\n  hours_per_week: 40\n  pto_days: [25\nsegments: []\n")
    message = _error(path)
    assert message.startswith(f"{path}: line ")
    assert "YAML syntax error" in message


def test_file_problems(tmp_path):
    assert _error(tmp_path / "missing.yaml").endswith("missing.yaml: file not found")
    assert _error(tmp_path).endswith("is a directory, not a YAML file")
    assert "the file is empty" in _error(write(tmp_path / "empty.yaml", ""))
    assert "the top level must be a mapping" in _error(write(tmp_path / "list.yaml", "- 1\n- 2\n"))
    (tmp_path / "latin.yaml").write_bytes("name: Caf\xe9\n".encode("latin-1"))
    assert "not UTF-8 text" in _error(tmp_path / "latin.yaml")


def test_errors_name_the_file(tmp_path, example):
    import yaml

    example["csm"]["pto_days"] = -3
    path = write(tmp_path / "bad.yaml", yaml.safe_dump(example))
    assert _error(path).startswith(f"{path}: csm.pto_days: ")


# -- the fiscal_year block and the segment keys it adds ----------------------------------------

@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["fiscal_year"].update(starting_headcount={"Cor": 2}),
         "fiscal_year.starting_headcount.Cor: unknown segment 'Cor' (did you mean 'Core'?)"),
        (lambda d: d["fiscal_year"].update(start="Feb 2027"), "fiscal_year.start: give a month as YYYY-MM"),
        (lambda d: d["fiscal_year"].update(start="2027-13"), "fiscal_year.start: give a month as YYYY-MM"),
        (lambda d: d["segments"][0].update(new_customers_per_month=[1, 2, 3]),
         "segments[0].new_customers_per_month: a list needs exactly 12 numbers, one per month of fiscal_year (got 3)"),
        (lambda d: d["segments"][0].update(churn_per_year=1.2), "segments[0].churn_per_year: input should be less than 1"),
        (lambda d: d["fiscal_year"].update(target_utilization=0), "fiscal_year.target_utilization: input should be greater than 0"),
        (lambda d: d["fiscal_year"].update(csms_per_manager=8),
         "fiscal_year.manager_loaded_cost_per_year: missing; managers are costed"),
        (lambda d: d["fiscal_year"].update(hiring_lead_time_months=-1),
         "fiscal_year.hiring_lead_time_months: input should be greater than or equal to 0"),
        (lambda d: d["fiscal_year"].update(salary_increase={"month": "2027-04"}), "fiscal_year.salary_increase.rate: missing"),
        (lambda d: d["fiscal_year"].update(atrition_per_year=0.1),
         "fiscal_year.atrition_per_year: unknown key 'atrition_per_year' (did you mean 'attrition_per_year'?)"),
    ],
)
def test_bad_fiscal_inputs_name_the_key(edit, expected):
    data = tiny()
    edit(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    assert expected in str(info.value)


def test_yaml_dates_as_months(tmp_path):
    import datetime

    data = tiny(start=datetime.date(2027, 2, 1))
    assert load_scenario(data).fiscal_year.start == "2027-02"
    data = tiny(start=datetime.date(2027, 2, 15))
    with pytest.raises(ScenarioError, match="got the date 2027-02-15"):
        load_scenario(data)
