"""Email drafts: a Jinja2 template rendered with what the store knows, as text or .eml.

A template renders the whole message; its first line must be ``Subject: ...``. Variables:
``name``, ``surname``, ``institution``, ``lab``, ``emails``, ``topic`` (the first line of the
query), ``papers`` (each with ``title``, ``url``,
``published``), ``query``, ``why``, ``shared`` (the shared terms), ``recruiting``,
``recruiting_evidence``, ``sender``. Unknown variables are errors, so nothing is left unfilled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Any

import jinja2

from profscout.core.errors import UserError

DEFAULT_TEMPLATE = """\
Subject: Prospective {{ "PhD student" if recruiting == "yes" else "student" }} \
interested in {{ topic }}{% if lab %} at the {{ lab }}{% endif %}

Dear Professor {{ surname }},

{% if papers -%}
I recently read your paper "{{ papers[0].title }}" ({{ papers[0].url }})
{%- if papers|length > 1 %} and "{{ papers[1].title }}" ({{ papers[1].url }}){% endif %}.
{%- else -%}
I have been following your work at {{ institution }}.
{%- endif %}
{%- if shared %} What draws me to it is what it shares with my own interest in {{ topic }}: \
{{ shared|join(", ") }}.{% else %} It is close to my own interest in {{ topic }}.{% endif %}

[Your contribution: two or three sentences on what you have done that fits this work, \
e.g. a project, a thesis or a paper, with a link.]

{% if recruiting == "yes" and recruiting_evidence -%}
Your page says: "{{ recruiting_evidence }}" I would like to apply{% if lab %} to the \
{{ lab }}{% endif %} and would be grateful to know whether you are still taking students.
{%- else -%}
Would you be open to a short conversation about joining \
{% if lab %}the {{ lab }}{% else %}your group at {{ institution }}{% endif %}?
{%- endif %}

Best regards,
{{ sender }}
"""

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                          autoescape=False)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Draft:
    """A rendered email."""

    to: str
    subject: str
    body: str

    def as_text(self) -> str:
        to = f"To: {self.to}\n" if self.to else ""
        return f"{to}Subject: {self.subject}\n\n{self.body}"

    def as_eml(self, sender: str = "") -> bytes:
        """An RFC 5322 message (UTF-8), marked unsent so mail programs open it as a draft."""
        message = EmailMessage()
        if self.to:
            message["To"] = self.to
        if sender and "@" in sender:
            message["From"] = formataddr(parseaddr(sender))
        message["Subject"] = self.subject
        message["X-Unsent"] = "1"
        message.set_content(self.body)
        return bytes(message)


def first_email(emails: str) -> str:
    """The first plausible address in the homepage's e-mail field, else ``""``."""
    found = _EMAIL.search(emails or "")
    return found.group(0) if found else ""


def surname(name: str) -> str:
    parts = name.split()
    if parts and parts[-1].isdigit():  # a DBLP number
        parts = parts[:-1]
    return parts[-1] if parts else name


def shared_terms(why: str) -> list[str]:
    """The terms a shortlist's ``why`` column names (``shared terms: a, b``)."""
    text = why.split(":", 1)[1] if ":" in why else why
    return [t.strip() for t in text.split(",") if t.strip()][:4]


def render(context: Mapping[str, Any], template: str = DEFAULT_TEMPLATE) -> Draft:
    """Render ``template`` with ``context``; a UserError for a bad or incomplete template."""
    try:
        text = _ENV.from_string(template).render(**context)
    except jinja2.UndefinedError as exc:
        raise UserError(f"the template uses an unknown variable: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise UserError(f"the template cannot be rendered: {exc}") from None
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.lower().startswith("subject:"):
        raise UserError("the template's first line must be 'Subject: ...'")
    subject = " ".join(first.split(":", 1)[1].split())
    body = re.sub(r"\n{3,}", "\n\n", rest.lstrip("\n"))
    return Draft(to=first_email(str(context.get("emails", ""))), subject=subject, body=body)
