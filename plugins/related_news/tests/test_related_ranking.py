"""The ranking on small hand-made sets where the answer is obvious."""
import dataclasses

from site_related_news.analysis import ArticleText, index_all
from site_related_news.scoring import Corpus, Params

SPORT = "Các đội bóng chuyền thi đấu sôi nổi trên sân vận động. Vận động viên giành giải nhất hội thao."
VACCINE = "Cán bộ được tiêm vắc xin phòng dịch COVID-19. Ngành y tế tổ chức tiêm chủng an toàn cho học viên."
CONGRESS = "Đại hội chi bộ bầu chi ủy, bí thư chi bộ nhiệm kỳ mới. Đảng viên thảo luận văn kiện đại hội."
LIBRARY = "Thư viện bổ sung sách, báo, tạp chí phục vụ bạn đọc. Phòng đọc mở cửa cả ngày thứ bảy."


def article(id, title, text, category="Tin hoạt động", day=0, tags=(), excluded=False):
    return ArticleText(id, title, text, category, 1_600_000_000 + day * 86_400, tags, excluded)


def ranked(articles, of, params=Params(), size=5):
    """``of``'s list: (the related ids, best first; the ids of the category's latest after them)."""
    docs, *_ = index_all(articles, params)
    corpus = Corpus(docs, params)
    row = corpus.position[of]
    corpus.build_profiles()
    _, entries = next(corpus.lists([row], size))
    return [i for i, _, latest in entries if not latest], [i for i, _, latest in entries if latest]


SITE = [
    article(1, "Giải bóng chuyền cán bộ, viên chức", SPORT, day=1),
    article(2, "Hội thao bóng chuyền chào mừng ngày thành lập", SPORT, day=2),
    article(3, "Bóng chuyền nữ giành giải nhất", SPORT, day=3),
    article(4, "Tiêm vắc xin phòng COVID-19 cho cán bộ", VACCINE, day=4),
    article(5, "Tiêm chủng mũi nhắc lại", VACCINE, day=5),
    article(6, "Đại hội chi bộ Khoa Xây dựng Đảng", CONGRESS, day=6),
    article(7, "Đại hội chi bộ Phòng Đào tạo", CONGRESS, day=7),
    article(8, "Thư viện mở cửa ngày thứ bảy", LIBRARY, category="Thông báo", day=8),
]


def test_articles_on_the_same_subject_come_first():
    related, _ = ranked(SITE, of=1)
    assert set(related[:2]) == {2, 3}


def test_never_the_article_itself():
    for item in SITE:
        related, latest = ranked(SITE, of=item.id, size=10)
        assert item.id not in related + latest


def test_unrelated_articles_are_not_related_and_the_category_fills_the_list():
    related, latest = ranked(SITE, of=6)
    assert related == [7]
    assert latest == [5, 4, 3, 2]  # the same category, newest first
    only, none = ranked(SITE, of=6, params=Params(fill_with_latest=False))
    assert only == [7] and none == []


def test_title_words_weigh_more_than_body_words():
    shared = "Hội nghị tổng kết công tác thi đua khen thưởng"
    site = [
        article(1, shared, VACCINE + " " + SPORT),
        article(2, shared, LIBRARY + " " + CONGRESS),  # the same title, a different body
        article(3, "Thông tin tuần này", shared + ". " + LIBRARY + " " + CONGRESS),  # the words in the body
        article(4, "Thư viện mở cửa", LIBRARY), article(5, "Bóng chuyền", SPORT),
    ]
    # The first-order score's weighting (the profiles of 2 and 3, alike in body, are alike too).
    related, _ = ranked(site, of=1, params=Params(tags_weight=0, category_weight=0, threshold=0, profile_weight=0))
    assert related.index(2) < related.index(3)


def test_both_tone_placements_find_each_other():
    hoa = "Lễ hội hòa bình, hữu nghị tại huyện Hoằng Hóa: khỏe mạnh, thủy chung. " * 3
    site = [
        article(1, "Lễ hội hòa bình ở Hoằng Hóa", hoa),
        article(2, "Lễ hội hoà bình ở Hoằng Hoá", hoa.replace("hòa", "hoà").replace("Hóa", "Hoá")
                .replace("khỏe", "khoẻ").replace("thủy", "thuỷ")),
        article(3, "Thư viện mở cửa", LIBRARY), article(4, "Bóng chuyền", SPORT),
        article(5, "Tiêm vắc xin", VACCINE),
    ]
    params = Params(unaccented_weight=0.0)  # tone normalisation alone must do it
    related, _ = ranked(site, of=2, params=params)
    assert related == [1]


def test_an_article_typed_without_diacritics_finds_its_accented_relatives():
    plain = ("Cac doi bong chuyen thi dau soi noi tren san van dong. Van dong vien gianh giai nhat hoi thao. "
             "Bong chuyen la mon the thao duoc yeu thich.")
    site = SITE + [article(9, "Giai bong chuyen nam nu", plain, day=9)]
    related, _ = ranked(site, of=9)
    assert set(related) == {1, 2, 3}
    related, _ = ranked(site, of=9, params=dataclasses.replace(Params(), unaccented_weight=0.0))
    assert related == []  # without unaccented matching nothing is related


