"""A signature field stays accessible: its widget in the structure tree, with a description.

PDF/UA-1 (7.18.1, 7.18.4; Matterhorn 28-005, 28-008) wants every annotation that is not
hidden in the structure tree, a widget under a ``Form`` element (an OBJR naming it), and a
form field's ``TU``: what assistive technology says for it. ``tag_field`` writes these into
a pyHanko incremental writer before the field is signed, so the signature covers them.
A PDF without a structure tree (untagged output, an uploaded file) is left as it is.
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from .labels import labels

LANGUAGES = ("sl", "it", "hu")


def _name(value: str) -> generic.NameObject:
    return generic.pdf_name(value)


def tag_field(
    writer: IncrementalPdfFileWriter,
    field_ref: generic.IndirectObject,
    page_index: int,
    timestamp: bool = False,
) -> None:
    """``field_ref``: the signature field (merged with its widget) on page ``page_index``;
    ``timestamp``: a document timestamp's field rather than a signature's."""
    field = field_ref.get_object()
    root = writer.root
    if "/StructTreeRoot" not in root:
        return
    lang = str(root.get("/Lang", "sl"))
    words = labels(lang if lang in LANGUAGES else "sl")
    field["/TU"] = generic.TextStringObject(words["timestamp" if timestamp else "signature"])
    structure = root["/StructTreeRoot"]
    kids = structure["/K"]
    document_ref = kids[0] if isinstance(kids, generic.ArrayObject) else structure.raw_get("/K")
    document = document_ref.get_object()
    page_ref, _ = writer.find_page_for_modification(page_index)
    page = page_ref.get_object()
    if page.get("/Tabs") != "/S":  # tab order follows the structure on a page with fields
        page["/Tabs"] = _name("/S")
        writer.mark_update(page_ref)
    form_ref = writer.add_object(
        generic.DictionaryObject(
            {
                _name("/Type"): _name("/StructElem"),
                _name("/S"): _name("/Form"),
                _name("/P"): document_ref,
                _name("/Pg"): page_ref,
                _name("/K"): generic.ArrayObject(
                    [
                        generic.DictionaryObject(
                            {
                                _name("/Type"): _name("/OBJR"),
                                _name("/Obj"): field_ref,
                                _name("/Pg"): page_ref,
                            }
                        )
                    ]
                ),
            }
        )
    )
    content = document["/K"]
    if not isinstance(content, generic.ArrayObject):
        document["/K"] = content = generic.ArrayObject([document.raw_get("/K")])
    content.append(form_ref)
    writer.update_container(content)
    tree = structure["/ParentTree"]
    nums = tree["/Nums"]
    key = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    key = max(key, int(structure.get("/ParentTreeNextKey", 0)))
    nums.extend([generic.NumberObject(key), form_ref])
    writer.update_container(nums)
    structure["/ParentTreeNextKey"] = generic.NumberObject(key + 1)
    writer.update_container(structure)
    field["/StructParent"] = generic.NumberObject(key)
    writer.mark_update(field_ref)
