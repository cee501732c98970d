"""Loading and validating scenarios: good files load, bad ones name the key."""

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from capacity import ScenarioError, load_scenario
from capacity.exceptions import CapacityError
from capacity.inputs.scenario import RULE_OF_THUMB_CUSTOMER_SHARE

from tests.conftest import DEFAULT_SCENARIO, EXAMPLE, write
from tests.model.test_fiscal import tiny


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
        (lambda d: d["csm"].update(customer_time_share=0), "csm.customer_time_share: must be more than 0 (got 0); it is the share"),
        (lambda d: d["csm"].update(customer_time_share=1.5), "csm.customer_time_share: must be 1 or less (got 1.5)"),
        (lambda d: d["csm"].update(customer_time_share="two-thirds"), "csm.customer_time_share: must be a number (got 'two-thirds')"),
        (lambda d: d["csm"].update(pto_days=-1), "csm.pto_days: must be 0 or more (got -1)"),
        (lambda d: d["csm"].update(pto_days=300), "csm.pto_days: 300 days off leave no working time in a 260-day working year"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(minutes=-5), "segments[0].touchpoints[0].minutes: must be 0 or more (got -5)"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(per_year=12), "segments[0].touchpoints[0]: give exactly one of per_month or per_year (got both)"),
        (lambda d: d["segments"][0]["touchpoints"][2].update(per_month=1), "segments[0].touchpoints[2]: a one_time touchpoint takes no per_month"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(kind="weekly"), "segments[0].touchpoints[0].kind: must be one of 'recurring', 'one_time', 'inbound' or 'program' (got 'weekly')"),
        (lambda d: d["segments"][0]["touchpoints"][0].update(minuts=5), "segments[0].touchpoints[0].minuts: unknown key 'minuts' (did you mean 'minutes'?)"),
        (lambda d: d["csm"].pop("loaded_cost_per_year"), "csm.loaded_cost_per_year: missing required key"),
        (lambda d: d.pop("segments"), "segments: missing required key"),
        (lambda d: d["segments"].append(dict(d["segments"][0], name="Copy")), "segments[1].min_arr: threshold 100,000 is also segments[0]'s"),
        (lambda d: d["segments"].append(dict(d["segments"][0], min_arr=5)), "segments[1].name: segment name 'Enterprise' is used twice"),
        (lambda d: d["csm"].update(internal_activities=[{"name": "x", "minutes": 60, "per_month": 1}]), "csm: give customer_time_share or internal_activities, not both"),
        (lambda d: d.update(top_down_arr_per_csm=[0]), "top_down_arr_per_csm[0]: must be more than 0 (got 0)"),
        (lambda d: d["segments"][0].update(arr=float("nan")), "segments[0].arr: must be a finite number (got nan)"),
    ],
)
def test_bad_scenarios_name_the_key(example, edit, expected):
    edit(example)
    assert expected in _error(example)


def test_internal_work_beyond_working_hours(example):
    del example["csm"]["customer_time_share"]
    example["csm"]["internal_activities"] = [{"name": "Meetings", "minutes": 600, "per_month": 20}]
    assert "csm.internal_activities: they take 200.0 h/month, as much as or more than the 156.7 working hours" in _error(example)


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


# -- invariants ------------------------------------------------------------------------

