"""Security on every response: headers, error pages, trusted proxies.

Headers go on every response, error pages included. Error pages are
generic: details go to the log, never to the reader.
"""
from __future__ import annotations

import logging

import sqlalchemy.exc
from flask import Flask, abort, g, render_template, request
from flask.globals import request_ctx
from markupsafe import escape
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("site_core")

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Trình duyệt đã gửi một yêu cầu mà máy chủ không hiểu được."),
    403: ("Không có quyền truy cập", "Bạn không có quyền xem trang này."),
    404: ("Không tìm thấy trang", "Trang bạn tìm không tồn tại hoặc đã được chuyển đi."),
    405: ("Phương thức không được phép", "Trang này không nhận loại yêu cầu đó."),
    409: ("Xung đột", "Yêu cầu không thể thực hiện ở trạng thái hiện tại."),
    413: ("Dữ liệu quá lớn", "Dữ liệu gửi lên vượt quá giới hạn cho phép."),
    429: ("Quá nhiều yêu cầu", "Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau."),
    500: ("Lỗi máy chủ", "Đã xảy ra lỗi. Chúng tôi đã ghi nhận và sẽ khắc phục."),
    503: ("Tạm thời gián đoạn", "Hệ thống đang bận hoặc bảo trì. Vui lòng thử lại sau ít phút."),
}


PLAIN_ERROR = ('<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
               '<meta name="description" content="{title}"></head><body><main><h1>{title}</h1>'
               '<p>{text}</p></main></body></html>')


def content_security_policy(app: Flask) -> str:
    images = " ".join(["'self'", "data:"] + [f"https://{h}" for h in app.config["IMAGE_HOSTS"]])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; font-src 'self'; connect-src 'self'; form-action 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
    )


def error_page(code: int, message: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    g.error_page = code  # widgets are shown, but this is no page view
    if request_ctx.url_adapter is None:  # e.g. an untrusted Host: no URL can be built
        return PLAIN_ERROR.format(title=escape(title), text=escape(message or text)), code
    return render_template("error.html", code=code, title=title, text=message or text), code


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    csp = content_security_policy(app)

    @app.before_request
    def _limit_form_fields():
        """413 for more fields than ``MAX_FORM_PARTS``, urlencoded bodies too.

        Werkzeug applies ``MAX_FORM_PARTS`` to multipart bodies only.
        """
        limit = app.config.get("MAX_FORM_PARTS")
        if (limit and request.method in ("POST", "PUT", "PATCH")
                and request.mimetype == "application/x-www-form-urlencoded"
                and sum(1 for _ in request.form.items(multi=True)) > limit):
            abort(413)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if app.config["SITE_HTTPS"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_page(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                               "Vui lòng tải lại trang và thử lại. (" + error.description + ")")

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code is None or error.code < 400:
            return error
        response = error.get_response()
        body, code = error_page(error.code, None)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    @app.errorhandler(sqlalchemy.exc.InterfaceError)
    def _database_down(error):
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        return error_page(503)

    if app.debug:
        return  # the interactive debugger shows the error instead

    @app.errorhandler(Exception)
    def _unhandled(error):
        if isinstance(error, HTTPException):
            return _http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_page(500)
