"""The counter's tables: daily totals, visitors of the current window, daily salts.

Nothing here holds an IP address or a User-Agent: a visitor is a keyed
hash, kept only while its visit window (or the online window) is open.
"""
import sqlalchemy as sa

from site_core.api import db

days = sa.Table(
    "visit_counter_days", db.metadata,
    sa.Column("day", sa.Date, primary_key=True, comment="civil date in SITE_TIMEZONE"),
    sa.Column("visits", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("page_views", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("bot_views", sa.BigInteger, nullable=False, server_default="0"),
)

visitors = sa.Table(
    "visit_counter_visitors", db.metadata,
    sa.Column("key", sa.String(32), primary_key=True, comment="signed-cookie id or keyed hash"),
    sa.Column("last_seen", sa.BigInteger, nullable=False, index=True, comment="Unix seconds"),
    sa.Column("visit", sa.BigInteger, nullable=False, comment="random token of the current visit"),
)

salts = sa.Table(
    "visit_counter_salts", db.metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("salt", sa.String(64), nullable=False),
)
