"""The poll's pages, under ``/survey_poll``.

``GET  /survey_poll/``                   every poll, newest first
``GET  /survey_poll/<id>``               the poll's own page: the form, or results
``GET  /survey_poll/<id>/ket-qua``       the results page
``GET  /survey_poll/<id>/bieu-mau``      the widget's body alone (form or results),
                                         fetched by the script on shared-cache pages
``POST /survey_poll/<id>/vote``          vote: 303 to the results page, or JSON
                                         when the request accepts only JSON

Every page here depends on the reader (their cookie, a CSRF token), so
all answer ``Cache-Control: private, no-store`` and ``Vary: Cookie``.
The only route that changes anything is the vote.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from jinja2.utils import htmlsafe_json_dumps

from site_core import clock
from site_core.api import db, error_page, reader_form

from . import polls, results as poll_results, settings, voting
from .forms import VoteForm
from .voting import Outcome

MESSAGES = {
    "voted": "Cảm ơn bạn đã bình chọn.",
    Outcome.ALREADY_VOTED: "Bạn đã bình chọn cho cuộc khảo sát này rồi.",
    Outcome.CLOSED: "Cuộc khảo sát đã đóng, không nhận thêm bình chọn.",
    Outcome.ENDED: "Cuộc khảo sát đã kết thúc, không nhận thêm bình chọn.",
    Outcome.SCHEDULED: "Cuộc khảo sát chưa mở.",
    Outcome.RATE_LIMITED: "Có quá nhiều lượt bình chọn từ địa chỉ mạng của bạn. Vui lòng thử lại sau.",
    Outcome.BAD_CHOICE: "Phương án không hợp lệ.",
    "csrf": "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.",
}
STATUS = {Outcome.ALREADY_VOTED: 409, Outcome.CLOSED: 409, Outcome.ENDED: 409,
          Outcome.SCHEDULED: 409, Outcome.BAD_CHOICE: 400, Outcome.RATE_LIMITED: 429}


def register(blueprint: Blueprint) -> None:
    """Add the poll's routes and handlers to the plugin's blueprint."""
    blueprint.add_url_rule("/", "index", index)
    blueprint.add_url_rule("/<id:poll_id>", "poll", poll_page)
    blueprint.add_url_rule("/<id:poll_id>/ket-qua", "results", results_page)
    blueprint.add_url_rule("/<id:poll_id>/bieu-mau", "fragment", fragment)
    blueprint.add_url_rule("/<id:poll_id>/vote", "vote", reader_form(vote), methods=["POST"])
    blueprint.after_request(_private)
    blueprint.register_error_handler(CSRFError, _csrf_error)


def _private(response):
    if not request.endpoint.endswith(".static"):
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


def wants_json() -> bool:
    """True for the script's requests (``Accept: application/json`` first)."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


# --- what a reader sees ----------------------------------------------------

def reader_view(results, message: str | None = None, chosen: list[int] | None = None,
                personal: bool = True) -> dict:
    """The template context for a poll's body: the form if this reader may vote, else results.

    The form is drawn straight from the template with the request's CSRF
    token (a ``VoteForm`` is built only to check a ballot); ``chosen`` keeps
    a refused ballot's valid choices ticked. ``personal=False``
    (shared-cache pages) never looks at the reader's cookie.
    """
    state = polls.state(results, clock.now())
    voted = personal and voting.has_voted(db.session, results.poll_id, voting.current_voter())
    if state == polls.OPEN_STATE and not voted:
        return {"results": results, "state": state, "message": message, "vote_form": True,
                "chosen": chosen or []}
    if message is None and voted:
        message = MESSAGES[Outcome.ALREADY_VOTED]
    if message is None and state != polls.OPEN_STATE:
        message = MESSAGES[Outcome(state)]
    return {"results": results, "state": state, "message": message, "vote_form": False}


def _load_or_404(poll_id: int, fresh: bool = False):
    """The poll's results; 404 if there is no such poll or it is not open yet (like a
    scheduled article, a scheduled poll is not public before its time)."""
    found = poll_results.load(poll_id, fresh=fresh)
    if found is None or polls.state(found, clock.now()) == polls.SCHEDULED:
        abort(404)
    return found


def index():
    now = clock.now()
    public = [(poll, polls.state(poll, now)) for poll in polls.all_polls()]
    public = [(poll, state) for poll, state in public if state != polls.SCHEDULED]
    return render_template("survey_poll/index.html", polls=[poll for poll, _ in public],
                           states={poll.id: state for poll, state in public}, labels=polls.STATE_LABELS)


