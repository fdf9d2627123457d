"""Reporting periods: parsing, bounds, last year (leap-day safe), time elapsed, translated errors."""
import datetime as dt
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal.periods import Period

D = dt.date


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("text,start,end,kind", [
    ("2026", D(2026, 1, 1), D(2026, 12, 31), "year"),
    ("2026-H1", D(2026, 1, 1), D(2026, 6, 30), "half"),
    ("2026-h2", D(2026, 7, 1), D(2026, 12, 31), "half"),
    ("2026-Q3", D(2026, 7, 1), D(2026, 9, 30), "quarter"),
    ("2026-03", D(2026, 3, 1), D(2026, 3, 31), "month"),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month"),
    ("2026-YTD:2026-05-31", D(2026, 1, 1), D(2026, 5, 31), "ytd"),
])
def test_parse(text, start, end, kind):
    period = Period.parse(text)
    assert (period.start, period.end, period.kind) == (start, end, kind)
    assert Period.parse(period.code) == period  # the code gives the period back


@pytest.mark.parametrize("text", ["", "26", "2026-H3", "2026-Q0", "2026-13", "abc", "2026-03-01", "1800",
                                  "2026-YTD:2025-01-01"])
def test_invalid_input_is_a_value_error_with_a_message(text):
    with pytest.raises(ValueError) as info:
        Period.parse(text)
    assert str(info.value)


def test_from_args_custom_and_default():
    today = D(2026, 11, 21)
    assert Period.from_args(MultiDict(), today) == Period.year_to_date(today)
    custom = Period.from_args(MultiDict({"from": "2026-02-03", "to": "2026-04-05"}), today)
    assert (custom.start, custom.end, custom.kind) == (D(2026, 2, 3), D(2026, 4, 5), "custom")
    assert custom.query_args() == {"from": "2026-02-03", "to": "2026-04-05"}
    with pytest.raises(ValueError):
        Period.from_args(MultiDict({"from": "2026-05-01", "to": "2026-01-01"}), today)
    with pytest.raises(ValueError):
        Period.from_args(MultiDict({"from": "2026-05-01"}), today)
    with pytest.raises(ValueError):
        Period.from_args(MultiDict({"from": "yesterday", "to": "2026-01-01"}), today)


def test_a_period_chosen_in_the_menu_wins_over_dates_left_in_the_form():
    """After a custom range the dates stay in the form: choosing a period must still take effect;
    the dates count when the menu says "custom" (or nothing, the default)."""
    today = D(2026, 11, 21)
    dates = {"from": "2026-02-03", "to": "2026-04-05"}
    assert Period.from_args(MultiDict({"period": "2026-Q1", **dates}), today) == Period.parse("2026-Q1")
    assert Period.from_args(MultiDict({"period": "custom", **dates}), today).kind == "custom"
    assert Period.from_args(MultiDict({"period": "", **dates}), today).kind == "custom"
    with pytest.raises(ValueError):
        Period.from_args(MultiDict({"period": "custom"}), today)  # custom without dates: say so


def test_previous_year_is_leap_day_safe():
    assert Period.parse("2024-02").previous_year() == Period.parse("2023-02")
    leap = Period.between(D(2024, 2, 29), D(2024, 2, 29)).previous_year()
    assert (leap.start, leap.end) == (D(2023, 2, 28), D(2023, 2, 28))
    ytd = Period.year_to_date(D(2024, 2, 29)).previous_year()
    assert ytd.end == D(2023, 2, 28) and ytd.kind == "ytd"
    assert Period.parse("2026-H1").previous_year().code == "2025-H1"


def test_elapsed_fraction():
    year = Period.of_year(2026)
    assert year.elapsed_fraction(D(2025, 12, 31)) == 0
    assert year.elapsed_fraction(D(2027, 1, 1)) == 1
    assert year.elapsed_fraction(D(2026, 12, 31)) == 1
    assert year.elapsed_fraction(D(2026, 1, 1)) in (Decimal(1) / 365, Decimal("0.0027"))
    assert Period.of_half(2026, 1).elapsed_fraction(D(2026, 3, 31)) == Decimal("0.4972")  # 90 of 181 days


def test_labels_are_translated(app, client):
    assert Period.parse("2026-H1").label == "2026 first half"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask import session
        session["locale"] = "zh_CN"
        from flask_babel import refresh
        refresh()
        assert Period.parse("2026-Q3").label == "2026年第3季度"


def test_the_period_menus_offer_every_year_that_has_projects(app, org, login, make_project):
    """A project signed in 2019 (older than the three recent years): the dashboard's and the
    ranking's menus offer 2019 and every year since; before it, neither offers 2019."""
    import datetime as dt

    bureau = login("bureau")
    this_year = dt.date.today().year
    for url in ("/dashboard", "/ranking"):
        assert 'value="2019"' not in bureau.get(url).get_data(as_text=True)
    make_project(name="Old contract", clue_on=None, signed_on=dt.date(2019, 6, 3),
                 counted_signed_on=dt.date(2019, 6, 3), stage="signed")
    for url in ("/dashboard", "/ranking"):
        html = bureau.get(url).get_data(as_text=True)
        for year in range(2019, this_year + 1):
            assert f'value="{year}"' in html, (url, year)
            assert f'value="{year}-Q1"' in html, (url, year)
        assert 'value="2018"' not in html, url


def test_the_menu_keeps_three_recent_years_and_leaves_out_periods_not_begun():
    import datetime as dt

    from portal.periods import choices

    today = dt.date(2026, 5, 10)
    codes = [code for code, _label in choices(today, None, open_ranges=False)]
    assert codes[0] == "2026" and "2024-Q4" in codes and "2023" not in codes
    assert "2026-Q2" in codes and "2026-Q3" not in codes and "2026-H2" not in codes
    assert [code for code, _label in choices(today, 2021, open_ranges=False)][-1] == "2021-Q4"
