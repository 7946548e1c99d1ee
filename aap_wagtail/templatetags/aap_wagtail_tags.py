from django import template

from ..core import formatting

register = template.Library()


@register.filter
def aap_amount(value):
    """2300 -> "2 300 €" (in the active language's number format)."""
    return formatting.format_amount(value)


@register.filter
def aap_support_kinds(decision):
    """A decision's kinds of support, in words: "Grant, Coaching"."""
    from ..models import SupportKind

    labels = dict(SupportKind.choices)
    return ", ".join(str(labels.get(kind, kind)) for kind in decision.support_kinds or [])


@register.filter
def aap_date(value):
    return formatting.format_date(value)


@register.filter
def aap_datetime(value):
    """An aware datetime in the site's time zone: "15 septembre 2023 à 23 h 59"."""
    return formatting.format_datetime(value)


@register.filter
def aap_widget(bound_field):
    """Render a field's widget tied to its help and error texts (aria-describedby)."""
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    attrs = {}
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def aap_is_group(bound_field):
    """Radio buttons and multiple checkboxes are announced as a group (fieldset + legend)."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", None)
    multiple = getattr(widget, "allow_multiple_selected", False)
    return input_type == "radio" or (input_type == "checkbox" and multiple)


@register.filter
def aap_is_checkbox(bound_field):
    widget = bound_field.field.widget
    return getattr(widget, "input_type", None) == "checkbox" and not getattr(
        widget, "allow_multiple_selected", False
    )


@register.inclusion_tag("aap_wagtail/includes/existing_file.html")
def aap_existing_file(form, name):
    """For a file already sent: its name and size, how to replace it, a button to remove it."""
    existing = getattr(form, "existing", {}).get(name)
    return {"attachment": existing, "page": form.call}


@register.simple_tag
def aap_site_settings(page):
    """The ``AapSiteSettings`` of ``page``'s site (the city running the call), or ``None``."""
    from ..models import AapSiteSettings

    site = page.get_site() if page is not None else None
    return AapSiteSettings.for_site(site) if site is not None else None