_touchpoint = st.one_of(
    st.builds(lambda m, f, k: {"name": "r", "kind": k, "minutes": m, "per_month": f},
              st.floats(0, 600), st.floats(0, 30), st.sampled_from(["recurring", "inbound", "program"])),
    st.builds(lambda m, f: {"name": "y", "kind": "recurring", "minutes": m, "per_year": f},
              st.floats(0, 600), st.floats(0, 52)),
    st.builds(lambda m: {"name": "o", "kind": "one_time", "minutes": m}, st.floats(0, 6000)),
)
scenarios = st.builds(
    lambda csm, segs, ratios: {"name": "Random", "csm": csm, "top_down_arr_per_csm": ratios, "segments": [
        {**s, "name": f"S{i}", "min_arr": i * 5000} for i, s in enumerate(segs)]},
    st.fixed_dictionaries({
        "hours_per_week": st.floats(10, 60), "weeks_per_year": st.floats(40, 53), "pto_days": st.floats(0, 40),
        "customer_time_share": st.floats(0.05, 1), "loaded_cost_per_year": st.floats(0, 1e6)}),
    st.lists(st.fixed_dictionaries({
        "coverage": st.sampled_from(["dedicated", "pooled", "digital"]),
        "new_customer_rate": st.floats(0, 10), "customers": st.integers(0, 10**6), "arr": st.floats(0, 1e10),
        "touchpoints": st.lists(_touchpoint, max_size=4)}), min_size=1, max_size=4),
    st.lists(st.floats(1e5, 1e8), min_size=1, max_size=3),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios)
def test_yaml_round_trip_is_the_same_scenario(tmp_path, data):
    """A scenario written back to YAML reads as the same scenario, to the last bit of every float."""
    scenario = load_scenario(data)
    path = tmp_path / "round.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json", exclude={"book"})), encoding="utf-8")
    again = load_scenario(path)
    assert again.source == path and scenario.source is None
    assert again.model_dump() == scenario.model_dump()


_keys = [("csm", "hours_per_week"), ("csm", "pto_days"), ("csm", "customer_time_share"), ("csm", "weeks_per_year"),
         ("csm", "loaded_cost_per_year"), ("segments", 0, "min_arr"), ("segments", 0, "coverage"),
         ("segments", 0, "customers"), ("segments", 0, "touchpoints", 0, "minutes"),
         ("segments", 0, "touchpoints", 0, "per_month"), ("segments", 0, "touchpoints", 0, "kind"),
         ("segments", 0, "touchpoints", 2), ("segments", 0), ("segments",), ("csm",), ("name",), ("currency",),
         ("top_down_arr_per_csm",), ("segments", 0, "new_customer_rate")]
_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_keys), _values)
def test_any_value_anywhere_loads_or_names_its_key(key, value):
    """Whatever a user types for a key, the answer is a scenario or one line naming that key."""
    data = copy.deepcopy(EXAMPLE)
    target = data
    for part in key[:-1]:
        target = target[part]
    target[key[-1]] = value
    try:
        load_scenario(data)
    except CapacityError as exc:
        message = str(exc)
        assert "\n" not in message
        # The key itself, or the block holding it when a check spans keys ("csm: give ... not both").
        parent = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in key[:-1]).lstrip(".") or str(key[0])
        assert message.startswith(parent), message


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
        (lambda d: d["segments"][0].update(churn_per_year=1.2), "segments[0].churn_per_year: must be less than 1 (got 1.2)"),
        (lambda d: d["fiscal_year"].update(target_utilization=0), "fiscal_year.target_utilization: must be more than 0 (got 0)"),
        (lambda d: d["fiscal_year"].update(csms_per_manager=8),
         "fiscal_year.manager_loaded_cost_per_year: missing; managers are costed"),
        (lambda d: d["fiscal_year"].update(hiring_lead_time_months=-1),
         "fiscal_year.hiring_lead_time_months: must be 0 or more (got -1)"),
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


def test_loaded_cost_of_a_segment_falls_back_to_the_csm(example):
    example["segments"].append(dict(example["segments"][0], name="SMB", min_arr=0, loaded_cost_per_year=120000))
    scenario = load_scenario(example)
    assert [scenario.loaded_cost_of(s) for s in scenario.segments] == [150000, 120000]


# -- the uncertainty block -----------------------------------------------------------


def _with_uncertainty(example, block):
    example["segments"][0]["churn_per_year"] = 0.1
    example["fiscal_year"] = {"start": "2027-02", "attrition_per_year": 0.15, "hiring_lead_time_months": 2}
    example["uncertainty"] = block
    return example


