"""Registers the ranking pages and their menu entries."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.projects.importing.cli import add_list_command
from portal.projects.importing.views import make_blueprint
from portal.ranking import permissions as ranking_permissions
from portal.ranking.targets_import import TargetsKind
from portal.ranking.views import bp

#: The targets go through the import pages' one flow (upload, preview, confirm).
TARGETS = TargetsKind()


@hookimpl
def portal_blueprints():
    return [bp, make_blueprint(TARGETS, "import_targets", "/ranking/targets/import")]


@hookimpl
def portal_register_commands(cli):
    add_list_command(TARGETS, "Import the units' annual targets (the targets template; bureau).", "bureau")


#: The menu section of this feature's entries (``portal.menu``).
SECTION = {"group": "assessment", "group_label": _l("Assessment"), "group_order": 40,
           "group_first_for": {"leader": 1}}


@hookimpl
def portal_menu_items(user):
    items = []
    if ranking_permissions.can_read_ranking(user):
        items += [
            {"endpoint": "ranking.index", "label": _l("Ranking"), "order": 400, **SECTION},
            {"endpoint": "ranking.top_ten_page", "label": _l("Top ten projects"), "order": 410, **SECTION},
        ]
    if ranking_permissions.can_edit_targets(user):
        items.append({"endpoint": "ranking.targets", "label": _l("Targets"), "order": 420, **SECTION})
    return items


@hookimpl
def portal_demo_data(context):
    """Targets for this year and last year (so rank changes show) for the demo's assessed
    units: places, stationed teams and the departments that promote investment (idempotent:
    units that have targets for a year keep them)."""
    import random
    from decimal import Decimal

    from portal.db import database
    from portal.demo import PROMOTING_DEPARTMENTS
    from portal.models import UnitTarget
    from portal.ranking.targets import TARGET_FIGURES, assessed_units

    scale = {"county": 1.0, "district": 1.0, "zone": 1.2, "department": 0.3, "team": 0.5}
    base = {"signed_count": 25, "signed_investment": 3000000, "projects_1bn": 8, "three500_count": 6,
            "foreign_count": 2, "foreign_capital": 5000, "capital_in_place": 600000,
            "implementation_rate": 85, "start_rate": 70, "capital_availability_rate": 60}
    promoting = {context.units[k].id for k in PROMOTING_DEPARTMENTS if k in context.units}
    units = [u for u in assessed_units() if u.kind != "department" or u.id in promoting]
    created = 0
    with database.atomic():
        for year in (context.today.year - 1, context.today.year):
            have = {unit_id for (unit_id,)
                    in UnitTarget.select(UnitTarget.unit).where(UnitTarget.year == year).tuples()}
            rng = random.Random(year)  # its own generator: other features' demo data stay as they are
            for unit in units:
                factor = scale.get(unit.kind, 1.0) * rng.uniform(0.8, 1.2)
                if unit.id in have:
                    continue
                for figure in TARGET_FIGURES:
                    value = base[figure.code] if figure.kind == "rate" else max(1, round(base[figure.code] * factor))
                    UnitTarget.create(year=year, unit=unit, figure=figure.code, value=Decimal(value))
                    created += 1
    context.created["targets"] = context.created.get("targets", 0) + created