def poll_page(poll_id: int):
    view = reader_view(_load_or_404(poll_id))
    return render_template("survey_poll/poll.html", **view)


def results_page(poll_id: int):
    results = _load_or_404(poll_id)
    message = MESSAGES["voted"] if request.args.get("thong-bao") == "da-binh-chon" else None
    state = polls.state(results, clock.now())
    may_vote = state == polls.OPEN_STATE and not voting.has_voted(db.session, poll_id, voting.current_voter())
    return render_template("survey_poll/results.html", results=results, message=message,
                           state=state, may_vote=may_vote)


def fragment(poll_id: int):
    view = reader_view(_load_or_404(poll_id))
    return render_template("survey_poll/_body.html", **view)


# --- voting ----------------------------------------------------------------

def vote(poll_id: int):
    results = poll_results.load(poll_id)
    if results is None:
        return _refuse(404, "no_poll", "Không tìm thấy cuộc khảo sát.", None)
    form = VoteForm(results)
    if not form.validate():
        message = form.option.errors[0] if form.option.errors else MESSAGES["csrf"]
        return _refuse(400, Outcome.BAD_CHOICE.value, message, results, form)
    from_cookie = voting.voter_from_cookie()
    voter = from_cookie or voting.voter_from_reader() or voting.new_voter()
    current = settings()
    db.session.close()  # the read's connection goes back first: a request never holds two at once
    outcome = voting.cast(poll_id, form.option.data, voter, request.remote_addr,
                          current["rate_limit"], current["rate_limit_window"])
    if outcome is Outcome.NO_POLL:
        return _refuse(404, "no_poll", "Không tìm thấy cuộc khảo sát.", None)
    if outcome is not Outcome.COUNTED:
        response = _refuse(STATUS[outcome], outcome.value, MESSAGES[outcome], results, form)
        if outcome is Outcome.RATE_LIMITED:
            response.headers["Retry-After"] = str(_retry_after(current["rate_limit_window"]))
        if outcome is Outcome.ALREADY_VOTED and from_cookie is None:  # its twin was counted: keep the voter
            voting.set_voter_cookie(response, voter, current["voter_cookie_days"])
        return response
    poll_results.forget(poll_id)
    if wants_json():
        fresh = poll_results.load(poll_id, fresh=True)
        response = _json(200, "counted", MESSAGES["voted"], fresh)
    else:
        response = redirect(url_for(".results", poll_id=poll_id, **{"thong-bao": "da-binh-chon"}), 303)
    if from_cookie is None:
        voting.set_voter_cookie(response, voter, current["voter_cookie_days"])
    return response


def _refuse(status: int, code: str, message: str, results, form: VoteForm | None = None):
    """A vote not counted: JSON for the script, else a page saying why (and nothing stored)."""
    if wants_json():
        shown = results if status == 409 else None  # poll decided: show results; else keep the form
        return _json(status, code, message, shown)
    if results is None:
        body, status = error_page(status, message)
        return _response(body, status)
    if status == 400:
        view = reader_view(results, message, chosen=_kept_choices(results, form))
        return _response(render_template("survey_poll/poll.html", **view), status)
    return _response(render_template("survey_poll/results.html", results=results, message=message,
                                     state=polls.state(results, clock.now()), may_vote=False), status)


def _kept_choices(results, form: VoteForm | None) -> list[int]:
    """The refused ballot's choices that are options of this poll, to tick again."""
    known = {option.id for option in results.options}
    chosen = form.option.data if form is not None and isinstance(form.option.data, list) else []
    return [value for value in chosen if value in known]


def _json(status: int, code: str, message: str, results):
    payload = {"ok": status == 200, "status": code, "message": message}
    if results is not None:
        payload["results"] = results.as_json()
        payload["html"] = render_template("survey_poll/_body.html", results=results, message=message,
                                          vote_form=False)
    # <, >, & and ' as \u escapes: the data stays exact, and no tag is live even if misread as HTML
    return current_app.response_class(str(htmlsafe_json_dumps(payload)), status, mimetype="application/json")


def _response(body: str, status: int):
    return make_response(body, status)


def _retry_after(window_seconds: int) -> int:
    now = int(clock.now().timestamp())
    return window_seconds - now % window_seconds


def _csrf_error(error):
    """A missing, stale or foreign CSRF token: 400, nothing stored."""
    if wants_json():
        return _json(400, "csrf", MESSAGES["csrf"], None)
    body, status = error_page(400, MESSAGES["csrf"] + f" ({error.description})")
    return _response(body, status)
