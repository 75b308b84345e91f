"""Version strings: pyengine's own, and the Redis version it is compatible with
(what INFO redis_version and HELLO report, and what clients check)."""

PYENGINE_VERSION = "0.1.0"
REDIS_VERSION = "7.0.15"
