"""The script, run under node with a small stand-in DOM, fed the server's real answers.

The end-to-end check in a real browser is the project's tests/browser suite;
this one runs wherever node is installed and pins what the script sends and
what it does with each kind of answer.
"""
import json
import shutil
import subprocess

import pytest

HARNESS = r"""
const [source, scenario] = JSON.parse(process.argv[1]);
const log = {fetches: [], replaced: null, focused: false, message: null, prevented: false,
             buttonDisabled: null, slotFilled: null};

class HTMLFormElement {}
const messageBox = {textContent: "", setAttribute() {}, focus() {}};
const newMessage = {setAttribute() {}, focus() { log.focused = true; }};
const button = {disabled: false};
const holder = {
  replaceChild(node, old) { log.replaced = node.nodes.map(n => n.html).join(""); },
  querySelector(sel) { return sel === "[data-poll-message]" ? newMessage : null; },
};
const form = Object.assign(new HTMLFormElement(), {
  action: "/survey_poll/1/vote", parentNode: holder,
  hasAttribute(name) { return name === "data-poll-form" && scenario.pollForm; },
  querySelector(sel) {
    if (sel === "[type=submit]") return button;
    if (sel === "[data-poll-message]") return messageBox;
    return null;
  },
});
const slot = {getAttribute() { return "/survey_poll/1/bieu-mau"; }, textContent: "x",
              appendChild(node) { log.slotFilled = node.nodes.map(n => n.html).join(""); }};
const listeners = {};
global.window = global;
global.HTMLFormElement = HTMLFormElement;
global.FormData = class { constructor(f) { this.f = f; } get(name) { return name === "csrf_token" ? "TOKEN" : null; } };
global.DOMParser = class { parseFromString(html) { return {body: {childNodes: [{html}]}}; } };
global.document = {
  readyState: "complete",
  addEventListener(type, fn) { listeners[type] = fn; },
  querySelectorAll(sel) { return sel === "[data-poll-fragment]" && scenario.slot ? [slot] : []; },
  createDocumentFragment() { return {nodes: [], appendChild(n) { this.nodes.push(n); }}; },
  importNode(node) { return node; },
};
global.fetch = (url, options) => {
  log.fetches.push({url, method: (options || {}).method || "GET", headers: (options || {}).headers || {},
                    credentials: (options || {}).credentials});
  const answer = scenario.answer;
  return Promise.resolve({
    status: answer.status, ok: answer.status < 400,
    headers: {get() { return answer.type; }},
    json() { return Promise.resolve(JSON.parse(answer.body)); },
    text() { return Promise.resolve(answer.body); },
  });
};
eval(source);
if (scenario.submit) {
  listeners.submit({target: form, preventDefault() { log.prevented = true; }});
}
setTimeout(() => {
  log.message = messageBox.textContent;
  log.buttonDisabled = button.disabled;
  process.stdout.write(JSON.stringify(log));
}, 50);
"""


@pytest.fixture
def run_script(site_client):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    source = site_client.get("/survey_poll/static/survey_poll.js").get_data(as_text=True)

    def run(**scenario):
        scenario = {"pollForm": True, "submit": True, "slot": False, **scenario}
        done = subprocess.run([node, "-e", HARNESS, json.dumps([source, scenario])],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    return run


def answer_of(response) -> dict:
    return {"status": response.status_code, "type": response.content_type, "body": response.get_data(as_text=True)}


def test_a_vote_is_sent_in_place_and_the_results_replace_the_form(run_script, site_client, site_app, poll, kit):
    counted = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0], json=True)
    log = run_script(answer=answer_of(counted))
    assert log["prevented"] is True
    [sent] = log["fetches"]
    assert sent["url"] == "/survey_poll/1/vote" and sent["method"] == "POST"
    assert sent["headers"] == {"Accept": "application/json", "X-CSRFToken": "TOKEN"}
    assert sent["credentials"] == "same-origin"
    assert log["replaced"] == counted.get_json()["html"] and 'data-total="1"' in log["replaced"]
    assert log["focused"] is True


def test_a_second_vote_shows_the_results_with_already_voted(run_script, site_client, site_app, poll, kit):
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0], token=token)
    refused = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[1], token=token, json=True)
    assert refused.status_code == 409
    log = run_script(answer=answer_of(refused))
    assert "Bạn đã bình chọn cho cuộc khảo sát này rồi." in log["replaced"]


def test_a_bad_choice_is_said_in_the_form_which_stays(run_script, site_client, poll, kit):
    refused = kit.vote(site_client, poll, json=True)
    log = run_script(answer=answer_of(refused))
    assert log["replaced"] is None
    assert log["message"] == "Vui lòng chọn một phương án trước khi bình chọn."
    assert log["buttonDisabled"] is False


@pytest.mark.parametrize("status, message", [(413, "quá lớn"), (400, "tải lại trang"), (500, "thử lại")])
def test_an_html_error_page_becomes_a_short_message(run_script, status, message):
    log = run_script(answer={"status": status, "type": "text/html; charset=utf-8", "body": "<html>…</html>"})
    assert message in log["message"] and log["replaced"] is None and log["buttonDisabled"] is False


def test_other_forms_are_left_alone(run_script):
    log = run_script(pollForm=False, answer={"status": 200, "type": "text/html", "body": ""})
    assert log["prevented"] is False and log["fetches"] == []


def test_on_shared_cache_pages_the_form_is_fetched_into_the_widget(run_script, site_client, poll):
    fragment = site_client.get(f"/survey_poll/{poll}/bieu-mau")
    log = run_script(submit=False, slot=True, answer=answer_of(fragment))
    [sent] = log["fetches"]
    assert sent["url"] == "/survey_poll/1/bieu-mau" and sent["method"] == "GET"
    assert log["slotFilled"] == fragment.get_data(as_text=True) and "<form" in log["slotFilled"]


def test_the_script_builds_no_html_from_strings(site_client):
    source = site_client.get("/survey_poll/static/survey_poll.js").get_data(as_text=True)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