def test_the_uncertainty_block_reads_and_overrides_per_segment(example):
    scenario = load_scenario(_with_uncertainty(example, {
        "seed": 3, "new_customers_per_month": {"cv": 0.2}, "churn_per_year": {"low": 0.05, "high": 0.2},
        "segments": {"Enterprise": {"new_customers_per_month": {"cv": 0.5}}}}))
    unc = scenario.uncertainty
    assert (unc.draws, unc.seed) == (10_000, 3)
    assert unc.for_segment("Enterprise", "new_customers_per_month").cv == 0.5
    assert unc.for_segment("Enterprise", "churn_per_year").high == 0.2
    assert unc.for_segment("Enterprise", "touchpoint_minutes") is None


@pytest.mark.parametrize("block, where", [
    ({"touchpoint_minutes": {"cv": -0.1}}, "uncertainty.touchpoint_minutes.cv: must be 0 or more"),
    ({"touchpoint_minutes": {"cv": 1e-9}}, "uncertainty.touchpoint_minutes.cv: 1e-09 is too small"),
    ({"churn_per_year": {"low": 0.3, "high": 0.2}}, "uncertainty.churn_per_year.low: 0.3 is above high 0.2"),
    ({"churn_per_year": {"low": 0.15, "high": 0.2}}, "uncertainty.churn_per_year: Enterprise's churn_per_year 0.1 is outside"),
    ({"attrition_per_year": {"low": 0.2, "high": 0.3}}, "uncertainty.attrition_per_year: fiscal_year.attrition_per_year"),
    ({"hiring_lead_time_months": {"low": 3, "high": 4}}, "uncertainty.hiring_lead_time_months: fiscal_year.hiring"),
    ({"draws": 0}, "uncertainty.draws: must be 1 or more"),
    ({"cv": 0.2}, "uncertainty.cv: unknown key 'cv'"),
    ({"segments": {"Enterprize": {}}}, "uncertainty.segments[Enterprize]: unknown segment 'Enterprize' (did you mean"),
    ({"segments": {"Enterprise": {"churn_per_year": {"low": 0.2, "high": 0.1}}}},
     "uncertainty.segments[Enterprise].churn_per_year.low: 0.2 is above high 0.1"),
    ({"segments": {"Enterprise": {"attrition_per_year": {"low": 0.1, "high": 0.2}}}},
     "uncertainty.segments[Enterprise].attrition_per_year: attrition_per_year is one for the whole team"),
])
def test_a_bad_uncertainty_block_names_the_key(example, block, where):
    with pytest.raises(ScenarioError) as err:
        load_scenario(_with_uncertainty(example, block))
    assert str(err.value).startswith(where)


# -- the calendar: when a touchpoint happens -------------------------------------------------

def _timed(example: dict, **touchpoint) -> dict:
    data = copy.deepcopy(example)
    data["segments"][0]["touchpoints"] = [{"name": "Renewal prep", "kind": "recurring", "minutes": 240, **touchpoint}]
    return data


def test_the_calendar_keys_load(example):
    tp = load_scenario(_timed(example, per_year=1, at="renewal", offset_days=-90)).segments[0].touchpoints[0]
    assert (tp.at, tp.offset_days, tp.dated) == ("renewal", -90, True)
    tp = load_scenario(_timed(example, per_year=4, at={"months_of_quarter": [3]})).segments[0].touchpoints[0]
    assert tp.at.months_of_quarter == (3,) and tp.at.months is None
    tp = load_scenario(_timed(example, kind="program", per_year=2, at={"months": [11, 5]})).segments[0].touchpoints[0]
    assert tp.at.months == (11, 5)
    tp = load_scenario(_timed(example, kind="one_time", spread_months=3)).segments[0].touchpoints[0]
    assert tp.spread_months == 3 and tp.dated
    plain = load_scenario(example)
    assert not any(t.dated for t in plain.segments[0].touchpoints)
    assert plain.fiscal_year is None


def test_size_for_defaults_to_the_average_month():
    assert load_scenario(tiny()).fiscal_year.size_for == "average"
    assert load_scenario(tiny(size_for="peak")).fiscal_year.size_for == "peak"


