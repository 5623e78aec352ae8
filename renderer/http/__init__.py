"""Delivery over HTTP: Falcon resources, problem+json errors, OpenAPI, the WSGI server."""
