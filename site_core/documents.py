"""XML answers for machines (feeds, sitemaps): always well-formed, cheap to revalidate.

Text from imports may carry characters XML 1.0 forbids (a vertical tab from
a word processor's line break, say); one such character makes a whole feed
unreadable, so they are dropped. The answer carries an ``ETag`` and
``Cache-Control: no-cache``: clients ask again every time, and get a 304
while nothing changed.
"""
from __future__ import annotations

import re

from flask import make_response, request

NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_response(text: str, mimetype: str = "application/xml"):
    response = make_response(NOT_IN_XML.sub("", text))
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)
