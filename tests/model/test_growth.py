"""How the book grows over a plan of several years: each way of giving arrivals, read one way, and past the end."""

import pytest

from capacity import ScenarioError, load_scenario
from capacity.model.fiscal import fiscal_plan
from capacity.model.growth import arrival_pattern, arrivals

from tests.model.test_years import three_years


def scenario(months=36, **segment) -> object:
    data = three_years()
    data["fiscal_year"]["months"] = months
    data["segments"][0].pop("new_customers_per_month_by_year")
    data["segments"][0].update(segment)
    return load_scenario(data)


def test_each_way_of_giving_arrivals():
    # A number, every month; grown by year.
    assert arrivals(scenario(new_customers_per_month=3), 0, 104, 25).tolist() == [3] * 25
    grown = arrivals(scenario(new_customers_per_month=4, new_customers_growth_per_year=0.25), 0, 104, 37)
    assert grown.tolist() == [4] * 12 + [5] * 12 + [6.25] * 12 + [7.8125]  # the look-ahead keeps growing
    # Twelve numbers in a plan of three years: one year's months, repeated, and grown when a rate is given.
    season = [1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 3]
    assert arrivals(scenario(new_customers_per_month=season), 0, 104, 36).tolist() == season * 3
    assert arrivals(scenario(new_customers_per_month=season, new_customers_growth_per_year=1.0), 0, 104, 24).tolist() \
        == season + [2 * v for v in season]
    # One number per month of the plan, repeating past its end (the one-year plan's convention).
    every = list(range(36))
    assert arrivals(scenario(new_customers_per_month=every), 0, 104, 38).tolist() == every + [0, 1]
    # One figure per year, the last one held past the end.
    assert arrivals(scenario(new_customers_per_month_by_year=[2, 4, 6]), 0, 104, 38).tolist() == \
        [2] * 12 + [4] * 12 + [6] * 14
    # None: today's customers x new_customer_rate / 12, grown.
    default = arrivals(scenario(new_customer_rate=0.6, new_customers_growth_per_year=0.5), 0, 100, 24)
    assert default.tolist() == pytest.approx([5] * 12 + [7.5] * 12)
    assert arrival_pattern(scenario(new_customers_per_month_by_year=[2, 4, 6]), 0, 104).tolist() == [2] * 36


def test_the_default_arrivals_say_they_grow():
    s = scenario(new_customer_rate=0.6, new_customers_growth_per_year=0.5)
    note = next(n for n in fiscal_plan(s).summary.notes if n.startswith("Enterprise: new_customers_per_month"))
    assert note.endswith("(104 customers x new_customer_rate 0.6 / 12), growing 50% a year.")


def test_twelve_numbers_read_one_way_in_every_plan():
    season = [1] * 12
    assert scenario(months=12, new_customers_per_month=season)  # a year: one per month, the same thing
    assert scenario(months=12, new_customers_per_month=season, new_customers_growth_per_year=0.1)  # grows after it
    with pytest.raises(ScenarioError, match="a list needs exactly 18 numbers, one per month of fiscal_year, or 12"):
        scenario(months=18, new_customers_per_month=[1] * 17)
    with pytest.raises(ScenarioError, match="a list needs exactly 6 numbers, one per month of fiscal_year \\(got 12\\)"):
        scenario(months=6, new_customers_per_month=season)
    with pytest.raises(ScenarioError, match="lists every one of the plan's 24 months"):
        scenario(months=24, new_customers_per_month=[1] * 24, new_customers_growth_per_year=0.1)
