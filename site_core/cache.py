"""The cache for rendered widget fragments and plugins' derived data.

Flask-Caching: in-process (``SimpleCache``) by default; set ``CACHE_TYPE =
"RedisCache"`` and ``CACHE_REDIS_URL`` to share it between workers.
"""
from flask_caching import Cache

cache = Cache()
