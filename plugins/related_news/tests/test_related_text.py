"""Vietnamese text becomes the same terms however it was typed."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_related_news.text import Analyzer, syllable, unaccented

TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng
VOWELS = "aăâeêioôơuưy"


@pytest.mark.parametrize("one, other", [
    ("hòa", "hoà"), ("Hóa", "hoá"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("tùy", "tuỳ"),
    ("ngòai", "ngoài"), ("qúy", "quý"), ("gía", "giá"), ("ngừơi", "người"),
    ("THANH HÓA", "thanh hoá"),
])
def test_both_tone_placements_are_one_syllable(one, other):
    assert syllable(one) == syllable(other)


def test_decomposed_input_equals_composed():
    decomposed = unicodedata.normalize("NFD", "Thanh Hoá")
    assert decomposed != "Thanh Hoá"
    assert Analyzer().terms(decomposed) == Analyzer().terms("Thanh Hoá")


def test_different_tones_stay_different_words():
    assert len({syllable(w) for w in ("bảo", "báo", "bão", "bạo", "bao")}) == 5


toneless_syllables = st.builds(
    lambda onset, nucleus, coda: onset + nucleus + coda,
    st.sampled_from(["", "h", "th", "kh", "ng", "qu", "gi", "tr", "đ"]),
    st.sampled_from(["a", "oa", "oe", "uy", "ươ", "uô", "iê", "ai", "ao", "oai", "ua", "ưa", "ê", "ơ", "ă", "â"]),
    st.sampled_from(["", "n", "ng", "c", "ch", "t", "m", "i", "u"]),
)


@settings(max_examples=50, deadline=None)
@given(toneless_syllables, st.sampled_from(TONES), st.data())
def test_a_tone_mark_on_any_vowel_gives_one_spelling(base, tone, data):
    positions = [i for i, ch in enumerate(base) if ch in VOWELS]
    at = data.draw(st.sampled_from(positions))
    typed = unicodedata.normalize("NFC", base[: at + 1] + tone + base[at + 1:])
    canonical = syllable(typed)
    assert canonical == syllable(canonical)  # stable
    for other in positions:
        retyped = unicodedata.normalize("NFC", base[: other + 1] + tone + base[other + 1:])
        assert syllable(retyped) == canonical
    assert unaccented(canonical) == unaccented(base)


def test_terms_are_syllables_and_syllable_pairs():
    terms = Analyzer(unaccented_twins=False).terms("Đại hội chi bộ")
    assert {"đại", "hội", "chi", "bộ", "đại hội", "hội chi", "chi bộ"} == set(terms)


def test_stop_words_and_numbers_are_not_terms_but_pairs_with_content_words_are():
    terms = Analyzer(unaccented_twins=False).terms("Kết quả của các chi bộ năm 2020")
    assert "của" not in terms and "các" not in terms and "2020" not in terms
    assert "của các" not in terms  # two stop words make no pair
    assert "các chi" in terms


def test_pairs_do_not_cross_punctuation():
    terms = Analyzer(unaccented_twins=False).terms("Thể thao. Văn nghệ, hội thao")
    assert "thao văn" not in terms and "nghệ hội" not in terms
    assert "văn nghệ" in terms and "hội thao" in terms


def test_unaccented_twins_let_plain_typing_meet_accented_text():
    analyzer = Analyzer()
    accented = analyzer.terms("Đại hội chi bộ")
    plain = analyzer.terms("Dai hoi chi bo", accents=False)
    assert set(plain) <= set(accented)
    assert all(term.startswith("~") for term in plain)


def test_text_typed_without_diacritics_is_recognised():
    analyzer = Analyzer()
    plain = "Dai hoi chi bo Khoa Xay dung Dang nhiem ky moi da bau chi uy, bi thu, pho bi thu chi bo " * 2
    accented = "Đại hội chi bộ Khoa Xây dựng Đảng nhiệm kỳ mới đã bầu chi ủy, bí thư, phó bí thư chi bộ " * 2
    assert analyzer.typed_without_diacritics(plain)
    assert not analyzer.typed_without_diacritics(accented)
    assert not analyzer.typed_without_diacritics("Hoi nghi")  # too short to tell


@pytest.mark.parametrize("name", ["Hoà bình", "hòa bình", "HOA BINH", " Hòa  bình "])
def test_tags_match_however_they_are_typed(name):
    assert Analyzer().tag(name) == "hoa binh"


def test_tags_keep_their_numbers():
    analyzer = Analyzer()
    assert analyzer.tag("Nhiệm kỳ 2020-2025") != analyzer.tag("Nhiệm kỳ 2015-2020")
