"""obrazci: renders the layouts of the Slovenian Pravilnik o izvrševanju uredbe o upravnem
poslovanju from JSON into PDF, PDF/A and PNG.

The package reads as the pipeline: ``schema`` (request validation) → ``compose`` (Jinja2 +
gettext catalogs) → ``render`` (WeasyPrint) → ``fit`` (nothing clipped) → ``finish``
(pikepdf) → ``raster`` (PNG) → ``http`` / ``cli`` (delivery). ``pipeline`` wires the stages;
``registry`` finds the layouts under ``templates/``.
"""

__version__ = "0.1.0"
