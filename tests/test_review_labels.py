"""The review tables of the bundled 4+1 and 1+3 plugins read in the reader's language: an
industry's name and an assessment's state, never the stored codes."""
import re
from decimal import Decimal

import pytest

from portal import rules
from portal.models import Setting, Unit


def _review_table(html):
    start = html.index('class="review-answer')
    table = html[html.index("<tbody>", start):html.index("</tbody>", start)]
    return [re.findall(r"<td>([^<]*)</td>", row) for row in table.split("</tr>") if "<td>" in row]


def _page(login, project_id, locale):
    client = login("bureau")
    client.post_form("/language", {"locale": locale, "next": "/"})
    return client.get(f"/projects/{project_id}").get_data(as_text=True)


@pytest.mark.parametrize("locale, industry, passed, pending", [
    ("en", "Electronic information", "Passed", "In progress"),
    ("zh_CN", "电子信息", "已通过", "进行中"),
])
def test_four_plus_one_shows_industry_and_assessments_by_name(app, org, login, make_project, locale, industry,
                                                               passed, pending):
    Setting.set_value(rules.SETTING_KEY, "four_plus_one")
    project = make_project(industry_code="electronics", land_area_mu=Decimal(20), safety_assessment="passed",
                           environment_assessment="pending")
    rows = _review_table(_page(login, project.id, locale))
    assert rows[0][1:3] == [industry, "4+1"]
    assert rows[3][1:3] == [passed, passed]  # safety: passed, as required
    assert rows[4][1:3] == [pending, passed]
    cells = [cell for row in rows for cell in row]
    assert not {"electronics", "passed", "pending"} & set(cells)


@pytest.mark.parametrize("locale, names", [
    ("en", ("New materials", "New energy, Green food processing")),
    ("zh_CN", ("新材料", "新能源, 绿色食品加工")),
])
def test_one_plus_three_shows_industry_and_layout_by_name(app, org, login, make_project, locale, names):
    Setting.set_value(rules.SETTING_KEY, "one_plus_three")
    county = Unit(name="南岭县", kind="county", parent=org.units["bureau"]).save_with_path()
    project = make_project(industry_code="new_materials", unit=county)
    rows = _review_table(_page(login, project.id, locale))
    assert tuple(rows[0][1:3]) == names
