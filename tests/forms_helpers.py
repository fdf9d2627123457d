"""Read a page's forms as a browser does, and submit one unchanged.

``forms_on(html, page_url)`` gives every ``<form>`` of a page with what a browser would send
when its default button is pressed without touching anything: for a select its selected
option (the first one when none is), checked boxes and radios only, text fields and
textareas as rendered, only enabled fields that have a name, fields tied to the form by a
``form="…"`` attribute, and the action and method (of the button, when it has its own).

    form = forms_on(page, "/admin/units/3")[0]
    response = submit(client, form)      # what pressing "Save" sends
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.datastructures import MultiDict

#: Input types a browser never sends by themselves (a submit button is sent when it is pressed).
_BUTTON_TYPES = {"submit", "button", "reset", "image"}


@dataclass
class Control:
    tag: str  # input, select, textarea, button
    attrs: dict
    value: str = ""  # textarea text
    options: list = field(default_factory=list)  # select: [(value, selected, disabled)]
    in_disabled_fieldset: bool = False
    position: int = 0  # place in the page: a form's controls (form="id" ones too) are in page order
    chosen: list = field(default_factory=list)  # a file input: [(content, file name)] the person chose

    @property
    def name(self) -> str:
        return self.attrs.get("name") or ""

    @property
    def type(self) -> str:
        if self.tag == "input":
            return (self.attrs.get("type") or "text").lower()
        if self.tag == "button":
            return (self.attrs.get("type") or "submit").lower()
        return self.tag

    @property
    def enabled(self) -> bool:
        return "disabled" not in self.attrs and not self.in_disabled_fieldset

    def pairs(self) -> list[tuple[str, object]]:
        """What this control adds to the form data set (buttons excluded)."""
        if not (self.name and self.enabled) or self.type in _BUTTON_TYPES:
            return []
        if self.type in ("checkbox", "radio"):
            return [(self.name, self.attrs.get("value", "on"))] if "checked" in self.attrs else []
        if self.type == "file" and self.chosen:
            return [(self.name, (io.BytesIO(content), name)) for content, name in self.chosen]
        if self.type == "file":  # an empty file part, as a browser sends for an untouched file input
            return [(self.name, (io.BytesIO(b""), ""))]
        if self.tag == "select":
            return [(self.name, value) for value in self.selected_values()]
        if self.tag == "textarea":
            return [(self.name, self.value)]
        return [(self.name, self.attrs.get("value", ""))]

    def selected_values(self) -> list[str]:
        chosen = [value for value, selected, _disabled in self.options if selected]
        if "multiple" in self.attrs:
            return chosen
        if chosen:
            return chosen[-1:]  # a single select shows the last option marked selected
        enabled = [value for value, _selected, disabled in self.options if not disabled]
        return enabled[:1]  # none marked: the browser shows (and sends) the first option


@dataclass
class Form:
    page_url: str
    attrs: dict
    controls: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.attrs.get("id", "")

    def control(self, name: str, value: str | None = None) -> Control:
        """The control named ``name`` (of several checkboxes of one name, the one of ``value``)."""
        [found] = [c for c in self.controls if c.name == name and c.type not in _BUTTON_TYPES
                   and value in (None, c.attrs.get("value"))]
        return found

    def type_into(self, name: str, text: str) -> None:
        """What a person typing into a text field or textarea does (the field must exist)."""
        control = self.control(name)
        if control.tag == "textarea":
            control.value = text
        else:
            control.attrs["value"] = text

    def tick(self, name: str, checked: bool = True, value: str | None = None) -> None:
        """What a person clicking a checkbox does (``value``: which of several of one name)."""
        control = self.control(name, value)
        control.attrs.pop("checked", None)
        if checked:
            control.attrs["checked"] = ""

    def choose(self, name: str, value: str) -> None:
        """What a person picking an option of a select does (the option must exist)."""
        control = self.control(name)
        assert value in [v for v, _selected, _disabled in control.options], (name, value)
        control.options = [(v, v == value, disabled) for v, _selected, disabled in control.options]

    def choose_files(self, name: str, *files: tuple[bytes, str]) -> None:
        """What a person choosing files in a file input does: ``(content, file name)`` each (more
        than one only where the input takes ``multiple``)."""
        control = self.control(name)
        assert control.type == "file", name
        assert len(files) <= 1 or "multiple" in control.attrs, f"{name} takes one file"
        control.chosen = list(files)

    @property
    def multipart(self) -> bool:
        return (self.attrs.get("enctype") or "").lower() == "multipart/form-data"

    def button(self, name: str, value: str | None = None) -> Control:
        """The submit button with this name (and value), to click it."""
        [found] = [c for c in self.controls if c.type == "submit" and c.name == name
                   and value in (None, c.attrs.get("value"))]
        return found

    def default_button(self) -> Control | None:
        """The button Enter or a click on "Save" submits with: the form's first submit button."""
        for control in self.controls:
            if control.type in ("submit", "image") and control.tag in ("input", "button"):
                return control
        return None

    @property
    def submittable(self) -> bool:
        """A person can send it: it has a submit button, or a text field where Enter submits."""
        return self.default_button() is not None or any(
            c.tag == "input" and c.type not in _BUTTON_TYPES | {"hidden", "checkbox", "radio", "file"}
            and c.enabled for c in self.controls)

    @property
    def method(self) -> str:
        return self.method_with()

    @property
    def action(self) -> str:
        """The absolute path (with query) the form is sent to, resolved against the page."""
        return self.action_with()

    def method_with(self, button: Control | None = None) -> str:
        """The method the form is sent with when ``button`` (by default the one Enter presses) is pressed."""
        button = button or self.default_button()
        method = (button.attrs.get("formmethod") if button else None) or self.attrs.get("method") or "get"
        return method.upper()

    def action_with(self, button: Control | None = None) -> str:
        """Where the form is sent when ``button`` is pressed: its formaction, else the form's action."""
        button = button or self.default_button()
        action = (button.attrs.get("formaction") if button else None) or self.attrs.get("action") or self.page_url
        parts = urlsplit(urljoin(self.page_url, action))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def data(self, button: Control | None = None) -> MultiDict:
        """The form data set, sent with ``button`` (by default the one Enter presses)."""
        pairs = [pair for control in self.controls for pair in control.pairs()]
        if not self.multipart:  # without enctype="multipart/form-data" a browser sends a chosen file's name only
            chosen = {c.name for c in self.controls if c.chosen}
            pairs = [(name, value[1] if name in chosen and isinstance(value, tuple) else value)
                     for name, value in pairs]
        button = button or self.default_button()
        if button is not None and button.name and button.enabled:
            pairs.append((button.name, button.attrs.get("value", "")))
        return MultiDict(pairs)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted({c.name for c in self.controls if c.name}))


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.orphans: list[tuple[str, Control]] = []  # controls outside a form with form="id"
        self.select: Control | None = None
        self.option: dict | None = None
        self.option_text: list[str] = []
        self.textarea: Control | None = None
        self.disabled_fieldsets: list[bool] = []  # one entry per open fieldset
        self.seen = 0  # controls read so far

    def _add(self, control: Control):
        control.in_disabled_fieldset = any(self.disabled_fieldsets)
        self.seen += 1
        control.position = self.seen
        owner = control.attrs.get("form")
        if owner:
            self.orphans.append((owner, control))
        elif self.current is not None:
            self.current.controls.append(control)

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.current = Form(self.page_url, attrs)
            self.forms.append(self.current)
        elif tag == "fieldset":
            self.disabled_fieldsets.append("disabled" in attrs)
        elif tag in ("input", "button"):
            self._add(Control(tag, attrs))
        elif tag == "select":
            self.select = Control(tag, attrs)
            self._add(self.select)
        elif tag == "option" and self.select is not None:
            self._close_option()
            self.option, self.option_text = attrs, []
        elif tag == "textarea":
            self.textarea = Control(tag, attrs)
            self._add(self.textarea)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "option":
            self._close_option()

    def _close_option(self):
        if self.option is None:
            return
        value = self.option.get("value")
        if value is None:  # an option without value sends its text, whitespace collapsed
            value = " ".join("".join(self.option_text).split())
        self.select.options.append((value, "selected" in self.option, "disabled" in self.option))
        self.option = None

    def handle_data(self, data):
        if self.option is not None:
            self.option_text.append(data)
        elif self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "fieldset" and self.disabled_fieldsets:
            self.disabled_fieldsets.pop()
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # The HTML parser drops one newline right after <textarea>.
            if self.textarea.value.startswith("\n"):
                self.textarea.value = self.textarea.value[1:]
            self.textarea.value = self.textarea.value.replace("\r\n", "\n")
            self.textarea = None

    def close(self):
        super().close()
        by_id = {form.id: form for form in self.forms if form.id}
        for owner, control in self.orphans:
            if owner in by_id:
                by_id[owner].controls.append(control)
        for form in self.forms:  # a browser's default button is the first in page order
            form.controls.sort(key=lambda control: control.position)


def forms_on(html: str, page_url: str) -> list[Form]:
    """Every form of the page, as a browser reads it."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


def submit(client, form: Form, button: Control | None = None, **kwargs):
    """Submit the form as it stands (untouched, or after ``type_into``) with the test client,
    as a browser would send it when ``button`` (by default the first submit button) is pressed."""
    if form.method_with(button) == "GET":  # the form data replaces the action's query
        return client.get(form.action_with(button).partition("?")[0], query_string=form.data(button), **kwargs)
    return client.open(form.action_with(button), method=form.method_with(button), data=form.data(button), **kwargs)
