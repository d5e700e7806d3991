"""Every page view counted by the server, also when the page comes from memory."""
import sqlalchemy as sa

from site_core import page_cache
from site_core.db import db
from site_visit_counter.counting import write_pending
from site_visit_counter.models import days


def test_every_view_of_a_kept_page_is_counted_without_javascript(counter_app, make_article, visit):
    app = counter_app(cache_seconds=5)
    article = make_article(app)
    for n in range(12):
        visit(app.test_client(), path=f"/bai-viet/{article.slug}", ip=f"192.0.2.{n + 1}")
    visit(app.test_client(), path="/", ip="192.0.2.100")
    assert page_cache.store(app).stats()["hits"] == 11
    write_pending(app)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.select(days.c.visits, days.c.page_views)).one() == (13, 13)
