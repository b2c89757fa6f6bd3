"""Query parameters of list endpoints: an enumerated value outside its choices is a 400.

An unknown ``?kind=nope`` must not answer 200 with an empty list (the caller would read "no
items" where it made a typo): it is 400 ``invalid_choice`` naming the parameter, with the
error shape of api.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.request import Request

from verbund.errors import Invalid


def choice_param(request: Request, name: str, choices: Iterable[str], default: str = "") -> str:
    """Return the parameter's value (``default`` when absent) or 400 naming it (empty too)."""
    if name not in request.query_params:
        return default
    value = request.query_params.get(name, "")
    allowed = list(choices)
    if value not in allowed:
        detail = f"Unzulässiger Wert für „{name}“; zulässig: {', '.join(allowed)}."
        raise Invalid(detail, code="invalid_choice", fields={name: [detail]})
    return value