@pytest.mark.parametrize("touchpoint, where, message", [
    ({"per_year": 1, "at": "quarterly"}, "at", "must be renewal, or a mapping such as {months: [3, 6, 9, 12]} or "
                                               "{months_of_quarter: [3]} (got 'quarterly')"),
    ({"per_year": 1, "at": {"weeks": [1]}}, "at.weeks", "unknown key 'weeks'; at takes months or months_of_quarter"),
    ({"per_year": 1, "at": {"month": [1]}}, "at.month", "unknown key 'month' (did you mean 'months'?)"),
    ({"per_year": 1, "at": {"months": [13]}}, "at.months[0]", "must be 12 or less (got 13)"),
    ({"per_year": 1, "at": {"months": [0]}}, "at.months[0]", "must be 1 or more (got 0)"),
    ({"per_year": 1, "at": {"months": []}}, "at.months", "needs at least 1 item (got an empty list)"),
    ({"per_year": 1, "at": {"months": [3, 3]}}, "at.months", "3 is listed twice"),
    ({"per_year": 1, "at": {"months_of_quarter": [4]}}, "at.months_of_quarter[0]", "must be 3 or less (got 4)"),
    ({"per_year": 1, "at": {"months": [3], "months_of_quarter": [3]}}, "at",
     "give one of months (calendar months, e.g. [3, 6, 9, 12]) or months_of_quarter (e.g. [3] for the last month "
     "of each quarter), not both"),
    ({"per_year": 1, "at": {"months": [True]}}, "at.months",
     "must be whole numbers (got [True]); in YAML yes/no and true/false are not numbers"),
    ({"per_month": 1, "at": {"months": [3]}}, "per_month",
     "with at, give per_year (the year's occurrences, all at the renewal or shared among the months); a monthly "
     "frequency would read two ways"),
    ({"per_year": 1, "offset_days": -90}, "offset_days", "needs at: renewal (the days from each account's renewal date)"),
    ({"per_year": 1, "at": "renewal", "offset_days": -400}, "offset_days", "must be -365 or more (got -400)"),
    ({"per_year": 1, "at": "renewal", "offset_days": 30.5}, "offset_days", "must be a whole number (got 30.5)"),
    ({"kind": "one_time", "spread_months": 0}, "spread_months", "must be 1 or more (got 0)"),
    ({"kind": "one_time", "spread_months": 25}, "spread_months", "must be 24 or less (got 25)"),
    ({"per_year": 1, "spread_months": 3}, "spread_months",
     "only a one_time touchpoint is spread over a new customer's first months"),
    ({"kind": "one_time", "at": "renewal"}, "at",
     "a one_time touchpoint happens when a customer arrives; give spread_months to spread it over their first months"),
    ({"kind": "inbound", "per_year": 1, "at": {"months": [1]}}, "at",
     "inbound work comes when customers ask; only recurring touchpoints and programs take at"),
    ({"kind": "program", "per_year": 1, "at": "renewal"}, "at",
     "renewal places each account's touchpoint at its renewal, and a program is one-to-many; give it months instead, "
     "e.g. at: {months: [5, 11]}"),
])
def test_impossible_calendar_values_are_one_line_errors(example, touchpoint, where, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_timed(example, **touchpoint))
    assert str(caught.value) == f"segments[0].touchpoints[0].{where}: {message}"


def test_size_for_must_be_average_or_peak():
    with pytest.raises(ScenarioError, match=r"^fiscal_year.size_for: must be one of 'average' or 'peak' \(got 'peaks'\)$"):
        load_scenario(tiny(size_for="peaks"))


def test_calendar_keys_change_by_key_path(example):
    base = load_scenario(_timed(example, per_year=1, at="renewal", offset_days=-90))
    moved = base.with_changes({"segments[0].touchpoints[Renewal prep].offset_days": -30})
    assert moved.segments[0].touchpoints[0].offset_days == -30
    months = base.with_changes({"segments[0].touchpoints[0].at": {"months": [6]},
                                "segments[0].touchpoints[0].offset_days": None})
    assert months.segments[0].touchpoints[0].at.months == (6,)
    with pytest.raises(ScenarioError, match="offset_days: must be 365 or less"):
        base.with_changes({"segments[0].touchpoints[0].offset_days": 400})
