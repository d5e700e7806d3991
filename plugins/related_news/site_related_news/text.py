"""Vietnamese text to index terms.

Vietnamese words are syllables separated by spaces, and most words have two
syllables ("đại hội", "chính trị"), so an article's terms are its syllables
and its pairs of neighbouring syllables. Before that, every syllable is put
in one canonical spelling:

- Unicode NFC and lower case;
- one tone-mark placement: "hòa" and "hoà", "thủy" and "thuỷ", "khỏe" and
  "khoẻ" are the same syllable typed two ways; the tone mark is taken off
  and put back on the vowel :func:`syllable` chooses;
- stop words (:mod:`site_related_news.stopwords`) are no terms of their own.

Each term also has an unaccented twin ("~hoa binh"), so an article typed
without diacritics still meets its accented relatives; such an article
(:meth:`Analyzer.typed_without_diacritics`) keeps only the twins, since its
plain spellings mean nothing more. Numbers and punctuation make no terms;
punctuation ends a phrase, and no syllable pair spans two phrases.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

import numpy as np

from .stopwords import STOP_WORDS, UNACCENTED_STOP_WORDS

# Combining tone marks: huyền, sắc, hỏi, ngã, nặng.
TONE_MARKS = frozenset("\u0300\u0301\u0309\u0303\u0323")
VOWELS = frozenset("aăâeêioôơuưy")
MARKED_VOWELS = frozenset("ăâêôơư")
# Two-vowel rhymes whose tone goes on the second vowel when nothing follows.
SECOND_VOWEL_RHYMES = frozenset({"oa", "oe", "uy"})
UNACCENTED_PREFIX = "~"
MAX_WORD = 30  # longer "words" are no Vietnamese (a URL, a code); they make no terms

PHRASE_BREAK = r"[.,;:!?…()\[\]{}<>\"“”‘’'«»/\\|\-–—•·*+=#%&@\n\r\t]+"
# One pass over a text: its words (letters only: numbers say little about a
# topic), and the punctuation runs that end phrases.
TOKEN = re.compile(r"[^\W\d_]+|" + PHRASE_BREAK)
TAG_WORD = re.compile(r"[^\W_]+")  # tags keep their numbers ("Nhiệm kỳ 2020-2025")
# A syllable pair's code: (first id + 1) << PAIR_SHIFT | second id; a syllable's is its id.
PAIR_SHIFT = 31
PAIR = 1 << PAIR_SHIFT


def syllable(word: str) -> str:
    """The canonical spelling of one syllable: NFC, lower case, one tone placement.

    >>> syllable("HÒA") == syllable("hoà") == "hoà"
    True
    """
    letters = unicodedata.normalize("NFD", word.lower())
    tone = next((ch for ch in letters if ch in TONE_MARKS), None)
    base = unicodedata.normalize("NFC", "".join(ch for ch in letters if ch not in TONE_MARKS))
    if tone is None:
        return base
    at = _tone_position(base)
    if at is None:
        return base
    return unicodedata.normalize("NFC", base[: at + 1] + tone + base[at + 1:])


def _tone_position(base: str) -> int | None:
    """Where the tone mark goes in a toneless syllable ("hoa" -> the "a")."""
    vowels = [i for i, ch in enumerate(base) if ch in VOWELS]
    if not vowels:
        return None
    # "qu" and "gi" before another vowel: the u/i belongs to the consonant.
    if len(vowels) > 1 and vowels[0] == 1 and base[:2] in ("qu", "gi"):
        vowels = vowels[1:]
    nucleus = [vowels[0]]
    for i in vowels[1:]:
        if i != nucleus[-1] + 1:
            break
        nucleus.append(i)
    marked = [i for i in nucleus if base[i] in MARKED_VOWELS]
    if marked:
        return marked[-1]  # "ươ" takes it on the ơ
    if len(nucleus) == 1:
        return nucleus[0]
    if nucleus[-1] < len(base) - 1:
        return nucleus[-1]  # a final consonant follows: "hoàn", "huỳnh"
    if len(nucleus) == 3:
        return nucleus[1]  # "ngoài", "xoáy"
    if base[nucleus[0]] + base[nucleus[1]] in SECOND_VOWEL_RHYMES:
        return nucleus[1]  # "hoà", "khoẻ", "thuỷ"
    return nucleus[0]  # "hài", "mùa", "cháo"


def unaccented(text: str) -> str:
    """``text`` without any diacritics: "Đại hội" -> "dai hoi"."""
    letters = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in letters if not unicodedata.combining(ch))


STOP = frozenset(syllable(w) for w in STOP_WORDS)
UNACCENTED_STOP = frozenset(UNACCENTED_STOP_WORDS)


class Analyzer:
    """Turns text into terms; remembers the spelling of every word it saw.

    One analyzer is meant to be reused: each distinct word is looked at once
    (a news site has a few tens of thousands). A term is an integer code
    (:meth:`codes`): a syllable's id, or a pair of ids for a syllable pair;
    :meth:`spell` gives its text ("hội", "đại hội", "~dai hoi").
    """

    def __init__(self, bigrams: bool = True, unaccented_twins: bool = True,
                 normalise_tones: bool = True, stop_words: bool = True) -> None:
        self.bigrams = bigrams
        self.unaccented_twins = unaccented_twins
        self.normalise_tones = normalise_tones
        self.stop_words = stop_words
        self._words: dict[str, int] = {}  # token -> word number
        self._syllable_ids: dict[str, int] = {}  # a syllable term's text -> its id
        self._spellings: list[str] = []  # id -> text
        self._twins = np.zeros(1024, dtype=bool)  # id -> whether an unaccented twin (and room)
        # Per word number: its syllable's id, its twin's id, whether a stop word, whether a break
        # (rows beyond the words numbered so far are room to grow).
        self._table = np.zeros((1024, 4), dtype=np.int64)

    def _syllable_id(self, text: str) -> int:
        found = self._syllable_ids.get(text)
        if found is None:
            found = self._syllable_ids[text] = len(self._spellings)
            self._spellings.append(text)
            if found == len(self._twins):
                self._twins = np.concatenate([self._twins, np.zeros_like(self._twins)])
            self._twins[found] = text[0] == UNACCENTED_PREFIX
        return found

    def _word(self, word: str) -> None:
        """Number a new token: punctuation, and "words" too long to be Vietnamese (a URL, a
        code), break the text into phrases (no syllable pair spans them)."""
        if not word[0].isalpha() or len(word) > MAX_WORD:
            row = (0, 0, 0, 1)
        else:
            key = syllable(word) if self.normalise_tones else word
            plain = unaccented(key)
            stop = self.stop_words and (key in STOP or (key == plain and key in UNACCENTED_STOP))
            row = (self._syllable_id(key), self._syllable_id(UNACCENTED_PREFIX + plain), int(stop), 0)
        number = self._words[word] = len(self._words)
        if number == len(self._table):
            self._table = np.concatenate([self._table, np.zeros_like(self._table)])
        self._table[number] = row

    @staticmethod
    def typed_without_diacritics(text: str) -> bool:
        """Whether ``text`` is Vietnamese typed without diacritics ("Dai hoi chi bo").

        Written Vietnamese has diacritics on most syllables, each a non-ASCII
        character; with fewer than one per ten words (over at least 20
        words), the text was typed without them.
        """
        words = text.count(" ") + 1
        if words < 20:
            return False
        return len(text.encode("utf-8")) - len(text) < 0.1 * words

    def codes(self, text: str, accents: bool = True) -> np.ndarray:
        """Every term of ``text`` as it occurs, as codes (int64): syllables, syllable pairs
        and their unaccented twins.

        ``accents=False`` (text typed without diacritics) gives the
        unaccented terms only: its plain spellings mean nothing more.
        """
        tokens = TOKEN.findall(unicodedata.normalize("NFC", text).lower())
        for token in set(tokens).difference(self._words):
            self._word(token)
        words = self._table[np.fromiter(map(self._words.__getitem__, tokens), np.int64, len(tokens))]
        key, twin, stop, brk = words.T
        kinds = [k for k, wanted in ((key, accents), (twin, self.unaccented_twins or not accents)) if wanted]
        found = [ids[(stop == 0) & (brk == 0)] for ids in kinds]
        if self.bigrams and len(tokens) > 1:
            pair = (brk[:-1] == 0) & (brk[1:] == 0) & ~((stop[:-1] == 1) & (stop[1:] == 1))
            found += [_pair(ids[:-1][pair], ids[1:][pair]) for ids in kinds]
        return np.concatenate(found) if found else np.empty(0, np.int64)

    @property
    def spellings(self) -> list[str]:
        """Each syllable id's text."""
        return self._spellings

    def spell(self, code: int) -> str:
        """A term's text: "hội", "đại hội", or an unaccented twin "~dai hoi"."""
        return spell(code, self._spellings)

    def is_twin(self, codes: np.ndarray) -> np.ndarray:
        """Which of ``codes`` are unaccented twins."""
        return self._twins[np.where(codes < PAIR, codes, codes & (PAIR - 1))]

    def terms(self, text: str, accents: bool = True) -> Counter:
        """Term counts of ``text``, by their text (see :meth:`codes`)."""
        return Counter(self.spell(int(c)) for c in self.codes(text, accents))

    def tag(self, name: str) -> str:
        """A tag's matching key: canonical, unaccented ("Hoà bình" = "hoa binh")."""
        words = TAG_WORD.findall(unicodedata.normalize("NFC", name).lower())
        return " ".join(unaccented(syllable(w)) for w in words) or name.strip().lower()


def _pair(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return ((first + 1) << PAIR_SHIFT) | second


def spell(code: int, spellings: list[str]) -> str:
    """The text of a term's code, its syllables' spellings by id."""
    if code < PAIR:
        return spellings[code]
    first, second = spellings[(code >> PAIR_SHIFT) - 1], spellings[code & (PAIR - 1)]
    return first + " " + (second[1:] if second[0] == UNACCENTED_PREFIX else second)


def renumber(codes: np.ndarray, new_ids: np.ndarray) -> np.ndarray:
    """``codes`` with each syllable id ``i`` replaced by ``new_ids[i]``."""
    pair = codes >= PAIR
    first = np.where(pair, (codes >> PAIR_SHIFT) - 1, 0)
    second = np.where(pair, codes & (PAIR - 1), codes)
    return np.where(pair, _pair(new_ids[first], new_ids[second]), new_ids[second])
