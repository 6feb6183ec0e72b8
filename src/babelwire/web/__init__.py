"""The ASGI web app serving the public site; see `babelwire.web.app.create_app`.

Kept free of imports: `babelwire.publish` loads its templates and stylesheet
from this package.
"""
