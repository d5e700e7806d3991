"""The visit counter of Vietnamese portals, as a site_core plugin.

Hôm nay · Hôm qua · Tuần này · Tháng này · Tất cả: visits counted per day
with one atomic upsert, visitors recognised by a signed cookie or a keyed,
daily-rotating hash (no IP is stored), bots counted apart.
"""
