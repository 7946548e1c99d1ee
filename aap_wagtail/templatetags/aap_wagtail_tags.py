from django import template

from .. import formatting

register = template.Library()


@register.filter
def aap_amount(value):
    """2300 -> "2 300 €" (in the active language's number format)."""
    return formatting.format_amount(value)


@register.filter
def aap_date(value):
    return formatting.format_date(value)


@register.filter
def aap_datetime(value):
    """An aware datetime in the site's time zone: "15 septembre 2023 à 23 h 59"."""
    return formatting.format_datetime(value)
