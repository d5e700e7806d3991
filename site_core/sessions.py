"""Flask's signed-cookie session, opened for free when a request carries no session cookie.

Flask builds the session's signing serializer for every request, also to
find that there is no cookie to read: most reader requests (nothing on a
reader page uses the session; its forms use :mod:`.reader_forms`). Here a
request without the cookie gets a new, empty session at once; one with the
cookie, and every save, go through Flask's own code unchanged.
"""
from __future__ import annotations

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app) -> None:
    app.session_interface = SessionInterface()
