"""The beacon endpoint (``mode = "beacon"``): POST /visit_counter/hit.

Counts a page view that a cache served. It accepts only same-origin requests
(``Sec-Fetch-Site: same-origin``, or else an ``Origin`` equal to the site's),
so another site cannot inflate the figures through its visitors' browsers,
and its answer is ``Cache-Control: no-store``. It applies the page rules
itself: bots apart, prefetches ignored. It is CSRF-exempt because it checks
the origin itself and changes nothing but a count.
"""
from __future__ import annotations

from flask import Response, abort, request

from site_core.api import csrf, is_prefetch

from . import counting, state


def same_origin(req) -> bool:
    site = req.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = req.headers.get("Origin")
    return origin is not None and origin == f"{req.scheme}://{req.host}"


def _answer(status: int, text: str = "") -> Response:
    response = Response(text, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def hit():
    """Count the page view the beacon script reports; 204, never cached."""
    if state.get().settings["mode"] != "beacon":
        abort(404)
    if not same_origin(request):
        return _answer(403, "Chỉ nhận yêu cầu từ chính trang này.")
    response = _answer(204)
    if not is_prefetch(request):
        counting.count_this_request(response, shown=False)  # no figures in a 204: no lookup, no connection
    return response


csrf.exempt(hit)


def register(blueprint) -> None:
    blueprint.add_url_rule("/hit", view_func=hit, methods=["POST"])
