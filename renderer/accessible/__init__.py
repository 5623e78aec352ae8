"""Tagged, accessible PDF (PDF/UA-1, alone or with PDF/A-2a/3a) for the layouts meant to be
read: WeasyPrint's tagging with what the HTML says carried into it (``weasytags``), the
finisher's additions (``finisher``), the signature field in the tree (``widget``) and the
Matterhorn checks that must pass before the file claims PDF/UA (``checks``)."""

from .checks import AccessibilityError, problems, reading
from .finisher import make_accessible, xmp_claim

__all__ = ["AccessibilityError", "make_accessible", "problems", "reading", "xmp_claim"]
