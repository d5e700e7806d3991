"""Generated Vietnamese articles, for what generated text can still test: speed and edge cases.

``related_timing.py`` fills sites of 1,000 and 10,000 articles with it to
time rebuilds, page views and syncs, and its articles exercise the edge
cases of the text analysis (two tone-mark placements, text typed without
diacritics, noisy tags). It is **not** evidence of relevance: its templated
sentences repeat phrases real news does not, so a ranking or a threshold
tuned on it fails on real text. Relevance is measured on real articles by
``related_eval.py``.

Deterministic (a seeded ``random.Random``): the same arguments always give the
same file. Each article belongs to one of twelve topics of a provincial
political school's portal; the topic is its label. Articles are written in
the import format (``flask import-articles`` takes the file as it is); the
labels go to a file beside it (``related_labels.jsonl``: slug, topic, and
how the article is typed). What makes it a fair test, like a real portal:

- topics share vocabulary (every article speaks of "cán bộ", "nhà trường",
  "đảng viên"…), and about a sixth of each body is borrowed from another topic;
- categories follow topics only loosely (many articles sit in the catch-all
  "Tin hoạt động"), and tags are noisy: missing on a quarter of the articles,
  generic ("Nổi bật") or from another topic on others;
- two tone-mark placements ("Thanh Hóa" / "Thanh Hoá", "thủy" / "thuỷ") are
  mixed article by article, and a few articles are typed without diacritics;
- a few one-off articles ("khac") belong to no topic (distractors).

Usage::

    python bench/related_make_corpus.py -o /tmp/corpus.jsonl   # 600 articles + labels beside them (default: ./related_corpus.jsonl)
    python bench/related_make_corpus.py -n 10000 -o /tmp/corpus-10k.jsonl
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = Path("related_corpus.jsonl")
ZONE = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Topic:
    categories: tuple[str, ...]  # the first is the topic's own category
    tags: tuple[str, ...]
    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    phrases: tuple[str, ...] = ()  # what the topic's work is called, for shared templates


SLOTS = {
    "unit": ["Khoa Xây dựng Đảng", "Khoa Lý luận cơ sở", "Khoa Nhà nước và pháp luật",
             "Phòng Đào tạo", "Phòng Tổ chức - Hành chính", "Phòng Quản lý khoa học",
             "Khoa Dân vận", "Phòng Quản trị - Tài vụ"],
    "place": ["huyện Thọ Xuân", "huyện Nga Sơn", "thị xã Bỉm Sơn", "huyện Quảng Xương",
              "thành phố Sầm Sơn", "huyện Hoằng Hóa", "huyện Thiệu Hóa", "huyện Yên Định",
              "huyện Như Thanh", "huyện Thạch Thành", "huyện Quan Hóa", "huyện Thường Xuân",
              "thị xã Nghi Sơn", "huyện Hậu Lộc"],
    "term": ["2020 - 2022", "2022 - 2025", "2020 - 2025", "2025 - 2027"],
    "year": ["2019", "2020", "2021", "2022", "2023", "2024"],
    "n": ["25", "32", "45", "58", "64", "72", "86", "103", "120", "150"],
    "person": ["đồng chí Lê Văn Hùng, Bí thư Đảng ủy, Hiệu trưởng Nhà trường",
               "TS. Thịnh Văn Khoa, Phó Bí thư Đảng ủy, Phó Hiệu trưởng",
               "đồng chí Nguyễn Thị Hòa, Trưởng phòng Đào tạo",
               "ThS. Trần Đức Thủy, Trưởng khoa Xây dựng Đảng",
               "đồng chí Phạm Minh Khỏe, Chủ tịch Công đoàn trường",
               "đồng chí Lê Thị Thúy, Bí thư Đoàn trường"],
    "course": ["Trung cấp lý luận chính trị - hành chính hệ tập trung",
               "Trung cấp lý luận chính trị - hành chính hệ không tập trung",
               "bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên",
               "bồi dưỡng lãnh đạo, quản lý cấp phòng",
               "bồi dưỡng cấp ủy viên cơ sở"],
    "month": ["1", "3", "4", "5", "6", "8", "9", "10", "11", "12"],
}

GENERIC_SENTENCES = (
    "Tham dự có {person} cùng đại diện lãnh đạo các khoa, phòng của Nhà trường.",
    "Phát biểu tại buổi lễ, {person} đánh giá cao sự chuẩn bị chu đáo của các đơn vị.",
    "Trong thời gian qua, tập thể cán bộ, viên chức Nhà trường luôn đoàn kết, nỗ lực hoàn thành tốt nhiệm vụ chính trị được giao.",
    "Ban Giám hiệu Nhà trường đã chỉ đạo các khoa, phòng xây dựng kế hoạch cụ thể, phân công nhiệm vụ rõ ràng cho từng bộ phận.",
    "Đây là hoạt động thiết thực, góp phần nâng cao chất lượng hoạt động của Trường Chính trị tỉnh Thanh Hóa.",
    "Nhà trường sẽ tiếp tục quan tâm, tạo điều kiện thuận lợi để cán bộ, viên chức yên tâm công tác.",
    "Các ý kiến phát biểu đều thống nhất cao với nội dung báo cáo và đề xuất nhiều giải pháp thiết thực.",
    "Sự kiện nhận được sự quan tâm của đông đảo cán bộ, giảng viên và người lao động trong toàn trường.",
    "Kết thúc chương trình, {person} đã trao giấy khen cho các tập thể và cá nhân có thành tích xuất sắc.",
    "Thực hiện kế hoạch năm {year}, Đảng ủy, Ban Giám hiệu đã ban hành nhiều văn bản chỉ đạo kịp thời.",
    "Năm {year}, Trường Chính trị tỉnh Thanh Hóa tiếp tục đẩy mạnh đổi mới, nâng cao hiệu quả công tác.",
    "Các đồng chí đảng viên, cán bộ, viên chức luôn phát huy tinh thần trách nhiệm, gương mẫu trong công việc.",
    "Nhà trường đã phối hợp chặt chẽ với các sở, ban, ngành của tỉnh trong quá trình triển khai thực hiện.",
    "Buổi làm việc diễn ra trong không khí trang trọng, cởi mở và đạt được nhiều kết quả tích cực.",
    "Qua đó, góp phần xây dựng Nhà trường ngày càng vững mạnh, đáp ứng yêu cầu nhiệm vụ trong tình hình mới.",
    "Lãnh đạo Nhà trường yêu cầu các đơn vị tiếp tục rút kinh nghiệm, khắc phục những hạn chế còn tồn tại.",
    "Hoạt động được tổ chức nghiêm túc, đúng kế hoạch và bảo đảm tiết kiệm, hiệu quả.",
    "Toàn thể cán bộ, viên chức Nhà trường đã tích cực hưởng ứng và tham gia đầy đủ.",
    "Trường Chính trị tỉnh Thanh Hóa là cơ sở đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý của hệ thống chính trị cơ sở.",
    "Thay mặt Đảng ủy, Ban Giám hiệu, {person} ghi nhận và biểu dương những nỗ lực của tập thể.",
)

TOPICS: dict[str, Topic] = {
    "dai_hoi_dang": Topic(
        categories=("Công tác Đảng - Đoàn thể", "Tin hoạt động"),
        tags=("Đại hội chi bộ", "Đại hội Đảng bộ", "Nhiệm kỳ 2020-2025", "Công tác Đảng"),
        titles=(
            "Đại hội Chi bộ {unit} nhiệm kỳ {term}",
            "Chi bộ {unit} tổ chức thành công đại hội nhiệm kỳ {term}",
            "Đại hội Đảng bộ Trường Chính trị tỉnh Thanh Hóa lần thứ VIII thành công tốt đẹp",
            "Đảng ủy Nhà trường ban hành kế hoạch tổ chức đại hội các chi bộ nhiệm kỳ {term}",
            "Cho ý kiến vào dự thảo văn kiện Đại hội Đảng bộ Nhà trường nhiệm kỳ {term}",
            "Đại hội điểm Chi bộ {unit} rút kinh nghiệm cho các chi bộ trực thuộc",
            "Bầu Ban Chấp hành Đảng bộ Nhà trường khóa mới nhiệm kỳ {term}",
        ),
        sentences=(
            "Đại hội đã đánh giá kết quả thực hiện nghị quyết đại hội chi bộ nhiệm kỳ trước và đề ra phương hướng, nhiệm vụ nhiệm kỳ {term}.",
            "Đại hội đã bầu Chi ủy, Bí thư, Phó Bí thư chi bộ bảo đảm đủ số lượng, đúng tiêu chuẩn, cơ cấu hợp lý.",
            "Các đại biểu đã thảo luận, đóng góp ý kiến vào dự thảo văn kiện Đại hội Đảng bộ Nhà trường và Đại hội Đảng bộ Khối các cơ quan tỉnh.",
            "Đại hội thống nhất cao với báo cáo chính trị và báo cáo kiểm điểm của Chi ủy nhiệm kỳ qua.",
            "Chi bộ đã lãnh đạo các khoa, phòng hoàn thành xuất sắc nhiệm vụ chính trị, không có đảng viên vi phạm kỷ luật.",
            "Nhiệm kỳ tới, chi bộ phấn đấu hằng năm có trên 90% đảng viên hoàn thành tốt nhiệm vụ, chi bộ đạt trong sạch, vững mạnh.",
            "Công tác chuẩn bị nhân sự cấp ủy được thực hiện đúng quy trình, bảo đảm dân chủ, khách quan.",
            "Đại hội đã bầu đoàn đại biểu đi dự Đại hội Đảng bộ Khối các cơ quan tỉnh gồm {n} đồng chí.",
            "Đại hội là đợt sinh hoạt chính trị sâu rộng trong toàn Đảng bộ, tạo sự đồng thuận và quyết tâm chính trị cao.",
            "Ban Chấp hành Đảng bộ khóa mới đã họp phiên thứ nhất bầu Ban Thường vụ, Bí thư, Phó Bí thư Đảng ủy.",
            "Nghị quyết đại hội xác định khâu đột phá là nâng cao chất lượng sinh hoạt chi bộ và công tác kiểm tra, giám sát.",
            "Đảng ủy Nhà trường đã chỉ đạo các chi bộ trực thuộc tổ chức đại hội đúng tiến độ theo Chỉ thị của Bộ Chính trị.",
            "Đồng chí Bí thư Đảng ủy Khối các cơ quan tỉnh dự và chỉ đạo đại hội.",
            "Chi ủy khóa mới ra mắt đại hội và hứa sẽ lãnh đạo chi bộ thực hiện thắng lợi nghị quyết đã đề ra.",
            "Báo cáo chính trị trình đại hội đề ra các chỉ tiêu về công tác xây dựng Đảng và phát triển đảng viên mới.",
            "Công tác kết nạp đảng viên mới được chú trọng, nhiệm kỳ qua chi bộ đã kết nạp thêm {n} quần chúng ưu tú vào Đảng.",
        ),
        phrases=("đại hội chi bộ", "công tác chuẩn bị đại hội Đảng bộ", "công tác nhân sự cấp ủy", "nghị quyết đại hội", "văn kiện đại hội", "bầu cử cấp ủy nhiệm kỳ mới"),
    ),
    "dao_tao": Topic(
        categories=("Đào tạo - Bồi dưỡng", "Tin hoạt động"),
        tags=("Trung cấp lý luận chính trị", "Bồi dưỡng cán bộ", "Tuyển sinh", "Khai giảng"),
        titles=(
            "Khai giảng lớp {course} khóa {year}",
            "Bế giảng lớp {course} tại {place}",
            "Lớp {course} thi tốt nghiệp",
            "Trao bằng tốt nghiệp cho {n} học viên lớp {course}",
            "Thông báo tuyển sinh lớp {course} năm {year}",
            "Học viên lớp {course} đi nghiên cứu thực tế tại {place}",
            "Nhà trường phối hợp mở lớp {course} tại {place}",
        ),
        sentences=(
            "Lớp học có {n} học viên là cán bộ lãnh đạo, quản lý cấp cơ sở đến từ các xã, phường, thị trấn trong tỉnh.",
            "Trong thời gian học tập, học viên được trang bị kiến thức về lý luận chính trị, quản lý nhà nước và kỹ năng lãnh đạo, quản lý.",
            "Chương trình đào tạo gồm các học phần về chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh và đường lối của Đảng.",
            "Kết quả học tập có {n}% học viên đạt loại khá, giỏi, không có học viên phải thi lại.",
            "Phòng Đào tạo đã phối hợp với các khoa chuyên môn xây dựng thời khóa biểu, bố trí giảng viên có kinh nghiệm.",
            "Học viên đã chấp hành nghiêm quy chế học tập, tích cực nghiên cứu tài liệu và tham gia thảo luận trên lớp.",
            "Kỳ thi tốt nghiệp được tổ chức nghiêm túc, đúng quy chế, bảo đảm khách quan, công bằng.",
            "Lãnh đạo Nhà trường đã trao bằng tốt nghiệp và giấy khen cho các học viên đạt thành tích cao trong học tập.",
            "Nhà trường đã phối hợp với Trung tâm Chính trị {place} tổ chức lớp học tại địa phương để tạo thuận lợi cho học viên.",
            "Học viên được đi nghiên cứu thực tế tại {place} để tìm hiểu mô hình phát triển kinh tế - xã hội của địa phương.",
            "Sau khóa học, học viên viết bài thu hoạch và tiểu luận cuối khóa gắn lý luận với thực tiễn công tác.",
            "Công tác tuyển sinh được thực hiện đúng - đủ - rõ về tiêu chí, tiêu chuẩn, hồ sơ và nguồn quy hoạch.",
            "Đội ngũ giảng viên đã tích cực đổi mới phương pháp giảng dạy, phát huy tính chủ động của người học.",
            "Ban cán sự lớp đã phối hợp tốt với giáo viên chủ nhiệm trong quản lý học viên.",
            "Năm học {year}, Nhà trường mở {n} lớp đào tạo, bồi dưỡng với hàng nghìn lượt học viên.",
            "Học viên cam kết vận dụng kiến thức đã học vào thực tiễn công tác tại cơ quan, đơn vị.",
        ),
        phrases=("công tác đào tạo, bồi dưỡng", "lớp trung cấp lý luận chính trị", "công tác tuyển sinh", "kỳ thi tốt nghiệp", "chương trình bồi dưỡng cán bộ cơ sở", "công tác quản lý học viên"),
    ),
    "nckh": Topic(
        categories=("Nghiên cứu khoa học", "Tin hoạt động"),
        tags=("Hội thảo khoa học", "Đề tài khoa học", "Tổng kết thực tiễn", "Tập san"),
        titles=(
            "Hội thảo khoa học cấp trường năm {year}",
            "Nghiệm thu {n} đề tài khoa học cấp cơ sở năm {year}",
            "Xét duyệt đề cương đề tài khoa học cấp cơ sở năm {year}",
            "Hội thảo khoa học về công tác tổng kết thực tiễn ở cơ sở",
            "Phát hành Tập san Nghiên cứu lý luận và thực tiễn số {month}/{year}",
            "Thông báo đăng ký đề tài nghiên cứu khoa học năm {year}",
            "Giảng viên {unit} bảo vệ thành công đề tài khoa học cấp tỉnh",
        ),
        sentences=(
            "Hội thảo nhận được {n} bài tham luận của các nhà khoa học, giảng viên và cán bộ thực tiễn.",
            "Các tham luận tập trung làm rõ cơ sở lý luận và thực tiễn, đề xuất nhiều giải pháp có giá trị khoa học.",
            "Hội đồng khoa học Nhà trường đã nghiệm thu {n} đề tài, trong đó nhiều đề tài được xếp loại xuất sắc.",
            "Đề tài đã khảo sát thực trạng tại {place} và đề xuất hệ thống giải pháp khả thi.",
            "Kết quả nghiên cứu khoa học được ứng dụng vào công tác giảng dạy và tham mưu cho cấp ủy, chính quyền địa phương.",
            "Hội đồng xét duyệt đã góp ý để các chủ nhiệm đề tài hoàn thiện đề cương, làm rõ tính mới và phương pháp nghiên cứu.",
            "Tập san Nghiên cứu lý luận và thực tiễn xuất bản 04 số mỗi năm, phục vụ cán bộ lãnh đạo chủ chốt cấp cơ sở.",
            "Phòng Quản lý khoa học đã hướng dẫn giảng viên đăng ký đề tài theo đúng quy định.",
            "Các nhà khoa học đánh giá cao tính thời sự và ý nghĩa thực tiễn của các kết quả nghiên cứu.",
            "Phát biểu bế mạc hội thảo, chủ tọa đã tổng hợp các ý kiến và tiếp thu để hoàn thiện kỷ yếu khoa học.",
            "Công tác tổng kết thực tiễn gắn với nghiên cứu lý luận giúp nâng cao chất lượng bài giảng của giảng viên.",
            "Hội thảo có sự tham gia của các nhà khoa học đến từ Học viện Chính trị quốc gia Hồ Chí Minh và các trường đại học.",
            "Đề tài cấp tỉnh do giảng viên Nhà trường làm chủ nhiệm đã được Hội đồng khoa học tỉnh đánh giá đạt loại khá.",
            "Kỷ yếu hội thảo gồm {n} bài viết được biên tập, phát hành phục vụ nghiên cứu, giảng dạy.",
            "Nhà trường khuyến khích giảng viên trẻ tham gia nghiên cứu khoa học, viết bài đăng tạp chí chuyên ngành.",
        ),
        phrases=("công tác nghiên cứu khoa học", "đề tài khoa học cấp cơ sở", "hội thảo khoa học", "công tác tổng kết thực tiễn", "tập san nghiên cứu lý luận", "sáng kiến kinh nghiệm"),
    ),
    "covid": Topic(
        categories=("Thông báo", "Tin hoạt động"),
        tags=("Phòng chống COVID-19", "Y tế", "Vắc xin"),
        titles=(
            "Nhà trường triển khai các biện pháp phòng, chống dịch COVID-19",
            "Thông báo tạm dừng tổ chức lớp học tập trung để phòng, chống dịch bệnh",
            "Cán bộ, viên chức Nhà trường tiêm vắc xin phòng COVID-19 mũi {month}",
            "Chung tay ủng hộ Quỹ phòng, chống dịch COVID-19 của tỉnh",
            "Thông báo tổ chức học tập trở lại sau thời gian giãn cách xã hội",
            "Tăng cường công tác phòng, chống dịch COVID-19 trong tình hình mới",
        ),
        sentences=(
            "Thực hiện chỉ đạo của Ban Chỉ đạo phòng, chống dịch COVID-19 tỉnh, Nhà trường tạm dừng các lớp học tập trung.",
            "Học viên và cán bộ, viên chức thực hiện nghiêm khuyến cáo 5K của Bộ Y tế: khẩu trang, khử khuẩn, khoảng cách, không tập trung, khai báo y tế.",
            "Nhà trường đã bố trí nước sát khuẩn, đo thân nhiệt cho người ra vào cơ quan.",
            "Cán bộ, viên chức được tiêm đầy đủ các mũi vắc xin phòng COVID-19 theo kế hoạch của ngành y tế.",
            "Các lớp học được chuyển sang hình thức trực tuyến trong thời gian thực hiện giãn cách xã hội.",
            "Công đoàn trường đã phát động cán bộ, viên chức ủng hộ Quỹ phòng, chống dịch với tổng số tiền hơn {n} triệu đồng.",
            "Nhà trường thành lập Ban Chỉ đạo phòng, chống dịch, phân công cán bộ trực theo dõi tình hình dịch bệnh.",
            "Khu ký túc xá được phun khử khuẩn định kỳ, học viên nội trú hạn chế ra ngoài khi không cần thiết.",
            "Người có biểu hiện sốt, ho, khó thở phải khai báo y tế và cách ly theo hướng dẫn của cơ quan y tế.",
            "Tình hình dịch bệnh diễn biến phức tạp, Nhà trường chủ động xây dựng kịch bản ứng phó với từng cấp độ dịch.",
            "Học viên trở lại học tập phải có giấy xác nhận xét nghiệm âm tính với vi rút SARS-CoV-2.",
            "Nhà trường cấp phát khẩu trang y tế miễn phí cho học viên trong thời gian học tập trung.",
            "Ban Giám hiệu yêu cầu các khoa, phòng điều chỉnh kế hoạch giảng dạy phù hợp với diễn biến của dịch bệnh.",
            "Nhờ thực hiện tốt các biện pháp phòng dịch, Nhà trường không có ca mắc COVID-19 trong các lớp học.",
        ),
        phrases=("công tác phòng, chống dịch COVID-19", "tiêm vắc xin phòng COVID-19", "các biện pháp giãn cách xã hội", "khai báo y tế", "phòng dịch trong lớp học", "kịch bản ứng phó với dịch bệnh"),
    ),
    "chuyen_doi_so": Topic(
        categories=("Tin hoạt động", "Đào tạo - Bồi dưỡng"),
        tags=("Chuyển đổi số", "Công nghệ thông tin", "Phần mềm"),
        titles=(
            "Đẩy mạnh chuyển đổi số trong hoạt động của Nhà trường",
            "Tập huấn sử dụng phần mềm quản lý đào tạo cho cán bộ, giảng viên",
            "Triển khai chữ ký số và văn bản điện tử tại Trường Chính trị tỉnh",
            "Nâng cấp Cổng thông tin điện tử Nhà trường năm {year}",
            "Ứng dụng công nghệ thông tin trong giảng dạy lý luận chính trị",
            "Hội nghị trực tuyến về chuyển đổi số trong các trường chính trị",
        ),
        sentences=(
            "Nhà trường triển khai phần mềm quản lý đào tạo, quản lý học viên và điểm thi trên môi trường mạng.",
            "Cán bộ, giảng viên được tập huấn kỹ năng sử dụng chữ ký số, hệ thống quản lý văn bản và điều hành điện tử.",
            "Cổng thông tin điện tử được nâng cấp giao diện, cập nhật tin tức thường xuyên, phục vụ tra cứu của học viên.",
            "Việc ứng dụng công nghệ thông tin giúp rút ngắn thời gian xử lý công việc, tiết kiệm chi phí văn phòng phẩm.",
            "Giảng viên sử dụng bài giảng điện tử, trình chiếu đa phương tiện để tăng tính sinh động của bài giảng lý luận.",
            "Hệ thống mạng nội bộ, đường truyền internet tốc độ cao được đầu tư đồng bộ tại các phòng học.",
            "Nhà trường xây dựng kho học liệu số với hàng nghìn tài liệu, giáo trình phục vụ học viên tự học.",
            "Công tác bảo đảm an toàn thông tin mạng được chú trọng, phòng chống mã độc và tấn công mạng.",
            "Kế hoạch chuyển đổi số giai đoạn {term} đặt mục tiêu 100% văn bản được xử lý trên môi trường điện tử.",
            "Các cuộc họp, hội nghị được tổ chức theo hình thức trực tuyến kết nối với các trung tâm chính trị cấp huyện.",
            "Phần mềm thi trắc nghiệm trên máy tính được đưa vào sử dụng cho các kỳ kiểm tra học phần.",
            "Đội ngũ cán bộ phụ trách công nghệ thông tin đã hỗ trợ kỹ thuật kịp thời cho giảng viên và học viên.",
            "Chuyển đổi số là nhiệm vụ trọng tâm nhằm hiện đại hóa công tác quản lý, điều hành của Nhà trường.",
            "Dữ liệu học viên được số hóa, cho phép tra cứu kết quả học tập nhanh chóng, chính xác.",
        ),
        phrases=("chuyển đổi số", "ứng dụng công nghệ thông tin", "phần mềm quản lý đào tạo", "chữ ký số và văn bản điện tử", "cổng thông tin điện tử", "bài giảng điện tử"),
    ),
    "van_the": Topic(
        categories=("Công tác Đảng - Đoàn thể", "Tin hoạt động"),
        tags=("Công đoàn", "Đoàn Thanh niên", "Hội thao", "Văn nghệ"),
        titles=(
            "Sôi nổi hội thao chào mừng kỷ niệm ngày thành lập Nhà trường",
            "Giải bóng chuyền nam, nữ cán bộ, viên chức năm {year}",
            "Liên hoan văn nghệ chào mừng Ngày Nhà giáo Việt Nam 20/11",
            "Công đoàn trường tổ chức hội thao, văn nghệ nhân dịp {month}/{year}",
            "Đoàn Thanh niên Nhà trường tổ chức giải cầu lông, bóng bàn",
            "Giao lưu văn nghệ, thể thao giữa học viên các lớp",
        ),
        sentences=(
            "Hội thao gồm các môn bóng chuyền, cầu lông, bóng bàn, kéo co với sự tham gia của {n} vận động viên.",
            "Các vận động viên đã thi đấu sôi nổi, nhiệt tình, trung thực, thể hiện tinh thần đoàn kết, giao lưu.",
            "Chương trình văn nghệ với nhiều tiết mục ca, múa, nhạc đặc sắc ca ngợi Đảng, Bác Hồ và quê hương Thanh Hóa.",
            "Công đoàn trường phối hợp với Đoàn Thanh niên tổ chức các hoạt động văn hóa, văn nghệ, thể dục thể thao.",
            "Kết thúc hội thao, Ban tổ chức đã trao giải nhất, nhì, ba cho các đội và cá nhân xuất sắc.",
            "Giải bóng chuyền diễn ra trong {n} ngày với các trận đấu hấp dẫn, kịch tính.",
            "Hoạt động góp phần rèn luyện sức khỏe, tạo không khí vui tươi, phấn khởi trong cán bộ, viên chức và học viên.",
            "Đội văn nghệ của các chi đoàn đã dàn dựng công phu nhiều tiết mục mới, giàu cảm xúc.",
            "Đoàn viên thanh niên tích cực tham gia phong trào rèn luyện thân thể theo gương Bác Hồ vĩ đại.",
            "Liên hoan văn nghệ là dịp để cán bộ, giảng viên giao lưu, gắn kết, thư giãn sau những giờ làm việc căng thẳng.",
            "Các đội bóng đã có màn tranh tài hấp dẫn trên sân vận động của Nhà trường.",
            "Học viên các lớp đã cổ vũ nhiệt tình, tạo nên ngày hội thể thao sôi động.",
            "Công đoàn trường luôn chăm lo đời sống tinh thần, tổ chức nhiều hoạt động văn hóa, thể thao bổ ích.",
            "Giải cầu lông thu hút đông đảo đoàn viên công đoàn và đoàn viên thanh niên tham gia.",
        ),
        phrases=("phong trào văn hóa, văn nghệ, thể dục thể thao", "hội thao cán bộ, viên chức", "giải bóng chuyền", "liên hoan văn nghệ", "hoạt động của Công đoàn và Đoàn Thanh niên", "giải cầu lông, bóng bàn"),
    ),
    "tu_tuong_hcm": Topic(
        categories=("Công tác Đảng - Đoàn thể", "Nghiên cứu khoa học"),
        tags=("Học tập và làm theo Bác", "Chỉ thị 05", "Tư tưởng Hồ Chí Minh"),
        titles=(
            "Sơ kết thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị năm {year}",
            "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
            "Chuyên đề học tập và làm theo Bác năm {year}",
            "Tuyên dương gương điển hình tiên tiến học tập và làm theo Bác",
            "Kỷ niệm ngày sinh Chủ tịch Hồ Chí Minh, học tập và làm theo Người",
            "Hội nghị quán triệt chuyên đề tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        ),
        sentences=(
            "Việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh đã trở thành việc làm thường xuyên của cán bộ, đảng viên.",
            "Đảng ủy đã chỉ đạo các chi bộ đưa nội dung học tập và làm theo Bác vào sinh hoạt chi bộ hằng tháng.",
            "Mỗi cán bộ, đảng viên đăng ký nội dung làm theo Bác gắn với nhiệm vụ chuyên môn được giao.",
            "Chuyên đề năm {year} tập trung vào ý chí tự lực, tự cường và khát vọng phát triển đất nước phồn vinh, hạnh phúc.",
            "Hội nghị đã biểu dương {n} tập thể, cá nhân điển hình trong học tập và làm theo tấm gương đạo đức Hồ Chí Minh.",
            "Thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị, Nhà trường gắn việc học tập với thực hiện 5 chuẩn mực đạo đức.",
            "Tấm gương đạo đức của Chủ tịch Hồ Chí Minh về cần, kiệm, liêm, chính, chí công vô tư là bài học sâu sắc cho mỗi người.",
            "Giảng viên đã lồng ghép nội dung tư tưởng Hồ Chí Minh vào bài giảng một cách sinh động, thiết thực.",
            "Phong trào học tập và làm theo Bác gắn với xây dựng chỉnh đốn Đảng theo Nghị quyết Trung ương 4.",
            "Các chi bộ đã tổ chức cho đảng viên nghiên cứu Di chúc của Chủ tịch Hồ Chí Minh và liên hệ bản thân.",
            "Cán bộ, đảng viên thực hiện nghiêm việc nêu gương, nói đi đôi với làm theo phong cách Hồ Chí Minh.",
            "Báo cáo sơ kết đánh giá việc thực hiện Chỉ thị 05 đã tạo chuyển biến rõ nét về nhận thức và hành động.",
            "Nhiều mô hình hay, cách làm sáng tạo trong học tập và làm theo Bác đã được nhân rộng.",
            "Kỷ niệm ngày sinh Chủ tịch Hồ Chí Minh là dịp để mỗi cán bộ, đảng viên ôn lại cuộc đời, sự nghiệp của Người.",
        ),
        phrases=("học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh", "Chỉ thị 05-CT/TW của Bộ Chính trị", "chuyên đề học tập và làm theo Bác", "việc nêu gương của cán bộ, đảng viên", "gương điển hình làm theo Bác"),
    ),
    "thien_tai": Topic(
        categories=("Tin hoạt động", "Công tác Đảng - Đoàn thể"),
        tags=("Ủng hộ đồng bào", "Bão lũ", "Từ thiện"),
        titles=(
            "Cán bộ, viên chức Nhà trường ủng hộ đồng bào miền Trung bị thiệt hại do bão lũ",
            "Quyên góp ủng hộ nhân dân {place} khắc phục hậu quả lũ quét",
            "Trao quà hỗ trợ các hộ gia đình bị thiệt hại do mưa lũ tại {place}",
            "Chung tay hướng về đồng bào vùng lũ",
            "Nhà trường chủ động phòng, chống thiên tai, tìm kiếm cứu nạn mùa mưa bão năm {year}",
            "Công đoàn trường phát động ủng hộ đồng bào bị ảnh hưởng bởi thiên tai",
        ),
        sentences=(
            "Mưa lũ lịch sử đã gây thiệt hại nặng nề về người và tài sản của nhân dân các tỉnh miền Trung.",
            "Hưởng ứng lời kêu gọi của Ủy ban Mặt trận Tổ quốc tỉnh, cán bộ, viên chức đã ủng hộ mỗi người một ngày lương.",
            "Tổng số tiền quyên góp được là {n} triệu đồng, được chuyển đến đồng bào vùng lũ qua Ban Cứu trợ tỉnh.",
            "Đoàn công tác của Nhà trường đã đến thăm, trao quà cho các hộ gia đình bị sạt lở đất, mất nhà cửa tại {place}.",
            "Những phần quà gồm gạo, mì tôm, nước uống và nhu yếu phẩm đã kịp thời động viên bà con vượt qua khó khăn.",
            "Nghĩa cử cao đẹp thể hiện truyền thống tương thân tương ái, lá lành đùm lá rách của dân tộc.",
            "Lũ quét bất ngờ làm nhiều tuyến đường bị chia cắt, hàng trăm ngôi nhà bị ngập sâu trong nước.",
            "Nhà trường đã kiện toàn Ban Chỉ huy phòng, chống thiên tai, chuẩn bị phương án bảo vệ tài sản khi có bão.",
            "Đoàn Thanh niên tổ chức quyên góp quần áo, sách vở cho học sinh vùng bị ảnh hưởng bởi bão lũ.",
            "Cơn bão số {month} đổ bộ gây mưa lớn trên diện rộng, nhiều cây xanh trong khuôn viên trường bị gãy đổ.",
            "Sau bão, cán bộ, viên chức đã ra quân dọn dẹp vệ sinh, khắc phục hậu quả, ổn định hoạt động dạy và học.",
            "Đại diện chính quyền địa phương cảm ơn tấm lòng của cán bộ, viên chức Nhà trường dành cho bà con vùng lũ.",
            "Tình hình thời tiết diễn biến bất thường, mưa lớn kéo dài gây ngập úng tại nhiều địa phương trong tỉnh.",
            "Công đoàn trường phát động đợt quyên góp ủng hộ đồng bào bị thiệt hại do thiên tai.",
        ),
        phrases=("ủng hộ đồng bào bị thiệt hại do bão lũ", "công tác phòng, chống thiên tai", "quyên góp cứu trợ đồng bào vùng lũ", "khắc phục hậu quả mưa lũ", "tìm kiếm cứu nạn mùa mưa bão"),
    ),
    "nong_thon_moi": Topic(
        categories=("Nghiên cứu khoa học", "Tin hoạt động"),
        tags=("Nông thôn mới", "Nghiên cứu thực tế", "Kinh tế nông nghiệp"),
        titles=(
            "Khảo sát mô hình xây dựng nông thôn mới kiểu mẫu tại {place}",
            "Giảng viên nghiên cứu thực tế về phát triển nông nghiệp công nghệ cao tại {place}",
            "Xây dựng nông thôn mới nâng cao: kinh nghiệm từ {place}",
            "Hội thảo giải pháp phát triển sản phẩm OCOP ở khu vực nông thôn",
            "Đoàn công tác Nhà trường tìm hiểu mô hình hợp tác xã kiểu mới tại {place}",
            "Tọa đàm về phát triển kinh tế nông nghiệp gắn với xây dựng nông thôn mới",
        ),
        sentences=(
            "{place} đã có nhiều xã đạt chuẩn nông thôn mới nâng cao và nông thôn mới kiểu mẫu.",
            "Mô hình trồng rau an toàn, chăn nuôi theo hướng hữu cơ mang lại thu nhập cao cho người nông dân.",
            "Hợp tác xã kiểu mới liên kết với doanh nghiệp bao tiêu sản phẩm, giúp nông dân yên tâm sản xuất.",
            "Chương trình mỗi xã một sản phẩm OCOP đã nâng cao giá trị nông sản đặc trưng của địa phương.",
            "Hạ tầng giao thông nông thôn, trường học, trạm y tế, nhà văn hóa được đầu tư khang trang.",
            "Thu nhập bình quân đầu người ở khu vực nông thôn tăng lên {n} triệu đồng mỗi năm.",
            "Ứng dụng khoa học kỹ thuật vào sản xuất nông nghiệp giúp tăng năng suất lúa và giảm chi phí.",
            "Phong trào hiến đất làm đường, chỉnh trang khu dân cư được nhân dân đồng tình hưởng ứng.",
            "Giảng viên thu thập tư liệu thực tế để bổ sung vào bài giảng về quản lý kinh tế nông nghiệp.",
            "Cánh đồng mẫu lớn được tích tụ ruộng đất, cơ giới hóa đồng bộ từ khâu làm đất đến thu hoạch.",
            "Bà con nông dân chuyển đổi cơ cấu cây trồng, vật nuôi phù hợp với điều kiện thổ nhưỡng.",
            "Tiêu chí về môi trường và cảnh quan nông thôn xanh, sạch, đẹp được các thôn bản thực hiện tốt.",
            "Đời sống vật chất và tinh thần của người dân nông thôn được cải thiện rõ rệt.",
            "Lãnh đạo {place} chia sẻ kinh nghiệm huy động nguồn lực xã hội hóa xây dựng nông thôn mới.",
        ),
        phrases=("xây dựng nông thôn mới", "phát triển kinh tế nông nghiệp", "mô hình hợp tác xã kiểu mới", "chương trình mỗi xã một sản phẩm OCOP", "nông thôn mới kiểu mẫu", "nghiên cứu thực tế ở nông thôn"),
    ),
    "cai_cach_hc": Topic(
        categories=("Tin hoạt động", "Thông báo"),
        tags=("Cải cách hành chính", "Dịch vụ công", "Một cửa"),
        titles=(
            "Đẩy mạnh cải cách hành chính tại Nhà trường năm {year}",
            "Kiểm tra công tác cải cách hành chính, thủ tục hành chính",
            "Nâng cao chỉ số cải cách hành chính PAR INDEX của tỉnh",
            "Thực hiện cơ chế một cửa trong giải quyết thủ tục cho học viên",
            "Hội nghị triển khai kế hoạch cải cách hành chính giai đoạn {term}",
            "Tuyên truyền về dịch vụ công trực tuyến và cải cách thủ tục hành chính",
        ),
        sentences=(
            "Nhà trường đã rà soát, đơn giản hóa thủ tục hành chính trong tiếp nhận hồ sơ và cấp giấy chứng nhận cho học viên.",
            "Bộ phận một cửa tiếp nhận và trả kết quả giải quyết công việc đúng hẹn, công khai, minh bạch.",
            "Chỉ số cải cách hành chính PAR INDEX và chỉ số hài lòng SIPAS của tỉnh được cải thiện qua từng năm.",
            "Cải cách hành chính tập trung vào cải cách thể chế, tổ chức bộ máy, chế độ công vụ và tài chính công.",
            "Đoàn kiểm tra đánh giá cao việc niêm yết công khai thủ tục hành chính và quy trình giải quyết công việc.",
            "Kỷ luật, kỷ cương hành chính được tăng cường, cán bộ thực hiện nghiêm giờ giấc làm việc.",
            "Dịch vụ công trực tuyến mức độ 3, mức độ 4 giúp người dân và doanh nghiệp tiết kiệm thời gian, chi phí.",
            "Nhà trường đã sắp xếp tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả theo Nghị quyết 18.",
            "Việc tiếp nhận, xử lý phản ánh, kiến nghị về quy định hành chính được thực hiện kịp thời.",
            "Quy chế chi tiêu nội bộ được xây dựng công khai, thực hành tiết kiệm, chống lãng phí.",
            "Cán bộ làm công tác cải cách hành chính được bồi dưỡng nâng cao kỹ năng, nghiệp vụ.",
            "Kế hoạch cải cách hành chính giai đoạn {term} xác định rõ nhiệm vụ, lộ trình và trách nhiệm của từng đơn vị.",
            "Tinh thần thái độ phục vụ của công chức được người dân đánh giá cao trong khảo sát mức độ hài lòng.",
            "Việc ứng dụng hệ thống quản lý chất lượng ISO trong giải quyết công việc được duy trì thường xuyên.",
        ),
        phrases=("cải cách hành chính", "cải cách thủ tục hành chính", "cơ chế một cửa", "dịch vụ công trực tuyến", "chỉ số cải cách hành chính PAR INDEX", "kỷ luật, kỷ cương hành chính"),
    ),
    "bien_dao": Topic(
        categories=("Tin hoạt động", "Công tác Đảng - Đoàn thể"),
        tags=("Biển đảo", "Môi trường", "Chủ quyền"),
        titles=(
            "Tuyên truyền về chủ quyền biển, đảo Việt Nam cho học viên",
            "Ra quân bảo vệ môi trường, chống rác thải nhựa",
            "Tết trồng cây đời đời nhớ ơn Bác Hồ năm {year}",
            "Triển lãm bản đồ và trang tư liệu Hoàng Sa, Trường Sa của Việt Nam",
            "Hưởng ứng Ngày Môi trường thế giới và Tuần lễ Biển và Hải đảo Việt Nam",
            "Nói chuyện chuyên đề về phát triển kinh tế biển và bảo vệ nguồn lợi thủy sản",
        ),
        sentences=(
            "Hoàng Sa và Trường Sa là một phần lãnh thổ thiêng liêng không thể tách rời của Tổ quốc Việt Nam.",
            "Học viên được nghe báo cáo viên trình bày về tình hình biển Đông và chủ trương của Đảng về bảo vệ chủ quyền biển, đảo.",
            "Triển lãm trưng bày hàng trăm bản đồ, tư liệu khẳng định chủ quyền của Việt Nam đối với hai quần đảo.",
            "Cán bộ, đoàn viên ra quân thu gom rác thải, khơi thông cống rãnh, làm sạch khuôn viên cơ quan.",
            "Phong trào chống rác thải nhựa được hưởng ứng với việc hạn chế sử dụng túi ni lông, chai nhựa dùng một lần.",
            "Tết trồng cây năm nay, Nhà trường trồng mới {n} cây xanh tạo cảnh quan xanh, sạch, đẹp.",
            "Kinh tế biển là động lực phát triển quan trọng của tỉnh Thanh Hóa với bờ biển dài hơn 100 km.",
            "Ngư dân được tuyên truyền về khai thác thủy sản bền vững, chống khai thác bất hợp pháp.",
            "Bảo vệ môi trường biển và nguồn lợi thủy sản là trách nhiệm của toàn xã hội.",
            "Biến đổi khí hậu và nước biển dâng đặt ra nhiều thách thức đối với các tỉnh ven biển.",
            "Đoàn viên thanh niên viết thư gửi các chiến sĩ hải quân đang làm nhiệm vụ nơi đảo xa.",
            "Chương trình góp phần nâng cao nhận thức về bảo vệ môi trường sinh thái cho cán bộ, học viên.",
            "Mỗi cán bộ, đảng viên cần tích cực tuyên truyền để nhân dân hiểu rõ chủ quyền biển, đảo của Tổ quốc.",
            "Cảng cá, khu neo đậu tàu thuyền tránh trú bão được đầu tư nâng cấp phục vụ ngư dân.",
        ),
        phrases=("tuyên truyền chủ quyền biển, đảo", "bảo vệ môi trường", "phong trào chống rác thải nhựa", "Tết trồng cây", "phát triển kinh tế biển", "bảo vệ nguồn lợi thủy sản"),
    ),
    "phap_luat": Topic(
        categories=("Tin hoạt động", "Đào tạo - Bồi dưỡng"),
        tags=("Phổ biến pháp luật", "Ngày Pháp luật", "Phòng chống tham nhũng"),
        titles=(
            "Hưởng ứng Ngày Pháp luật nước Cộng hòa xã hội chủ nghĩa Việt Nam năm {year}",
            "Phổ biến, giáo dục pháp luật cho cán bộ, viên chức Nhà trường",
            "Hội nghị tuyên truyền Luật Phòng, chống tham nhũng",
            "Cuộc thi tìm hiểu pháp luật dành cho học viên các lớp",
            "Quán triệt các văn bản pháp luật mới có hiệu lực năm {year}",
            "Tập huấn nghiệp vụ thanh tra, giải quyết khiếu nại, tố cáo",
        ),
        sentences=(
            "Ngày Pháp luật là dịp để tôn vinh Hiến pháp, pháp luật và nâng cao ý thức thượng tôn pháp luật.",
            "Báo cáo viên đã giới thiệu những nội dung cơ bản của Luật Phòng, chống tham nhũng và các văn bản hướng dẫn.",
            "Cán bộ, viên chức được phổ biến các luật mới như Luật Cán bộ, công chức, Luật Viên chức sửa đổi.",
            "Cuộc thi tìm hiểu pháp luật thu hút {n} bài dự thi của học viên và cán bộ, viên chức.",
            "Công tác phòng, chống tham nhũng, tiêu cực được thực hiện nghiêm túc, công khai minh bạch trong hoạt động.",
            "Nhà trường thực hiện kê khai tài sản, thu nhập theo đúng quy định của pháp luật.",
            "Tủ sách pháp luật được bổ sung thường xuyên, phục vụ nhu cầu tìm hiểu pháp luật của cán bộ, học viên.",
            "Việc giải quyết khiếu nại, tố cáo được thực hiện đúng trình tự, thủ tục, không để tồn đọng kéo dài.",
            "Giảng viên Khoa Nhà nước và pháp luật đã trình bày chuyên đề về xây dựng Nhà nước pháp quyền xã hội chủ nghĩa.",
            "Thông qua hội nghị, nhận thức và ý thức chấp hành pháp luật của cán bộ, viên chức được nâng lên.",
            "Thanh tra nhân dân đã phát huy vai trò giám sát việc thực hiện quy chế dân chủ ở cơ sở.",
            "Hình thức tuyên truyền pháp luật được đổi mới, kết hợp sân khấu hóa, hỏi đáp trực tuyến.",
            "Học viên được trang bị kiến thức pháp luật cần thiết để vận dụng vào công tác quản lý nhà nước ở cơ sở.",
        ),
        phrases=("phổ biến, giáo dục pháp luật", "Ngày Pháp luật Việt Nam", "công tác phòng, chống tham nhũng", "giải quyết khiếu nại, tố cáo", "tìm hiểu pháp luật", "thực hiện quy chế dân chủ ở cơ sở"),
    ),
}

# One-off articles: no topic, distractors for every ranking.
MISC_TITLES = (
    "Thông báo lịch nghỉ Tết Nguyên đán năm {year}",
    "Lịch tiếp công dân của lãnh đạo Nhà trường tháng {month}/{year}",
    "Thông báo mời thầu gói thầu sửa chữa hội trường",
    "Công khai dự toán ngân sách năm {year}",
    "Thông báo tuyển dụng viên chức năm {year}",
    "Danh bạ điện thoại các khoa, phòng Nhà trường",
)
MISC_SENTENCES = (
    "Nhà trường thông báo đến toàn thể cán bộ, viên chức và học viên được biết, thực hiện.",
    "Hồ sơ gửi về Phòng Tổ chức - Hành chính trước ngày {month}/{year}.",
    "Mọi chi tiết xin liên hệ văn phòng Nhà trường trong giờ hành chính.",
    "Gói thầu được tổ chức theo hình thức chào hàng cạnh tranh, thời gian thực hiện {n} ngày.",
    "Dự toán được công khai theo quy định của Luật Ngân sách nhà nước.",
    "Các đơn vị bố trí cán bộ trực bảo vệ cơ quan trong thời gian nghỉ.",
)

GENERIC_TAGS = ("Tin tức", "Nổi bật", "Thanh Hóa", "Hoạt động nhà trường")
OTHER_CATEGORIES = ("Tin hoạt động", "Thông báo", "Đào tạo - Bồi dưỡng", "Nghiên cứu khoa học",
                    "Công tác Đảng - Đoàn thể")

# Tone on the first vowel of oa/oe/uy with no final consonant ("hòa") ->
# on the second ("hoà"): the two placements in use.
_OLD_STYLE = re.compile(r"(?<![^\W\d_])(\w*?)([òóỏõọÒÓỎÕỌùúủũụÙÚỦŨỤ])([aeyAEY])(?![^\W\d_])")


def move_tones(text: str) -> str:
    """Rewrite "hòa, khỏe, thủy" as "hoà, khoẻ, thuỷ"."""
    def swap(match: re.Match) -> str:
        head, toned, vowel = match.groups()
        base, tone = unicodedata.normalize("NFD", toned)[0], unicodedata.normalize("NFD", toned)[1:]
        if (base.lower(), vowel.lower()) not in (("o", "a"), ("o", "e"), ("u", "y")):
            return match.group(0)
        return head + base + unicodedata.normalize("NFC", vowel + tone)
    return _OLD_STYLE.sub(swap, text)


def strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def fill(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(SLOTS[m.group(1)]), template)


# Titles and sentences every topic uses; {kw} is one of the topic's phrases.
SHARED_TITLES = (
    "Hội nghị triển khai {kw} năm {year}",
    "Nhà trường đẩy mạnh {kw}",
    "{unit} thực hiện tốt {kw}",
    "Sơ kết 6 tháng đầu năm {year} về {kw}",
    "Tổng kết {kw} năm {year}, triển khai nhiệm vụ năm tới",
    "Kế hoạch {kw} giai đoạn {term}",
    "Nâng cao hiệu quả {kw} trong tình hình mới",
    "Đảng ủy Nhà trường lãnh đạo {kw}",
)
VAGUE_TITLES = (
    "Tin hoạt động tháng {month}/{year}",
    "Hội nghị giao ban tháng {month} năm {year}",
    "Một số hoạt động nổi bật của Nhà trường trong tuần",
    "Nhà trường tổ chức hội nghị quan trọng",
    "Điểm tin hoạt động của các khoa, phòng",
    "Ghi nhận từ cơ sở",
)
SHARED_SENTENCES = (
    "Nhà trường đã triển khai {kw} nghiêm túc, đúng kế hoạch đề ra.",
    "Thời gian tới, các đơn vị cần tiếp tục quan tâm hơn nữa đến {kw}.",
    "Đảng ủy, Ban Giám hiệu xác định {kw} là nhiệm vụ trọng tâm trong năm {year}.",
    "Hội nghị đã đánh giá kết quả {kw} và chỉ ra những hạn chế cần khắc phục.",
    "Các khoa, phòng đã phối hợp chặt chẽ trong {kw}.",
    "Báo cáo của {unit} nêu rõ những kết quả đạt được trong {kw}.",
    "Nhiều ý kiến đề xuất giải pháp nâng cao chất lượng {kw}.",
)


def paraphrase(sentence: str, rng: random.Random) -> str:
    """Drop a clause now and then, as two reporters never write the same sentence."""
    parts = sentence.rstrip(".").split(", ")
    if len(parts) > 2 and rng.random() < 0.4:
        del parts[rng.randrange(1, len(parts))]
    return ", ".join(parts) + "."


def make_article(number: int, rng: random.Random, start: dt.datetime) -> dict:
    names = list(TOPICS)
    topic_name = "khac" if rng.random() < 0.04 else rng.choice(names)
    if topic_name == "khac":
        title = fill(rng.choice(MISC_TITLES), rng)
        own = rng.sample(MISC_SENTENCES, 3) + rng.sample(GENERIC_SENTENCES, 2)
        category, tags = "Thông báo", [t for t in GENERIC_TAGS if rng.random() < 0.2]
    else:
        topic = TOPICS[topic_name]
        other_name = rng.choice([n for n in names if n != topic_name])
        other = TOPICS[other_name]
        kw = rng.choice(topic.phrases)
        roll = rng.random()
        template = (rng.choice(topic.titles) if roll < 0.45 else rng.choice(SHARED_TITLES) if roll < 0.85
                    else rng.choice(VAGUE_TITLES))
        title = fill(template.replace("{kw}", kw), rng)
        title = title[0].upper() + title[1:]
        size = rng.randint(3, 5) if rng.random() < 0.15 else rng.randint(8, 18)
        n_topic = max(1, round(size * rng.uniform(0.3, 0.5)))
        n_shared = round(size * rng.uniform(0.1, 0.2))
        n_other = round(size * rng.uniform(0.05, 0.2))
        n_generic = max(0, size - n_topic - n_shared - n_other)
        shared = [t.replace("{kw}", rng.choice(topic.phrases if rng.random() < 0.75 else other.phrases))
                  for t in rng.sample(SHARED_SENTENCES, min(n_shared, len(SHARED_SENTENCES)))]
        own = (rng.sample(topic.sentences, min(n_topic, len(topic.sentences))) + shared
               + rng.sample(other.sentences, min(n_other, len(other.sentences)))
               + rng.sample(GENERIC_SENTENCES, min(n_generic, len(GENERIC_SENTENCES))))
        roll = rng.random()
        category = (topic.categories[0] if roll < 0.5 else topic.categories[1] if roll < 0.8
                    else rng.choice(OTHER_CATEGORIES))
        tags = []
        if rng.random() > 0.25:
            for _ in range(rng.randint(1, 3)):
                pick = rng.random()
                pool = (topic.tags if pick < 0.6 else GENERIC_TAGS if pick < 0.85 else other.tags)
                tags.append(rng.choice(pool))
    rng.shuffle(own)
    sentences = [paraphrase(fill(s, rng), rng) for s in own]
    paragraphs, i = [], 0
    while i < len(sentences):
        step = rng.randint(2, 4)
        paragraphs.append(" ".join(sentences[i:i + step]))
        i += step
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    tags = list(dict.fromkeys(tags))
    typing = "standard"
    if rng.random() < 0.4:  # this article is typed with the other tone placement
        title, body, tags = move_tones(title), move_tones(body), [move_tones(t) for t in tags]
        typing = "moved_tones"
    if rng.random() < 0.08:  # typed without diacritics
        title, body = strip_diacritics(title), strip_diacritics(body)
        tags = [strip_diacritics(t) for t in tags]
        typing = "unaccented"
    when = start + dt.timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
    slug = f"bai-{number:05d}"
    article = {"title": title, "body": body, "category": category, "tags": tags,
               "published_at": when.isoformat(), "slug": slug}
    return article, {"slug": slug, "topic": topic_name, "typing": typing}


def make_corpus(count: int, seed: int = 20200302) -> tuple[list[dict], list[dict]]:
    """``count`` articles (the import format) and their labels (slug, topic, typing)."""
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 1, 8, 0, tzinfo=ZONE)
    pairs = [make_article(number, rng, start) for number in range(1, count + 1)]
    return [a for a, _ in pairs], [label for _, label in pairs]


def labels_path(corpus: Path) -> Path:
    return corpus.with_name(corpus.stem.replace("corpus", "labels") + ".jsonl")


def write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=600)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=20200302)
    args = parser.parse_args()
    articles, labels = make_corpus(args.count, args.seed)
    write(args.output, articles)
    write(labels_path(args.output), labels)
    print(f"{args.count} articles -> {args.output}, labels -> {labels_path(args.output)}")


if __name__ == "__main__":
    main()
