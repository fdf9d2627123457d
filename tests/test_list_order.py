"""The lists sort projects without a date the same way on every database: last when the newest
come first (the default), first when the oldest do. PostgreSQL takes NULL as the largest value and
SQLite and MySQL as the smallest; a province on PostgreSQL saw its undated projects on top."""
import datetime as dt

import pytest

D = dt.date


def _order(client, url, names, **args):
    html = client.get(url, query_string=args).get_data(as_text=True)
    found = sorted((html.index(name), name) for name in names if name in html)
    assert len(found) == len(names), html
    return [name for _, name in found]


@pytest.mark.parametrize("url, field, stage", [("/lists/signed", "signed_on", "signed"),
                                               ("/projects", "clue_on", "clue"),
                                               ("/lists/clues", "clue_on", "negotiating")])
def test_undated_projects_come_last_newest_first_and_first_oldest_first(login, make_project, url, field, stage):
    make_project("Older one", stage=stage, **{field: D(2026, 2, 1)})
    make_project("Newer one", stage=stage, **{field: D(2026, 5, 1)})
    make_project("Undated one", stage=stage, **{field: None})
    names = ("Older one", "Newer one", "Undated one")
    bureau = login("bureau")
    assert _order(bureau, url, names) == ["Newer one", "Older one", "Undated one"]
    assert _order(bureau, url, names, sort="-date") == ["Newer one", "Older one", "Undated one"]
    assert _order(bureau, url, names, sort="date") == ["Undated one", "Older one", "Newer one"]