def test_shared_tags_break_a_tie_and_tags_match_however_typed():
    site = [
        article(1, "Hội thao", SPORT, tags=["Hòa bình"]),
        article(2, "Hội thao", SPORT, day=2),
        article(3, "Hội thao", SPORT, day=1, tags=["hoà bình"]),  # older, but shares the tag
        article(4, "Thư viện", LIBRARY), article(5, "Tiêm vắc xin", VACCINE),
    ]
    related, _ = ranked(site, of=1)
    assert related[:2] == [3, 2]


def test_equal_scores_list_the_newest_first():
    site = [article(i, "Hội thao bóng chuyền", SPORT, day=i) for i in range(1, 5)]
    site += [article(5, "Thư viện", LIBRARY), article(6, "Tiêm vắc xin", VACCINE)]
    related, _ = ranked(site, of=1)
    assert related == [4, 3, 2]


def test_when_nothing_is_related_the_latest_of_the_same_category_are_shown():
    site = SITE + [
        article(10, "Lịch nghỉ Tết", "Nhà trường nghỉ Tết Nguyên đán theo quy định.", category="Thông báo", day=20),
        article(11, "Danh bạ điện thoại", "Số điện thoại các đơn vị trong trường.", category="Thông báo", day=30),
    ]
    related, latest = ranked(site, of=10)
    assert related == []
    assert latest == [11, 8]  # same category, newest first, never itself


def test_excluded_articles_are_never_listed_not_even_as_fallback():
    site = [dataclasses.replace(a, excluded=a.id == 2) for a in SITE]
    related, latest = ranked(site, of=1, size=10)
    assert 2 not in related + latest and 3 in related
    alone = [article(1, "Thư viện", LIBRARY, category="Thông báo"),
             article(2, "Bóng chuyền", SPORT, category="Thông báo", excluded=True)]
    assert ranked(alone, of=1) == ([], [])


def test_the_threshold_is_a_share_of_each_articles_own_best_match():
    """A weak match is related for an article whose matches are all weak, not for one with strong ones."""
    checkup = article(9, "Khám sức khoẻ định kỳ cho cán bộ",
                      "Cán bộ, viên chức được khám sức khoẻ định kỳ tại trạm y tế của trường.", day=9)
    site = SITE + [checkup]
    everything, _ = ranked(site, of=1, params=Params(threshold=0.0), size=10)
    assert 4 in everything  # shares "cán bộ" with the vaccination article: a weak match
    strong, _ = ranked(site, of=1, params=Params(threshold=0.5), size=10)
    assert set(strong) == {2, 3}  # the weak match is far below its best: not related
    weak, _ = ranked(site, of=9, params=Params(threshold=0.5), size=10)
    assert 4 in weak  # its best matches are weak ones: the same weak match is related here


def test_below_the_minimum_score_nothing_is_related_whatever_the_share():
    related, _ = ranked(SITE, of=8, params=Params(threshold=0.0), size=10)
    assert related == []  # the library notice shares only stray words with the others
    loose, _ = ranked(SITE, of=8, params=Params(threshold=0.0, min_score=0.0, category_weight=0.0), size=10)
    assert {6, 7} <= set(loose)  # without the minimum, stray words would make them "related"


def test_an_article_with_the_same_neighbours_outranks_one_sharing_only_incidental_words():
    """Second-order similarity: the reader and another sports article have the same best matches;
    a notice shares more words with the reader (the hall's name), but no neighbours."""
    hall = " Lễ khai mạc tổ chức tại hội trường tầng ba nhà A, phòng họp lớn của trường."
    site = [article(1, "Giải bóng chuyền cán bộ, viên chức", SPORT + hall, day=1), *SITE[1:],
            article(9, "Sửa chữa hội trường tầng ba nhà A",
                    "Hội trường tầng ba nhà A, phòng họp lớn của trường, tạm đóng cửa để sửa chữa.", day=9),
            article(10, "Đội bóng chuyền nữ tập luyện",
                    "Vận động viên bóng chuyền tập luyện trên sân vận động, chuẩn bị hội thao.", day=10)]
    shared_words, _ = ranked(site, of=1, params=Params(profile_weight=0.0), size=10)
    assert shared_words.index(9) < shared_words.index(2)  # by shared words alone, the notice first
    related, _ = ranked(site, of=1, params=Params(threshold=0.0), size=10)
    assert set(related[:3]) == {2, 3, 10} and related.index(9) > 2  # neighbours compared: sports first


def test_a_profile_with_many_equal_scores_keeps_the_newest_of_them():
    """Twenty copies of one article tie for a profile of three: the newest three win, however
    the product that keeps only each row's best scores happened to cut among them."""
    params = Params(profile_size=3)
    copies = [article(i, "Đại hội chi bộ", CONGRESS, day=100 - i) for i in range(1, 21)]
    docs, *_ = index_all(copies + SITE[:5], params)  # SITE's ids 1-5 reused: renumber them
    docs = docs[:20] + [dataclasses.replace(d, id=100 + d.id) for d in docs[20:]]
    corpus = Corpus(docs, params)
    corpus.build_profiles()
    full = {row: corpus.profile_of(scores) for row, scores in corpus.best_scores(range(len(corpus)))}
    for row, (positions, scores) in enumerate(corpus.profiles):
        assert positions.tolist() == full[row][0].tolist() and scores.tolist() == full[row][1].tolist()
    first = corpus.position[1]
    assert corpus.ids[corpus.profiles[first][0]].tolist() == [2, 3, 4]
