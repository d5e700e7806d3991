"""The cache for rendered widget fragments and plugins' derived data.

Flask-Caching: in-process (``SimpleCache``) by default; set ``CACHE_TYPE =
"RedisCache"`` and ``CACHE_REDIS_URL`` to share it between workers.
"""
from flask_caching import Cache

cache = Cache()


class PluginCache:
    """The shared cache with every key under a plugin's own namespace (``NAMESPACE:key``)."""

    def __init__(self, namespace: str) -> None:
        self.prefix = f"{namespace}:"

    def get(self, key: str):
        return cache.get(self.prefix + key)

    def set(self, key: str, value, timeout: int | None = None) -> bool:
        return cache.set(self.prefix + key, value, timeout=timeout)

    def delete(self, key: str) -> bool:
        return cache.delete(self.prefix + key)

    def delete_many(self, *keys: str) -> bool:
        return cache.delete_many(*(self.prefix + key for key in keys))
