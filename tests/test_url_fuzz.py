"""Hostile URLs: whatever a reader puts in a path segment, a query or a form, no 5xx.

Every rule of the app (core and every built-in plugin, demo data loaded) is
walked with arbitrary segments and query values on SQLite and PostgreSQL:
a value a route cannot take is refused (404 for paths and page numbers, 400
for form data) before it reaches the database, and nothing is logged at ERROR.
"""
import logging
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from site_core.content import slugify
from site_core.routing import SlugConverter
from site_core.testing import form_token

HEALTH = "/-/health"  # may answer 503 when the site is unhealthy, never because of its URL


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, site_app_factory):
    config = {"PLUGINS": {"visit_counter": {"mode": "beacon"}}, "PROPAGATE_EXCEPTIONS": False}
    if request.param == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
    app = site_app_factory(config)
    assert not app.test_cli_runner().invoke(args=["load-demo"]).exit_code
    return app


@pytest.fixture
def client(app):
    """A reader who has opened a poll: their session holds a CSRF token for the forms."""
    client = app.test_client()
    client.token = form_token(client.get("/survey_poll/1").get_data(as_text=True))
    return client


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.ERROR)
    return caplog


def answer(client, method, url, form=None):
    if method == "POST":
        return client.post(url, data={"csrf_token": client.token, **(form or {})})
    return client.open(url, method=method)


def assert_handled(answers: dict[str, int], errors):
    """No URL in ``answers`` (URL: status) got a server error, and nothing was logged at ERROR."""
    assert {url: status for url, status in answers.items()
            if status >= (504 if url.split("?")[0] == HEALTH else 500)} == {}
    assert [r.getMessage() for r in errors.records if r.levelno >= logging.ERROR] == []


KNOWN = [
    ("GET", "/?page=%C2%B2"), ("GET", "/?page=①"), ("GET", "/?page=%00"), ("GET", "/?page=0"),
    ("GET", "/?page=1000000"), ("GET", "/?page=-1"), ("GET", "/?page=%201"),
    ("GET", "/survey_poll/9223372036854775808"), ("GET", "/survey_poll/2147483648"),
    ("GET", "/survey_poll/2147483648/ket-qua"), ("GET", "/survey_poll/2147483648/bieu-mau"),
    ("POST", "/survey_poll/2147483648/vote"), ("GET", "/survey_poll/0"), ("GET", "/survey_poll/01"),
    ("GET", "/survey_poll/%D9%A1"), ("GET", "/survey_poll/%C2%B2"),
    ("GET", "/bai-viet/%00"), ("GET", "/the/%00"), ("GET", "/chuyen-muc/a%00b"), ("GET", "/bai-viet/%E2%80%AE"),
    ("GET", "/static/%00"), ("GET", "/survey_poll/static/a%00b.js"),
]


def test_known_hostile_urls_are_not_found_and_log_nothing(client, errors):
    answers = {url: answer(client, method, url).status_code for method, url in KNOWN}
    assert answers == {url: 404 for _, url in KNOWN}
    assert_handled(answers, errors)


BAD_OPTIONS = ["2147483648", "9223372036854775808", "99999999999999999999", "²", "①", "1\x00", "-1", "1 OR 1=1", ""]


def test_a_vote_for_an_option_no_database_could_hold_is_a_bad_request(client, errors):
    answers = {option: answer(client, "POST", "/survey_poll/1/vote", {"option": option}).status_code
               for option in BAD_OPTIONS}
    assert answers == {option: 400 for option in BAD_OPTIONS}
    assert_handled(answers, errors)


def test_the_rules_take_ids_and_slugs_only_through_the_checked_converters(site_app_factory):
    """A plain ``<int:…>`` or ``<…>`` accepts values no id or slug column can hold."""
    app = site_app_factory({})  # every plugin installed
    loose = [rule.rule for rule in app.url_map.iter_rules()
             for name, converter in rule._converters.items()
             if type(converter).__name__ in ("IntegerConverter", "UnicodeConverter")]
    assert loose == []


segments = st.one_of(
    st.sampled_from(["1", "2", "0", "01", "-1", "2147483647", "2147483648", "9223372036854775808", "10" * 30,
                     "%00", "a%00b", "%C2%B2", "%E2%91%A0", "%D9%A1", "%E2%80%AE", "%ff", "%", "..", "%2F",
                     "site.css", "poll.js", "hoi-nghi", "a--b", "A"]),
    st.integers(min_value=-2**70, max_value=2**70).map(str),
    st.text(max_size=30).map(lambda s: quote(s, safe="")),
)
queries = st.dictionaries(st.sampled_from(["page", "thong-bao", "q", "option"]) | st.text(max_size=5),
                          st.text(max_size=12) | st.sampled_from(["²", "①", "\x00", "2147483648", "da-binh-chon"]),
                          max_size=3)
forms = st.dictionaries(st.just("option"), st.lists(segments, max_size=3) | st.text(max_size=12), max_size=1)


ARGUMENT = re.compile(r"<[^>]+>")


def every_rule(app) -> list[tuple[str, str]]:
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"OPTIONS"})


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_rule_answers_arbitrary_segments_and_queries_without_a_server_error(app, client, errors, data):
    rule, method = data.draw(st.sampled_from(every_rule(app)))
    path = ARGUMENT.sub(lambda argument: data.draw(segments, label=argument.group()), rule)
    query = urlencode(data.draw(queries))
    url = f"{path}?{query}" if query else path
    errors.clear()
    response = answer(client, method, url, data.draw(forms) if method == "POST" else None)
    assert_handled({url: response.status_code}, errors)


@given(st.text(), st.integers(1, 200), st.integers(1, 99))
def test_every_slug_the_site_makes_is_one_its_urls_accept(text, max_length, suffix):
    """Refusing other slugs at the URL never hides an article, category or tag."""
    slug = slugify(text, max_length=max_length)
    assert re.fullmatch(SlugConverter.regex, slug) and re.fullmatch(SlugConverter.regex, f"{slug}-{suffix}")
