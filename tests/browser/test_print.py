"""The printable pages fit the paper they state: each is printed to PDF by Chromium with the
page's own CSS page size (as a user's "Print" does), with enough records to fill it, in both
languages; the page count and the text of the last column and month are checked."""
import datetime as dt
import io
import os
import unicodedata
from decimal import Decimal

import pytest
from pypdf import PdfReader

from portal.models import Milestone, Project, StageChange, Unit
from portal.timeutil import iso_week, today
from tests.browser.conftest import browser_login
from tests.scheduling_helpers import LONG_AGO, report

YEAR = 2026
LANGUAGES = ["zh_CN", "en"]
# The last month as its column or axis shows it, per language.
DECEMBER = {"zh_CN": "12月", "en": "Dec"}
MONTH_12 = {"zh_CN": "12月", "en": "Month12"}
# Set PORTAL_PRINT_DUMP=/some/dir to keep the PDFs (to look at them: pdftoppm -png).
DUMP = os.environ.get("PORTAL_PRINT_DUMP")


def printed(page, path: str, language: str, name: str) -> PdfReader:
    """The page at ``path`` printed to PDF in ``language``: the size and margins are the page's @page rules."""
    page.goto(path)
    with page.expect_navigation():
        page.click(f"form.language-switch button[value={language}]")
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    if DUMP:
        with open(os.path.join(DUMP, f"{name}-{language}.pdf"), "wb") as out:
            out.write(pdf)
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    """The printed text without white space (a header may wrap onto two lines); NFKC because the
    CJK fonts print 目 as the look-alike Kangxi radical ⽬."""
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    return "".join(text.split())


def page_size_mm(reader: PdfReader, number: int = 0) -> tuple[int, int]:
    box = reader.pages[number].mediabox
    return round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)


def more_counties(org, count: int) -> list[Unit]:
    """Counties besides the org fixture's two: a city's full set of units."""
    return [Unit(name=f"County {chr(ord('C') + i)}", kind="county", parent=org.units["bureau"]).save_with_path()
            for i in range(count)]


# Wall chart ---------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_wall_chart_fits_a3_landscape_with_all_twelve_months(live_server, page, org, make_project, language):
    units = [org.units["county_a"], org.units["county_b"], *more_counties(org, 3)]
    for i in range(25):
        project = make_project(
            name=f"新能源电池材料产业园项目 {i + 1:02d}", unit=units[i % len(units)], stage="signed",
            created_at=LONG_AGO, flag=("red", "yellow", "green")[i % 3],
            planned_sign_date=dt.date(YEAR, 1 + i % 6, 10), signed_on=dt.date(YEAR, 1 + i % 6, 12 + i % 5),
            planned_start_date=dt.date(YEAR, 5 + i % 4, 20), planned_completion_date=dt.date(YEAR, 12, 1 + i),
            planned_production_date=dt.date(YEAR, 12, 28))
        for month in (3, 7, 9, 11):
            Milestone.create(project=project, title="土地交付与施工许可办理", planned_on=dt.date(YEAR, month, 15),
                             created_by=org.users["bureau"])
    browser_login(page, "bureau")
    pdf = printed(page, f"/scheduling/wallchart?year={YEAR}", language, "wallchart")
    assert page_size_mm(pdf) == (420, 297)  # A3 landscape
    assert len(pdf.pages) <= 2
    text = text_of(pdf)
    assert text.count(MONTH_12[language]) == len(pdf.pages)  # the header, with December, on every page
    assert "项目25" in text  # the last row


# Weekly scheduling meeting ------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_fits_a4_landscape_with_its_list_columns(live_server, page, org, make_project, language):
    # First: the day's first request freezes the past weeks and recomputes every flag.
    browser_login(page, "bureau")
    with live_server.app.app_context():  # today in the deployment's time zone
        week = iso_week(today())
    units = [org.units["county_a"], org.units["county_b"], org.units["town_a"], *more_counties(org, 7)]
    for i in range(40):
        project = make_project(
            name=f"智能制造装备项目 {i + 1:02d}", unit=units[i % len(units)],
            stage=("negotiating", "signed", "started")[i % 3],
            created_at=LONG_AGO)
        if i % 3:
            report(project, week, org.users["unit_a"])
        if i % 4 < 2:  # stored as the weekly flag run leaves them (saving a project recomputes its flag)
            Project.update(flag=("red", "yellow")[i % 4], flag_reasons=[
                "Milestone overdue: land handover planned for 2026-10-15", "No progress report for two weeks"],
            ).where(Project.id == project.id).execute()
    pdf = printed(page, f"/scheduling?week={week}", language, "meeting")
    assert page_size_mm(pdf) == (297, 210)  # A4 landscape
    assert len(pdf.pages) <= 4
    text = text_of(pdf)
    last_list = {"zh_CN": "投产清单", "en": "Productionlist"}[language]
    assert last_list in text.split("智能制造")[0]  # the units table's last column, before the project rows
    assert text.count("Noprogressreportfortwoweeks") == 20  # every red and yellow project's reasons, the last column


# Dashboard and the leaders' summary ----------------------------------------------------------

def signed_projects(org, make_project, live_server, count: int = 40) -> None:
    """A year of signings across ten units and eight industries, one or more in every month."""
    codes = ["new_energy_batteries", "integrated_circuits", "biomedicine", "high_end_equipment",
             "new_materials", "modern_logistics", "digital_economy", "green_agriculture"]
    units = [org.units["county_a"], org.units["county_b"], org.units["town_a"], *more_counties(org, 7)]
    for i in range(count):
        signed = dt.date(YEAR, 1 + i % 12, 3 + i % 20)
        project = make_project(
            name=f"高端装备制造基地项目 {i + 1:02d}", unit=units[i % len(units)], stage="signed",
            industry_code=codes[i % len(codes)], clue_on=dt.date(YEAR, 1, 2), signed_on=signed,
            total_investment=Decimal(85000 + 12345 * i), created_at=LONG_AGO)
        StageChange.create(project=project, to_stage="signed", on_date=signed, by=org.users["bureau"],
                           verification="approved")


@pytest.mark.parametrize("language", LANGUAGES)
def test_dashboard_tables_print_on_a4_landscape_without_cut_columns(live_server, page, org, make_project, language):
    browser_login(page, "leader")
    signed_projects(org, make_project, live_server)
    pdf = printed(page, f"/dashboard?period={YEAR}", language, "dashboard")
    assert page_size_mm(pdf) == (297, 210)  # A4 landscape
    text = text_of(pdf)
    last_column = {"zh_CN": "履约率", "en": "Implementationrate"}[language]
    # The unit, industry and team tables each print their last column; the last unit's row too.
    assert text.count(last_column) >= 3
    assert "CountyI" in text.split(last_column)[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_leaders_summary_prints_on_one_a4_page_with_the_monthly_values(live_server, page, org, make_project, language):
    browser_login(page, "leader")
    signed_projects(org, make_project, live_server)
    pdf = printed(page, f"/dashboard/summary?period={YEAR}", language, "summary")
    assert page_size_mm(pdf) == (210, 297)  # A4 portrait
    assert len(pdf.pages) == 1
    text = text_of(pdf)
    assert DECEMBER[language] in text
    # December's signed amount (projects 12, 24 and 36) is printed, not only drawn.
    december = Decimal(3 * 85000 + 12345 * (11 + 23 + 35))
    shown = {"zh_CN": f"{december / 10000:,.2f}亿元", "en": f"CNY{december / 100000:,.2f}billion"}[language]
    assert shown in text
