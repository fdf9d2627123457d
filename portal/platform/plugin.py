"""Registers the plugins page, the ``portal plugins`` command's data and its menu entry."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.platform import permissions as platform_permissions
from portal.platform.cli import plugin_group, plugins_command
from portal.platform.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    if platform_permissions.can_manage_plugins(user):
        return [{"endpoint": "platform.plugin_list", "label": _l("Plugins"), "order": 930, "group": "admin"}]
    return []


#: Core Industry rows for the demo, with the same stable codes as the bundled systems.
DEMO_INDUSTRIES = [
    ("new_materials", "新材料", "New materials"), ("new_energy", "新能源", "New energy"),
    ("advanced_equipment", "高端装备制造", "Advanced equipment"), ("electronics", "电子信息", "Electronic information"),
    ("biomedicine", "生物医药", "Biomedicine"), ("food_processing", "绿色食品加工", "Green food processing"),
    ("stone", "石材加工", "Stone processing"), ("textiles", "纺织服装", "Textiles and garments"),
    ("culture_tourism", "文化旅游", "Culture and tourism"),
]
DEMO_TARGETS = [
    ("new_energy", "new_energy.up", "某锂业股份有限公司（示例）", "补齐上游锂电原材料环节", "contacted"),
    ("new_energy", "new_energy.mid", "某储能科技有限公司（示例）", "储能电池产能布局中西部", "visited"),
    ("new_materials", "new_materials.mid", "某新材料集团（示例）", "功能材料龙头，计划新建基地", "not_contacted"),
    ("food_processing", "food_processing.down", "某冷链物流有限公司（示例）", "冷链短板", "not_contacted"),
]


@hookimpl(trylast=True)
def portal_demo_data(context):
    """The demo city runs the bundled "6+3" system; chains get a leader, a team and targets."""
    from portal import rules
    from portal.models import Industry, Setting
    from portal.models.chains import ChainInfo, TargetEnterprise
    from portal.review.service import recompute_all

    for order, (code, zh, en) in enumerate(DEMO_INDUSTRIES):
        if not Industry.select().where(Industry.code == code).exists():
            Industry.create(code=code, name_zh=zh, name_en=en, sort_order=order)
    if not Setting.get_value(rules.SETTING_KEY):
        rules.set_active("six_plus_three")
    leader, team = context.users.get("chainlead"), context.units.get("special_newenergy")
    if not ChainInfo.select().where(ChainInfo.industry_code == "new_energy").exists():
        ChainInfo.create(industry_code="new_energy", leader=leader, special_team=team,
                         note="市领导任链长，专班每月调度一次（示例）")
    department = context.units.get("dept_industry")
    if department is not None:
        for industry, link, company, reason, status in DEMO_TARGETS:
            if not TargetEnterprise.select().where(TargetEnterprise.company == company).exists():
                TargetEnterprise.create(industry_code=industry, chain_link_code=link, company=company, reason=reason,
                                        status=status, unit=department, reviewed_quarter=
                                        f"{context.today.year}Q{(context.today.month - 1) // 3 + 1}",
                                        created_by=context.users.get("industry"))
    recompute_all()


@hookimpl
def portal_register_commands(cli):
    cli.add_command(plugins_command)
    cli.add_command(plugin_group)
