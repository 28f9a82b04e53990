"""Build the POST data of an admin change form from the page the editor was shown."""

import datetime

from django.db.models.fields.files import FieldFile


def _put(data: dict, name: str, value) -> None:
    if value is None or value is False:
        return
    if value is True:
        data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    elif isinstance(value, datetime.datetime | datetime.date):
        data[name] = value.isoformat()
    elif isinstance(value, FieldFile) or hasattr(value, "read"):
        return  # files are never echoed back by a browser
    else:
        data[name] = str(value)


def admin_form_data(response, **overrides) -> dict:
    """The data a browser would submit unchanged, then `overrides` (name: value)."""
    data: dict = {}
    form = response.context["adminform"].form
    for name in form.fields:
        _put(data, name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            _put(data, f"{formset.prefix}-{name}", management[name].value())
        for item in formset.forms:
            for name in item.fields:
                _put(data, item.add_prefix(name), item[name].value())
    return with_overrides(data, overrides)


def with_overrides(data: dict, overrides: dict) -> dict:
    """`data` with each override set, or removed where its value is None."""
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
