"""A campaign's message, from what the user wrote to what each recipient gets.

Once per send (``compile_message``): MJML becomes HTML (``mjml``), ``<style>`` rules are inlined into
``style`` attributes (``css_inline``: mail clients drop style sheets), and the result is sanitised with
``nh3`` to what mail clients render (tables, text, links and images over http(s)/mailto; no script,
form, event handler or frame). Placeholders survive all three, so each recipient costs only
``personalise``: a sandboxed Jinja2 render whose values are HTML-escaped.

Placeholders are Jinja2 expressions over the snapshot's variables, each with a Romanian alias:
``{{ first_name }}`` / ``{{ prenume }}``, ``{{ last_name }}`` / ``{{ nume }}``, ``{{ email }}``,
``{{ company }}`` / ``{{ firma }}``; a missing value renders empty, or the fallback of
``{{ prenume | default("client") }}``. Any other name, or a syntax error, refuses the message with the
field and the reason, before anything is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import css_inline
import mjml
import nh3
from jinja2 import Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from genius.vettify.campaigns.tracking import html_to_text

Format = Literal["html", "mjml"]
ALIASES = {"prenume": "first_name", "nume": "last_name", "firma": "company"}
VARIABLES = frozenset({"first_name", "last_name", "email", "company", *ALIASES})

_TAGS = nh3.ALLOWED_TAGS | {"font"}
_GENERIC = {"style", "class", "align", "valign", "width", "height", "bgcolor", "dir", "lang", "title", "role"}
_ATTRIBUTES: dict[str, set[str]] = {tag: set(nh3.ALLOWED_ATTRIBUTES.get(tag, ())) | _GENERIC for tag in _TAGS}
_ATTRIBUTES["table"] |= {"border", "cellpadding", "cellspacing"}
_ATTRIBUTES["a"] |= {"target", "name"}
_ATTRIBUTES["img"] |= {"border"}
_ATTRIBUTES["font"] |= {"color", "face", "size"}

# Never fetch anything: a template's <link> (MJML adds Google Fonts) must not make the server call out.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)
# Plain text for the subject and text part (no escaping there); HTML-escaped values for the HTML.
_TEXT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
_HTML = SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)
# What a placeholder may be: a variable, a constant, a few text filters, `or` and `if … else`. No
# loops, calls, attributes or arithmetic, so no template can run code or build a gigabyte string.
_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const,
    nodes.Filter, nodes.Or, nodes.And, nodes.Not, nodes.CondExpr,
)  # fmt: skip
_FILTERS = frozenset({"default", "d", "upper", "lower", "title", "capitalize", "trim"})


class TemplateRefused(ValueError):
    """The message cannot be sent as written: ``field`` and a reason the user can act on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Message:
    subject: str
    html: str
    text: str


def _check(field: str, source: str) -> None:
    try:
        tree = _TEXT.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(field, f"Eroare în variabile, linia {exc.lineno}: {exc.message}") from exc
    for node in (tree, *tree.find_all(nodes.Node)):
        if not isinstance(node, _NODES) or (isinstance(node, nodes.Filter) and node.name not in _FILTERS):
            what = node.name if isinstance(node, nodes.Filter) else type(node).__name__
            raise TemplateRefused(
                field,
                f"Construcție nepermisă în variabile, linia {node.lineno}: {what}. Sunt permise doar "
                "variabile, texte, default, upper, lower, title, capitalize, trim, or și if … else.",
            )
    names = meta.find_undeclared_variables(tree)
    unknown = sorted(names - VARIABLES)
    if unknown:
        raise TemplateRefused(
            field,
            f"Variabile necunoscute: {', '.join(unknown)}. Disponibile: " + ", ".join(sorted(VARIABLES)),
        )


def to_html(body: str, fmt: Format) -> str:
    """MJML or HTML → inlined, sanitised HTML with its placeholders intact."""
    html = body
    if fmt == "mjml":
        start = body.lstrip()[:5].lower()
        if start != "<mjml" or "<mj-body" not in body:
            raise TemplateRefused("html", "MJML invalid: documentul începe cu <mjml> și conține <mj-body>.")
        try:
            result = mjml.mjml_to_html(body)
        except KeyError as exc:  # how mjml-python reports a tag it does not know
            raise TemplateRefused("html", f"MJML invalid: element necunoscut <{exc.args[0]}>.") from exc
        except Exception as exc:  # the MJML parser raises whatever its XML reader raises
            raise TemplateRefused("html", f"MJML invalid: {exc}") from exc
        if result.errors:
            raise TemplateRefused("html", f"MJML invalid: {result.errors[0]}")
        html = result.html
    try:
        html = _INLINER.inline(html)
    except ValueError as exc:
        raise TemplateRefused("html", f"CSS invalid: {exc}") from exc
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def compile_message(subject: str, body: str, fmt: Format, text: str | None) -> Message:
    """The send's message, checked: every placeholder known, the HTML sanitised."""
    _check("subject", subject)
    _check("html", body)
    if text:
        _check("text", text)
    html = to_html(body, fmt)
    if not html_to_text(html).strip() and "<img" not in html:
        raise TemplateRefused("html", "Mesajul nu are niciun conținut după curățare.")
    return Message(subject=subject, html=html, text=text or html_to_text(html))


def _values(variables: dict[str, Any]) -> dict[str, str]:
    values = {k: str(v) for k, v in variables.items() if v not in (None, "")}
    for alias, name in ALIASES.items():
        if name in values:
            values[alias] = values[name]
    return values


def personalise(message: Message, variables: dict[str, Any]) -> Message:
    """One recipient's copy. Cheap: the templates are compiled once and cached by Jinja2."""
    if "{" not in message.subject + message.html + message.text:
        return message
    values = _values(variables)
    return Message(
        subject=" ".join(_text(message.subject).render(values).split()),
        html=_html(message.html).render(values),
        text=_text(message.text).render(values),
    )


# A worker renders the same three templates for every recipient of a batch: compile each once.
@lru_cache(maxsize=64)
def _text(source: str) -> Template:
    return _TEXT.from_string(source)


@lru_cache(maxsize=64)
def _html(source: str) -> Template:
    return _HTML.from_string(source)
