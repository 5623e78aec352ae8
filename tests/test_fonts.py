"""Fonts: coverage of sl/it/hu checked at start-up with fontTools."""

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from renderer.fonts import FONTS, FontCoverageError, FontFace, FontSet
from renderer.paths import FONTS_DIR


def test_shipped_fonts_cover_every_language():
    FONTS.check()
    for ch in "čšžćđàèéìòùáéíóöőúüű–„“€":
        assert ord(ch) in FONTS.codepoints


def test_fonts_have_licences():
    assert "SIL Open Font License" in (FONTS_DIR / "OFL.txt").read_text()
    for face in FONTS.faces:
        assert face.path.is_file()


def test_a_font_missing_a_letter_is_refused(tmp_path):
    source = FONTS_DIR / "NotoSans-Regular.ttf"
    font = TTFont(source)
    keep = [cp for cp in font.getBestCmap() if chr(cp) not in "őű"]
    subsetter = subset.Subsetter()
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    broken = tmp_path / "Broken.ttf"
    font.save(broken)
    face = FontFace("Broken", str(broken))  # an absolute path replaces fonts/
    with pytest.raises(FontCoverageError) as exc:
        FontSet((face,)).check()
    assert "ő (U+0151)" in str(exc.value) and "ű (U+0171)" in str(exc.value)


def test_a_missing_font_file_is_refused():
    with pytest.raises(FontCoverageError, match="file missing"):
        FontSet((FontFace("Gone", "Gone.ttf"),)).check()
