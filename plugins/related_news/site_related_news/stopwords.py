"""Vietnamese stop words: syllables too common in news text to say what it is about.

Function words (của, các, và, được…), pronouns, particles, and the calendar
words every article carries (ngày, tháng, năm). Listed as syllables because
the index works on syllables; :mod:`site_related_news.text` normalises them
the same way as the text, so tone-mark placement does not matter here.
"""

STOP_WORDS = """
à ạ ai anh ấy bà bao bằng bị bởi các cái cả cần càng cháu chị chiếc chỉ cho chú chúng
chưa có còn cô cùng cũng của cứ dạ dần dù dưới đã đang đây đấy để đến đều đi điều đó
đối được gì giờ gồm hay hãy hầu hết hơn họ khá khác khi không là lại lên lúc luôn mà mình
mọi mỗi một này nào nay nếu ngay nên nữa nhau nhé nhiều những nhất như nhưng nhằm nơi ở ông
phải qua quá ra rằng rất riêng rồi sau sẽ sự tại tất thì theo thế thêm thật thường tôi trên
trong trước từ từng tuy tới và vẫn vào vậy về vì việc với vừa xong
ngày tháng năm số lần thứ hiện
""".split()

# The same words without diacritics, for text typed without them ("cua", "cac").
# Only words whose unaccented form is not also a common content word.
UNACCENTED_STOP_WORDS = """
cac cua nhung duoc trong nay khong mot voi cung nhu theo tren vao cho
""".split()
