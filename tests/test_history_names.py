"""History entries name the units and users their ids point at. The names are kept per process
(every unit and user read once, not on every history page) and read again once a unit is
renamed (an audited change) or added."""
from portal.models import AuditLog, Unit
from tests.forms_helpers import forms_on, submit
from tests.query_log import queries_sent


def unit_reads(monkeypatch, client, url):
    """The page, and how many of its queries read the unit table's names."""
    with queries_sent(monkeypatch) as sent:
        html = client.get(url).get_data(as_text=True)
    return html, sum(1 for sql, _ in sent if sql.startswith('SELECT "t1"."id", "t1"."name" FROM "unit"'))


def test_history_names_are_read_once_and_again_after_a_rename(login, org, make_project, monkeypatch):
    project = make_project(name="Transfer plant", unit="county_a")
    a, b = org.units["county_a"], org.units["county_b"]
    AuditLog.create(user=org.users["bureau"], action="transfer", entity="project", entity_id=project.id,
                    changes={"responsible_unit": [a.id, b.id]})
    client = login("bureau")
    url = f"/projects/{project.id}"
    html, _reads = unit_reads(monkeypatch, client, url)
    assert f"{a.name} → {b.name}" in html
    html, reads = unit_reads(monkeypatch, client, url)
    assert reads == 0 and f"{a.name} → {b.name}" in html  # kept from the first page

    admin, admin_url = login("admin"), f"/admin/units/{b.id}"
    forms = forms_on(admin.get(admin_url).get_data(as_text=True), admin_url)
    [form] = [f for f in forms if f.method == "POST" and any(c.name == "name" for c in f.controls)]
    form.type_into("name", "新县")
    assert submit(admin, form).status_code == 303
    assert Unit.get_by_id(b.id).name == "新县"
    html, reads = unit_reads(monkeypatch, client, url)
    assert reads == 1 and f"{a.name} → 新县" in html
