"""Languages: Simplified Chinese and English, the deployment default until a user chooses.

The catalog folder is ``zh_Hans_CN``: Babel parses ``zh_CN`` as ``zh_Hans_CN``
and gettext would never find a folder named ``zh_CN``.
"""
from decimal import Decimal

from babel.dates import get_month_names

from flask import current_app, g, has_request_context, request, session
from jinja2 import pass_context
from flask_babel import Babel, Domain, format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from portal import flag_reasons
from portal.config import SUPPORTED_LOCALES
from portal.paths import TRANSLATIONS_DIR

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """A logged-in user's choice, else this browser's choice, else the deployment default (also
    outside a request: a command or the daily run rendering a rule's lazy text)."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in SUPPORTED_LOCALES:
        return user_locale
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    return current_app.config["DEFAULT_LOCALE"]


def current_locale() -> str:
    loc = get_locale()
    return "en" if loc is None or loc.language == "en" else "zh_CN"


#: One rule for every amount shown: 亿元, millions and billions with two decimals always (so
#: 261.30亿 stands beside 44.33亿, not 261.3亿), 万元 whole unless it has a fraction.
LARGE_UNIT_FORMAT = "#,##0.00"
WAN_FORMAT = "#,##0.##"


def format_amount(value_wan) -> str:
    """An amount in 万元, as officials read it: 万元 or 亿元 in Chinese, millions in English."""
    if value_wan is None or value_wan == "":
        return "—"
    value = Decimal(value_wan)
    if current_locale() == "en":
        # 亿元 reads as hundreds of millions; from 1 billion yuan English readers expect billions.
        if abs(value) >= 100000:
            return _("CNY %(amount)s billion", amount=format_decimal(value / 100000, format=LARGE_UNIT_FORMAT))
        return _("CNY %(amount)s million", amount=format_decimal(value / 100, format=LARGE_UNIT_FORMAT))
    if abs(value) >= 10000:
        return _("%(amount)s yi yuan", amount=format_decimal(value / 10000, format=LARGE_UNIT_FORMAT))
    return _("%(amount)s wan yuan", amount=format_decimal(value, format=WAN_FORMAT))


def format_month_short(month: int) -> str:
    """A month's short name in the user's language: 12月, Dec."""
    return get_month_names("abbreviated", locale=get_locale())[month]


def format_usd_amount(value_wan) -> str:
    """An amount in 万美元 (USD 10 thousand)."""
    if value_wan is None or value_wan == "":
        return "—"
    value = Decimal(value_wan)
    if current_locale() == "en":
        return _("USD %(amount)s million", amount=format_decimal(value / 100, format=LARGE_UNIT_FORMAT))
    return _("%(amount)s wan USD", amount=format_decimal(value, format="#,##0.##"))


def separators() -> tuple[str, str, str]:
    """The colon, comma and semicolon of the reader's language, for text joined in code
    (an ASCII colon or comma after Chinese is a typesetting error in official writing)."""
    return ("：", "，", "；") if current_locale() == "zh_CN" else (": ", ", ", "; ")


def with_colon(label) -> Markup:
    """A label followed by the colon of the reader's language: 表头行：2, Header row: 2."""
    return escape(label) + Markup(separators()[0])


class _RequestTranslations(Domain):
    """Flask-Babel's domain, keeping the request's translations for the request.

    Flask-Babel looks them up on every gettext (the request's locale, then its catalog cache: about
    8 µs), and a list page translates a few hundred labels. The request's choice is kept on its
    Flask-Babel state next to the locale it was made for, so ``force_locale`` and ``refresh``
    (which change that locale) get the other language's catalog as before."""

    def get_translations(self):
        try:
            state = g._flask_babel
        except (AttributeError, RuntimeError):  # not set yet; outside an app context
            state = None
        kept = getattr(state, "portal_translations", None)
        if kept is not None and kept[0] is getattr(state, "babel_locale", None):
            return kept[1]
        translations = super().get_translations()
        state = g.get("_flask_babel") if g else None
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            state.portal_translations = (locale, translations)
        return translations


def _template_gettext(translations):
    """The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``: Jinja's
    "newstyle" gettext (the text is always a format string, its result escaped-safe Markup under
    autoescape) calling the request's catalog directly. Jinja's own reaches the catalog through
    three calls and Flask-Babel's lookups (7.7 µs a label; 2.9 µs now), and a list page
    translates a few hundred labels."""
    def finish(context, text, variables):
        if context.eval_ctx.autoescape:
            # Markup's % escapes each value; without values it would only copy the text twice.
            return Markup(text) % variables if variables else Markup(text % variables)
        return text % variables

    @pass_context
    def gettext(__context, __string, **variables):
        return finish(__context, translations().ugettext(__string), variables)

    @pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        return finish(__context, translations().ungettext(__singular, __plural, __num), variables)

    @pass_context
    def pgettext(__context, __string_ctx, __string, **variables):
        variables.setdefault("context", __string_ctx)
        return finish(__context, translations().upgettext(__string_ctx, __string), variables)

    @pass_context
    def npgettext(__context, __string_ctx, __singular, __plural, __num, **variables):
        variables.setdefault("context", __string_ctx)
        variables.setdefault("num", __num)
        return finish(__context, translations().unpgettext(__string_ctx, __singular, __plural, __num), variables)

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext, "pgettext": pgettext, "npgettext": npgettext}


def init_app(app) -> None:
    babel = Babel(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    babel.domain_instance = _RequestTranslations(domain=app.extensions["babel"].default_domain)
    app.jinja_env.globals.update(_template_gettext(babel.domain_instance.get_translations))
    app.jinja_env.filters["amount"] = format_amount
    app.jinja_env.filters["usd_amount"] = format_usd_amount
    app.jinja_env.filters["month_short"] = format_month_short
    app.jinja_env.filters["colon"] = with_colon  # {{ _("Header row")|colon }}{{ value }}
    app.jinja_env.filters["flag_reason"] = flag_reasons.render  # a stored flag reason in the reader's language
    # Stored timestamps are naive UTC; Flask-Babel shows them in PORTAL_TIMEZONE.
    app.jinja_env.filters["localtime"] = lambda v: format_datetime(v, "yyyy-MM-dd HH:mm") if v else "—"
    app.jinja_env.filters["date"] = lambda v: format_date(v, "yyyy-MM-dd") if v else "—"
    app.jinja_env.globals.update(
        current_locale=current_locale,
        separators=separators,  # {{ separators()[1] }}: the reader's comma between joined items
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        SUPPORTED_LOCALES=SUPPORTED_LOCALES,
    )

    @app.after_request
    def _content_language(response):
        if request.endpoint != "static":
            response.headers["Content-Language"] = "en" if current_locale() == "en" else "zh-CN"
        return response