# -- the rebalance's keys: csms and rebalance ------------------------------------------------


def test_csm_rules_and_rebalance_settings_read_with_defaults(example):
    import datetime

    example["csms"] = [{"name": "Jordan Lee", "segments": ["Enterprise"], "start": "2027-04", "max_accounts": 20},
                       {"name": "Alex Morgan", "leave": datetime.date(2027, 3, 31), "verticals": ["Healthcare"]}]
    example["rebalance"] = {"freeze_days": 60, "as_of": "2027-02-01", "balance": {"arr": 2}}
    scenario = load_scenario(example)
    jordan, alex = scenario.csms
    assert jordan.start == datetime.date(2027, 4, 1) and jordan.max_accounts == 20 and jordan.leave is None
    assert alex.leave == datetime.date(2027, 3, 31) and alex.segments is None
    r = scenario.rebalance
    assert (r.freeze_days, r.as_of, r.move_cost, r.move_tolerance, r.overload_tolerance) == (
        60, datetime.date(2027, 2, 1), "weighted", 0.1, 0.0)
    assert (r.balance.hours, r.balance.arr, r.balance.renewals, r.balance.at_risk) == (1.0, 2.0, 1.0, 1.0)
    assert r.at_risk == ("Red",) and r.max_utilization is None
    assert load_scenario({k: v for k, v in example.items() if k not in ("csms", "rebalance")}).rebalance is None


@pytest.mark.parametrize("edit, expected", [
    ({"csms": [{"name": "Jo", "segments": ["Enterprize"]}]},
     "csms[0].segments: unknown segment 'Enterprize' (did you mean 'Enterprise'?)"),
    ({"csms": [{"name": "Jo", "segments": ["Enterprise"]}, {"name": " jo", "segments": ["Enterprise"]}]},
     "csms[1].name: ' jo' is also csms[0]; list each CSM once"),
    ({"csms": [{"name": "Jo", "start": "2027-04-01", "leave": "2027-03-01"}]},
     "csms[0].leave: 2027-03-01 is before start 2027-04-01"),
    ({"csms": [{"name": "Jo", "start": "01/04/2027"}]},
     "csms[0].start: '01/04/2027' could be read day-first or month-first; write it as YYYY-MM-DD"),
    ({"csms": [{"name": "Jo", "max_accounts": -1}]}, "csms[0].max_accounts: must be 0 or more (got -1)"),
    ({"csms": [{"name": "Jo", "verticals": ["Retail", "retail "]}]}, "csms[0].verticals: a value is listed twice"),
    ({"csms": [{"name": "Jo", "segmnts": ["Enterprise"]}]}, "csms[0].segmnts: unknown key 'segmnts' (did you mean 'segments'?)"),
    ({"rebalance": {"freeze_days": -1}}, "rebalance.freeze_days: must be 0 or more (got -1)"),
    ({"rebalance": {"min_utilization": 0.9, "max_utilization": 0.5}},
     "rebalance.min_utilization: 0.9 is above max_utilization 0.5; give min <= max"),
    ({"rebalance": {"move_cost": "money"}}, "rebalance.move_cost: must be one of 'weighted', 'accounts', 'arr' or 'hours'"),
    ({"rebalance": {"as_of": "2027-02-30"}}, "rebalance.as_of: '2027-02-30' is not a calendar day"),
    ({"rebalance": {"balance": {"renewal": 1}}}, "rebalance.balance.renewal: unknown key 'renewal' (did you mean 'renewals'?)"),
    ({"rebalance": {"freeze_days": True}}, "rebalance.freeze_days: must be a number (got true)"),
])
def test_bad_rebalance_keys_name_the_key(example, edit, expected):
    example.update(edit)
    with pytest.raises(ScenarioError) as err:
        load_scenario(example)
    assert expected in str(err.value)
