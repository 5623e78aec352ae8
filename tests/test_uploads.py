"""Uploads: image frames become PDF pages losslessly, one at a time; a PDF's cost is
measured before anything draws it."""

import io
import zlib

import pikepdf
import pytest
from PIL import Image, ImageDraw

from renderer.options import Limits
from renderer.uploads import UploadRefused, check_pdf, check_scan


def images(pdf_bytes: bytes) -> list[Image.Image]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return [
            pikepdf.PdfImage(next(iter(page.get_images().values()))).as_pil_image()
            for page in pdf.pages
        ]


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["1", "L", "RGB"])
def test_frames_are_placed_losslessly(mode):
    picture = Image.new("RGB", (300, 200), "white")
    draw = ImageDraw.Draw(picture)
    for x in range(0, 300, 7):
        draw.line([x, 0, 300 - x, 200], fill=(x % 256, 255 - x % 256, 90), width=2)
    picture = picture.convert(mode)
    frames = [picture, picture.rotate(90, expand=True)]
    tiff = encoded(
        frames[0],
        "TIFF",
        save_all=True,
        append_images=frames[1:],
        dpi=(200, 200),
        compression="group4" if mode == "1" else "tiff_lzw",
    )
    scan = check_scan(tiff)
    placed = images(scan.pdf)
    assert len(placed) == 2
    for frame, image in zip(frames, placed, strict=False):
        assert image.convert(mode).tobytes() == frame.tobytes()
    with pikepdf.open(io.BytesIO(scan.pdf)) as pdf:
        assert [round(float(v), 2) for v in pdf.pages[0].mediabox] == [
            0,
            0,
            108.0,
            72.0,
        ]  # 300 x 200 px at 200 dpi


def test_a_jpeg_is_embedded_as_it_is():
    jpeg = encoded(Image.new("RGB", (120, 80), (200, 30, 30)), "JPEG", dpi=(300, 300))
    with pikepdf.open(io.BytesIO(check_scan(jpeg).pdf)) as pdf:
        stream = next(iter(pdf.pages[0].get_images().values()))
        assert stream.Filter == pikepdf.Name.DCTDecode and stream.read_raw_bytes() == jpeg


def pdf_with_page_content(content: bytes, form: bytes | None = None, uses: int = 1) -> bytes:
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    if form is not None:
        xobject = pdf.make_stream(
            zlib.compress(form),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=[0, 0, 10, 10],
            Filter=pikepdf.Name.FlateDecode,
        )
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=xobject))
        content += b"/Fm0 Do\n" * uses
    page.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_operators_are_counted_in_forms_too():
    limits = Limits(max_page_operators=1000)
    check_pdf(pdf_with_page_content(b"0 0 m 10 10 l S\n" * 100), limits=limits)  # 300 operators
    with pytest.raises(UploadRefused, match="max_page_operators"):
        check_pdf(pdf_with_page_content(b"q Q\n", form=b"0 0 m 10 10 l S\n" * 400), limits=limits)


def test_a_flate_image_may_not_inflate_beyond_its_pixels():
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    image = pdf.make_stream(
        zlib.compress(bytes(10_000_000)),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=10,
        Height=10,
        BitsPerComponent=8,
        ColorSpace=pikepdf.Name.DeviceGray,
        Filter=pikepdf.Name.FlateDecode,
    )
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 10 0 0 10 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(UploadRefused, match="decompresses to more than"):
        check_pdf(out.getvalue())


def test_declared_pixels_over_the_limit_are_refused_undecoded():
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    image = pdf.make_stream(
        b"\xff\xd8\xff",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=100_000,
        Height=100_000,
        BitsPerComponent=8,
        ColorSpace=pikepdf.Name.DeviceGray,
        Filter=pikepdf.Name.DCTDecode,
    )
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(UploadRefused, match="max_image_pixels"):
        check_pdf(out.getvalue())
