"""Where templates come from: the deployment's, then the site's theme, then the code's.

Three folders are searched in order, the first that has a template wins:

1. ``instance/templates`` -- one deployment's overrides;
2. the theme folder (``THEME_FOLDER``; default ``templates/`` beside the
   instance folder, i.e. beside ``wsgi.py`` in a checkout) -- the site's look;
3. the core's templates and each plugin's (``<plugin>/widget.html``).

So ``templates/base.html`` restyles every page and
``templates/<plugin>/widget.html`` replaces that plugin's widget.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from .config import ConfigError


def folder(app: Flask) -> Path:
    """The theme folder: ``THEME_FOLDER`` (relative to the instance folder), or the default."""
    configured = app.config.get("THEME_FOLDER")
    if not configured:
        return Path(app.instance_path).parent / "templates"
    path = Path(app.instance_path) / configured  # an absolute path stays as it is
    if not path.is_dir():
        raise ConfigError(f"THEME_FOLDER: {str(path)!r} is not a folder")
    return path


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([FileSystemLoader(Path(app.instance_path) / "templates"),
                                     FileSystemLoader(folder(app)), app.jinja_loader])
