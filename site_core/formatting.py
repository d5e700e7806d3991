"""Numbers and dates formatted for the site's locale (Babel)."""
from babel.numbers import format_decimal
from flask import current_app


def format_number(value: int) -> str:
    """``2171121`` -> ``2.171.121`` in Vietnamese."""
    return format_decimal(value, locale=current_app.config["SITE_LOCALE"])
