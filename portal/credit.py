"""Credit without double counting (成果认定): which units share each project, and how much.

A project has a host unit (its responsible unit) and may have referring parties: a stationed
team, another unit, a chamber of commerce, an existing investor. Every figure that counts per
unit or team (portal.figures: the tables by unit and team, the ranking and its targets, the
teams' results) takes each unit's *share* of a project, so the units' figures add up to the
city's and no project counts twice.

- By default the county's rule decides (the hook ``portal_credit_rule``): the share in percent
  a project's stationed team (``Project.source_team``) takes, the host the rest. Without a
  plugin's answer: all credit to the host, the team counts a referral only.
- The bureau can set a project's parties and shares (``ProjectCredit`` rows, whole percent
  adding up to 100). Only units take a share: a chamber or an investor is not a unit, it is
  recorded as a referrer and counted as a referral.

portal.figures counts the shares in SQL (``_credit_parts``): the projects credited by the rule
grouped by host (and team), and the bureau's ``ProjectCredit`` rows joined, weighted by share.
"""
from __future__ import annotations


from portal import audit, plugins
from portal.context import make_context
from portal.db import database
from portal.models import UNIT_CREDIT_KINDS, Project, ProjectCredit, Unit
from portal.models.fields import utcnow
from portal.web import per_request

#: Shares are whole percent: figures multiply by them in SQL and divide by this once after.
SCALE = 100
#: Without a county's rule: the host takes all credit, a referrer a referral count.
DEFAULT_RULE = {"team": 0, "unit": 0}


class CreditConflict(Exception):
    """Someone else saved the project since the form was filled in."""


def rule() -> dict:
    """The county's default shares of referrers in percent, ``{"team": n, "unit": n}`` (the host
    takes the rest), from ``portal_credit_rule`` or ``DEFAULT_RULE``; read once per request."""
    def read():
        answer = plugins.call_first("portal_credit_rule", context=make_context()) or {}
        return {kind: int(answer.get(kind, DEFAULT_RULE[kind])) for kind in DEFAULT_RULE}

    return per_request("credit.rule", read)


def default_parties(project: Project) -> list[dict]:
    """The parties and shares the rule gives a project."""
    share = rule()["team"]
    team = project.source_team_id if project.source_team_id != project.responsible_unit_id else None
    parties = [{"kind": "host", "unit_id": project.responsible_unit_id, "name": "",
                "share": 100 - share if team else 100}]
    if team:
        parties.append({"kind": "team", "unit_id": team, "name": "", "share": share})
    return parties


def parties(project: Project) -> tuple[list[dict], bool]:
    """``(parties, set by the bureau)``: each ``{"kind", "unit_id", "name", "share"}``, the host first."""
    saved = list(ProjectCredit.select().where(ProjectCredit.project == project.id).order_by(ProjectCredit.id))
    if not saved:
        return default_parties(project), False
    return [{"kind": c.kind, "unit_id": c.unit_id, "name": c.name, "share": c.share} for c in saved], True


def describe(parties_list: list[dict]) -> list[str]:
    """Parties as audit text: "unit name 60%", "chamber name (referral)"."""
    names = dict(Unit.select(Unit.id, Unit.name).where(Unit.id.in_([p["unit_id"] for p in parties_list
                                                                     if p["unit_id"]])).tuples())
    out = []
    for p in parties_list:
        who = names.get(p["unit_id"], "") if p["kind"] in UNIT_CREDIT_KINDS else p["name"]
        out.append(f"{p['kind']}: {who} {p['share']}%")
    return out


def save(project: Project, new_parties: list[dict] | None, user, version: int) -> bool:
    """Set a project's parties (None: back to the county's rule), audited, in one transaction,
    against the project ``version`` the form was filled in on. Returns whether anything changed;
    raises CreditConflict when someone saved the project since."""
    before, was_set = parties(project)
    if new_parties is None and not was_set:
        return False
    if new_parties is not None and was_set and new_parties == before:
        return False
    with database.atomic():
        updated = (Project.update(version=version + 1, updated_at=utcnow())
                   .where(Project.id == project.id, Project.version == version).execute())
        if not updated:
            raise CreditConflict()
        ProjectCredit.delete().where(ProjectCredit.project == project.id).execute()
        for party in new_parties or []:
            ProjectCredit.create(project=project.id, kind=party["kind"], unit=party["unit_id"],
                                 name=party["name"], share=party["share"])
        after = new_parties if new_parties is not None else default_parties(project)
        audit.record("credit", "project", project.id,
                     {"credit": [describe(before), describe(after)], "credit_set": [was_set, new_parties is not None],
                      "version": [version, version + 1]}, user=user)
    return True
