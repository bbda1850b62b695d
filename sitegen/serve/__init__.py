"""`sitegen serve`: build, serve over HTTP, watch the site, rebuild and reload browsers."""

from sitegen.serve.server import serve

__all__ = ["serve"]
