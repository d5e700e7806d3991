"""Numbers are written the way Babel writes them for the site's locale."""
import pytest
from babel.numbers import format_decimal
from hypothesis import given, strategies as st

from site_core.formatting import format_in, format_number

LOCALES = ["vi", "vi_VN", "en", "de", "fr", "de_CH", "hi", "en_IN", "ar", "fa", "sv", "lt", "he", "ja"]


def test_vietnamese_numbers_are_grouped_with_dots(site_app):
    with site_app.app_context():
        assert format_number(2171121) == "2.171.121"
        assert format_number(1444) == "1.444"
        assert format_number(0) == "0"


@pytest.mark.parametrize("locale", LOCALES)
@given(value=st.integers(min_value=-10**20, max_value=10**20))
def test_whole_numbers_match_babel_in_every_locale(locale, value):
    # Swiss apostrophes, Indian 2-digit groups, Persian digits: fast path or not, Babel's answer.
    assert format_in(value, locale) == format_decimal(value, locale=locale)


@given(value=st.one_of(st.floats(min_value=-1e12, max_value=1e12),
                       st.decimals(min_value=-10**12, max_value=10**12, places=4)))
def test_other_numbers_are_left_to_babel(value):
    assert format_in(value, "vi") == format_decimal(value, locale="vi")
