"""The preview studio: what it measures in a render (``preview``), the sample sets it offers
(``samplesets``), its HTTP resources and pages (``resources``, ``pages/``, ``assets/``) and the
live templates of ``renderer serve --dev`` (``devreload``)."""
