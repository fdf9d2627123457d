"""History and audit labels come from the features through ``portal_history_labels``: a feature
turned off brings none, and no feature changes the core's tables when it is imported."""
from __future__ import annotations

from portal import audit, hookimpl, labels
from portal.models import Project
from tests.plugins_helpers import other_app, temporary_plugin


class SiteVisits:
    @hookimpl
    def portal_history_labels(self):
        return {"actions": {"site_visit": "Site visit recorded", "edit": "Not the core's"},
                "fields": {"visit_kind": "Kind of visit"},
                "values": {"visit_kind": {"plant": "Plant"}}}


def test_features_label_their_records_and_a_feature_off_labels_none(app):
    without = other_app(app, FEATURES_OFF="problems,sourcing")
    with without.app_context():
        off = labels.history_labels()
    with app.app_context():
        on = labels.history_labels()
    assert "problem_create" in on.actions and "contact" in on.entities and "contact_kind" in on.values
    assert "problem_create" not in off.actions and "contact" not in off.entities and "contact_kind" not in off.values
    assert on.fields["stage"] == off.fields["stage"]  # the core's own in both
    # Importing the features changed no module table: the core's tables hold the core's labels only.
    assert "problem_create" not in labels.AUDIT_ACTION_LABELS and "contact_kind" not in labels.VALUE_LABELS


def test_a_county_plugin_labels_its_entries_in_the_history(app, org, make_project, login):
    project = make_project(name="Visited")
    with temporary_plugin(app, SiteVisits(), "site_visits"):
        app.extensions.pop(labels.HISTORY_LABELS_KEY, None)
        with app.test_request_context():
            audit.record("site_visit", "project", project.id, {"visit_kind": [None, "plant"]},
                         user=org.users["bureau"])
            assert labels.action_label("edit") != "Not the core's"  # a label already given is kept
        page = login("bureau").get(f"/projects/{project.id}").get_data(as_text=True)
    app.extensions.pop(labels.HISTORY_LABELS_KEY, None)
    assert "Site visit recorded" in page and "Kind of visit" in page and "Plant" in page
    assert Project.get_by_id(project.id).name == "Visited"
