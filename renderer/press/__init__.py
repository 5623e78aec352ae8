"""Everything made for the press, after WeasyPrint has laid a document out (pikepdf).

- ``printready``: page boxes with bleed, crop marks, PDF/X-4, black on the K plate;
- ``spots``: marker colours turned into spot colours (Separations);
- ``book``: books assembled from one drawing of each repeated page, numbered;
- ``impose``: pages placed on press sheets, with marks and a slug line;
- ``imprint``: the envelope's variable layer written directly, thousands of records a file;
- ``fonts``: the one font embedder (subset, widths, ToUnicode; a pikepdf and a raw writer);
- ``content``: the one content-stream walker (parse, visit or rewrite, unparse);
- ``separation``: the one builder (and reader) of Separation colour spaces.
"""
