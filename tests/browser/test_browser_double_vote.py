"""A new reader's double click on "Bình chọn", without JavaScript, counts one vote.

The browser talks to the live site through a gate that counts the vote
submissions it receives and lets them into the site in pairs, at the same
moment: so the test knows the server really received both clicks, and that
they raced. The reader is new (an empty cookie jar) and has never voted.
"""
import threading
import urllib.request

import pytest

from site_core.testing import page_numbers

pytestmark = pytest.mark.browser


class VoteGate:
    """WSGI middleware: counts vote POSTs, holds each until a second one arrives, records the answers."""

    def __init__(self, app):
        self.app = app
        self.pair = threading.Barrier(2)
        self.received = 0
        self.statuses = []
        self.lock = threading.Condition()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or not environ["PATH_INFO"].endswith("/vote"):
            return self.app(environ, start_response)
        with self.lock:
            self.received += 1
        try:
            self.pair.wait(timeout=10)  # only a bound for a lone click: the test then sees received == 1
        except threading.BrokenBarrierError:
            pass

        def recording(status, headers, exc_info=None):
            with self.lock:
                self.statuses.append(int(status.split()[0]))
                self.lock.notify_all()
            return start_response(status, headers, exc_info)
        return self.app(environ, recording)

    def answers(self) -> list[int]:
        """The statuses of the vote POSTs received, once each was answered (the browser
        drops the answer to the click it replaced, but the site still answers it)."""
        with self.lock:
            self.lock.wait_for(lambda: len(self.statuses) >= self.received, timeout=10)
            return sorted(self.statuses)


@pytest.fixture
def gated_site(live_site):
    """The live site's app served again on its own port, behind a ``VoteGate``: (url, gate)."""
    from werkzeug.serving import make_server

    gate = VoteGate(live_site.app)
    server = make_server("127.0.0.1", 0, gate, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="gated-site", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", gate
    server.shutdown()
    thread.join(10)


def total_votes(url: str) -> int:
    """The poll's total, read from its results page by a cookie-less client."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return page_numbers(response.read().decode("utf-8"), "class", "data-total")["poll-total"]


def test_a_double_click_without_javascript_counts_one_vote(browser, live_site, gated_site):
    live_site.require("survey_poll")
    url, gate = gated_site
    context = browser.new_context(java_script_enabled=False, locale="vi-VN")
    context.route(lambda target: not target.startswith(url + "/"), lambda route: route.abort("blockedbyclient"))
    try:
        page = context.new_page()
        page.goto(url + "/")
        assert "survey_poll_voter" not in {cookie["name"] for cookie in context.cookies()}  # never voted
        form = page.locator("[data-widget=survey_poll] form[method=post]")
        poll = page.locator("[data-widget=survey_poll] [data-poll-id]").get_attribute("data-poll-id")
        results = f"{url}/survey_poll/{poll}/ket-qua"
        before = total_votes(results)
        choice = form.locator("input[name=option]").first
        page.locator(f"label[for='{choice.get_attribute('id')}']").click()

        form.get_by_role("button", name="Bình chọn").dblclick(delay=80)  # each click held 80 ms, as by hand
        page.locator(".poll-results").wait_for()  # the page the second click led to

        assert gate.received == 2, "the browser sent the form once: no double submission to test"
        assert gate.answers() == [303, 409]
        assert total_votes(results) == before + 1
        assert "survey_poll_voter" in {cookie["name"] for cookie in context.cookies()}
        page.goto(url + "/")  # the widget knows the reader voted: results, no form
        assert form.count() == 0 and page.locator("[data-widget=survey_poll] .poll-results").count() == 1
    finally:
        context.close()
