"""WSGI entry point: ``flask run`` and ``gunicorn wsgi:app`` use this."""
from site_core import create_app

app = create_app()
