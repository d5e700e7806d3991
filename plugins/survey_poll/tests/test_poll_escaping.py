"""Questions and answers with HTML or script in them are shown as text, everywhere (C6)."""
import pytest

QUESTION = "<script>alert('q')</script> Bạn chọn gì? {{7*7}}"
OPTIONS = ['"><img src=x onerror=alert(1)>', "{{7*7}}", "</label><svg onload=alert(2)>",
           "<a href=\"javascript:alert(3)\">bấm</a>"]


@pytest.fixture
def hostile_poll(make_poll):
    return make_poll(question=QUESTION, options=OPTIONS, max_choices=2)


def assert_inert(html: str, kit) -> None:
    page = kit.Markup(html)
    scripts = page.find("script")
    assert all(s.get("src", "").startswith(("/static/", "/survey_poll/static/")) for s in scripts), scripts
    assert not [a for _t, a in page.elements for name in a if name.startswith("on")]
    assert not page.find("img") and not page.find("svg")
    assert not [a for a in page.find("a") if a.get("href", "").lower().startswith("javascript")]
    text = "".join(page.text)
    assert "{{7*7}}" in text and "49" not in text
    assert "<script>alert('q')</script>" in text  # shown, as text


def test_the_widget_shows_hostile_text_as_text(site_client, hostile_poll, kit):
    html = site_client.get("/").get_data(as_text=True)
    assert_inert(html, kit)
    assert 'onerror=alert(1)&gt;' in html


def test_the_polls_pages_show_hostile_text_as_text(site_client, hostile_poll, kit):
    for path in (f"/survey_poll/{hostile_poll}", f"/survey_poll/{hostile_poll}/ket-qua",
                 f"/survey_poll/{hostile_poll}/bieu-mau"):
        assert_inert(site_client.get(path).get_data(as_text=True), kit)
    listing = site_client.get("/survey_poll/").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;" in listing


def test_the_script_receives_hostile_text_escaped(site_client, site_app, hostile_poll, kit):
    ids = kit.option_ids(site_app, hostile_poll)
    answer = kit.vote(site_client, hostile_poll, ids[0], ids[1], json=True)
    data = answer.get_json()
    assert answer.status_code == 200
    assert [o["text"] for o in data["results"]["options"]] == OPTIONS   # data: the exact text
    assert_inert(data["html"], kit)
    assert "<script>" not in answer.get_data(as_text=True)  # raw JSON: no live tag either


def test_the_cli_prints_the_text_unchanged(site_app, hostile_poll):
    result = site_app.test_cli_runner().invoke(args=["poll", "results", str(hostile_poll)])
    assert result.exit_code == 0
    assert QUESTION in result.output and OPTIONS[0] in result.output
