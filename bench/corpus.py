"""A deterministic Vietnamese S&T corpus: document ``i`` is always the same text.

Built from the vocabulary of a provincial S&T department (agriculture, aquaculture, food
processing, environment, energy, health, information technology, materials) so that queries
drawn from the same vocabulary have realistic selectivity: common syllables (``nghiên cứu``,
``sản xuất``) in most documents, specific terms (``cá tra``, ``xâm nhập mặn``) in few.
"""

from __future__ import annotations

import random

from openstx.core.text import fold

PLACES = [
    "Cần Thơ",
    "An Giang",
    "Đồng Tháp",
    "Vĩnh Long",
    "Cà Mau",
    "Sóc Trăng",
    "Bạc Liêu",
    "Kiên Giang",
    "Hậu Giang",
    "Trà Vinh",
    "Bến Tre",
    "Tiền Giang",
    "Long An",
    "đồng bằng sông Cửu Long",
    "ĐBSCL",
    "Tây Nam Bộ",
    "Phú Quốc",
    "Ô Môn",
    "Thốt Nốt",
    "Châu Đốc",
    "Cao Lãnh",
    "Năm Căn",
    "U Minh",
]
TOPICS: dict[str, dict[str, list[str]]] = {
    "agriculture": {
        "things": [
            "lúa",
            "giống lúa chịu mặn",
            "bưởi da xanh",
            "xoài cát Hòa Lộc",
            "khóm",
            "dứa",
            "thơm",
            "sầu riêng",
            "chôm chôm",
            "măng cụt",
            "rau an toàn",
            "nấm rơm",
            "phân bón hữu cơ",
            "chế phẩm sinh học",
            "nấm Trichoderma",
            "đất phèn",
            "cây có múi",
            "dừa sáp",
            "khoai lang tím",
            "mía đường",
            "cà phê",
            "hồ tiêu",
            "cây ăn trái",
        ],
        "actions": [
            "canh tác",
            "trồng",
            "thâm canh",
            "chọn tạo",
            "nhân giống",
            "bảo quản sau thu hoạch",
            "phòng trừ sâu bệnh",
            "bón phân",
            "tưới tiết kiệm",
            "cơ giới hóa",
            "sản xuất theo VietGAP",
        ],
    },
    "aquaculture": {
        "things": [
            "cá tra",
            "cá basa",
            "tôm sú",
            "tôm thẻ chân trắng",
            "tôm càng xanh",
            "cua biển",
            "cá lóc",
            "cá rô đồng",
            "nghêu",
            "sò huyết",
            "ốc hương",
            "thức ăn thủy sản",
            "ao nuôi",
            "vùng nuôi",
            "con giống",
            "bệnh gan thận mủ",
            "vi khuẩn Vibrio",
            "chế phẩm vi sinh",
            "mô hình tôm lúa",
            "rừng ngập mặn",
        ],
        "actions": [
            "nuôi trồng thủy sản",
            "nuôi thâm canh",
            "nuôi siêu thâm canh",
            "ương giống",
            "sản xuất giống nhân tạo",
            "quản lý môi trường ao nuôi",
            "phòng bệnh",
            "xử lý nước",
            "nuôi kết hợp",
            "khai thác bền vững",
        ],
    },
    "food": {
        "things": [
            "nước mắm",
            "bánh tráng",
            "kẹo dừa",
            "trái cây sấy",
            "nước ép khóm",
            "cá khô",
            "tôm khô",
            "mật ong",
            "rượu vang trái cây",
            "bột gạo",
            "phụ phẩm nông nghiệp",
            "vỏ trấu",
            "bã mía",
            "chất bảo quản tự nhiên",
            "bao bì sinh học",
        ],
        "actions": [
            "chế biến",
            "sấy lạnh",
            "sấy thăng hoa",
            "lên men",
            "đóng gói",
            "bảo quản",
            "truy xuất nguồn gốc",
            "kiểm soát chất lượng theo HACCP",
            "tiêu chuẩn TCVN",
        ],
    },
    "environment": {
        "things": [
            "xâm nhập mặn",
            "sạt lở bờ sông",
            "nước thải chăn nuôi",
            "rác thải nhựa",
            "khí nhà kính",
            "biến đổi khí hậu",
            "nước ngầm",
            "chất lượng không khí",
            "bùn thải",
            "đa dạng sinh học",
            "tài nguyên nước",
            "hệ thống quan trắc",
        ],
        "actions": [
            "xử lý",
            "giám sát",
            "quan trắc tự động",
            "đánh giá tác động",
            "thích ứng",
            "giảm thiểu",
            "tái chế",
            "dự báo",
            "phục hồi",
        ],
    },
    "energy": {
        "things": [
            "điện mặt trời áp mái",
            "biogas",
            "năng lượng sinh khối",
            "điện gió ven biển",
            "lò đốt trấu",
            "pin lưu trữ",
            "đèn LED",
            "máy sấy năng lượng mặt trời",
        ],
        "actions": ["lắp đặt", "vận hành", "tiết kiệm năng lượng", "chuyển đổi", "tối ưu hóa"],
    },
    "health": {
        "things": [
            "dược liệu",
            "cây thuốc nam",
            "vắc xin thú y",
            "bệnh sốt xuất huyết",
            "kháng sinh",
            "thực phẩm chức năng",
            "chẩn đoán hình ảnh",
            "y học cổ truyền",
        ],
        "actions": ["điều trị", "phòng ngừa", "sàng lọc", "bào chế", "kiểm nghiệm", "chiết xuất"],
    },
    "it": {
        "things": [
            "công nghệ thông tin",
            "CNTT",
            "trí tuệ nhân tạo",
            "Internet vạn vật",
            "IoT",
            "cơ sở dữ liệu",
            "phần mềm quản lý",
            "chuyển đổi số",
            "bản đồ số",
            "cảm biến",
            "hệ thống thông tin địa lý",
            "điện toán đám mây",
            "ứng dụng di động",
        ],
        "actions": ["xây dựng", "phát triển", "ứng dụng", "tích hợp", "số hóa", "tự động hóa"],
    },
    "materials": {
        "things": [
            "vật liệu composite",
            "gạch không nung",
            "bê tông nhẹ",
            "sợi xơ dừa",
            "than sinh học",
            "nano bạc",
            "vật liệu hấp phụ",
            "màng lọc",
        ],
        "actions": ["chế tạo", "tổng hợp", "thử nghiệm", "sản xuất", "ứng dụng"],
    },
}
GENERIC = [
    "Kết quả nghiên cứu cho thấy",
    "Đề tài đã",
    "Nhóm nghiên cứu đã",
    "Mô hình thử nghiệm tại",
    "Theo báo cáo tổng kết,",
    "Trong giai đoạn",
    "Sở Khoa học và Công nghệ",
    "Sở KH&CN",
    "Hội đồng nghiệm thu đánh giá",
    "Quy trình công nghệ được chuyển giao cho",
    "Sản phẩm đạt tiêu chuẩn",
    "Hiệu quả kinh tế tăng",
    "Doanh nghiệp khoa học và công nghệ",
    "Hợp tác xã",
    "nông dân",
    "Trường Đại học Cần Thơ",
    "Viện Lúa đồng bằng sông Cửu Long",
    "Trung tâm Ứng dụng tiến bộ KH&CN",
    "UBND thành phố",
    "TP. Cần Thơ",
    "sở hữu trí tuệ",
    "SHTT",
    "đổi mới sáng tạo",
    "năng suất",
    "chất lượng",
    "giá thành",
    "thị trường",
]
TITLE_PATTERNS = [
    "Nghiên cứu {action} {thing} tại {place}",
    "Ứng dụng công nghệ {action} {thing} ở {place}",
    "Xây dựng mô hình {action} {thing} {place}",
    "Hoàn thiện quy trình {action} {thing}",
    "Đánh giá hiệu quả {action} {thing} vùng {place}",
    "Giải pháp {action} {thing} thích ứng biến đổi khí hậu",
    "Chuyển giao công nghệ {action} {thing} cho {place}",
]
SENTENCES = [
    "{generic} {action} {thing} tại {place} với năng suất tăng {n}% so với đối chứng.",
    "Quy trình {action} {thing} gồm {k} bước, phù hợp với điều kiện {place}.",
    "{generic} ứng dụng {thing2} trong {action} {thing}, giảm chi phí {n}%.",
    "Mô hình {action} {thing} được nhân rộng tại {place} trên diện tích {n} ha.",
    "Sản phẩm {thing} đạt chất lượng theo tiêu chuẩn TCVN và được bảo hộ quyền sở hữu trí tuệ.",
    "Các chỉ tiêu về {thing2} và {thing} được theo dõi trong {k} vụ liên tiếp.",
    "{generic} đề xuất giải pháp {action} {thing2} nhằm thích ứng với {env}.",
    "Kết quả phân tích cho thấy hàm lượng {thing} đạt {n} mg/kg, an toàn cho người sử dụng.",
    "Nhiệm vụ khoa học và công nghệ cấp tỉnh do {generic} chủ trì thực hiện năm {year}.",
    "Việc {action} {thing} góp phần nâng cao thu nhập cho {generic} ở {place}.",
]
KINDS = ["report", "paper", "thesis", "standard", "patent", "news"]


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def document(i: int, target_chars: int = 3000, seed: int = 20261128) -> dict:
    """Synthetic document ``i``: title, summary, keywords, body (~target_chars), year, topic."""
    rng = random.Random(seed * 1_000_003 + i)
    topic_name = _pick(rng, sorted(TOPICS))
    topic = TOPICS[topic_name]
    other = TOPICS[_pick(rng, sorted(TOPICS))]
    place = _pick(rng, PLACES)
    thing = _pick(rng, topic["things"])
    action = _pick(rng, topic["actions"])
    title = _pick(rng, TITLE_PATTERNS).format(action=action, thing=thing, place=place)
    title = title[0].upper() + title[1:]
    keywords = sorted({thing, action, place, _pick(rng, topic["things"])})
    summary = (
        f"Nhiệm vụ nghiên cứu {action} {thing} tại {place}, lĩnh vực {topic_name}. "
        f"Đối tượng: {_pick(rng, topic['things'])}, {_pick(rng, other['things'])}."
    )
    parts: list[str] = []
    size = 0
    while size < target_chars:
        sentence = _pick(rng, SENTENCES).format(
            generic=_pick(rng, GENERIC),
            action=_pick(rng, topic["actions"] if rng.random() < 0.7 else other["actions"]),
            thing=_pick(rng, topic["things"] if rng.random() < 0.7 else other["things"]),
            thing2=_pick(rng, other["things"]),
            place=_pick(rng, PLACES),
            env=_pick(rng, TOPICS["environment"]["things"]),
            n=rng.randrange(5, 95),
            k=rng.randrange(2, 9),
            year=rng.randrange(2005, 2026),
        )
        parts.append(sentence)
        size += len(sentence) + 1
    return {
        "title": title,
        "summary": summary,
        "keywords": keywords,
        "body": " ".join(parts),
        "year": 2005 + (i * 7919) % 21,
        "topic": topic_name,
        "kind": KINDS[i % len(KINDS)],
    }


def listing(i: int, seed: int = 777) -> dict:
    """A shorter record (offer/demand-like): ~600 characters."""
    return document(i, target_chars=600, seed=seed)


def queries(n: int = 200, seed: int = 42) -> list[str]:
    """``n`` queries of 1–4 words from the corpus vocabulary; every second one without accents."""
    rng = random.Random(seed)
    phrases: list[str] = []
    for topic in TOPICS.values():
        phrases += topic["things"] + topic["actions"]
    phrases += PLACES
    out = []
    while len(out) < n:
        words = _pick(rng, phrases).split()
        length = rng.randint(1, 4)
        if len(words) < length and rng.random() < 0.6:
            words += _pick(rng, phrases).split()
        start = rng.randrange(max(1, len(words) - length + 1))
        q = " ".join(words[start : start + length]).lower()
        if len(out) % 2 == 1:
            q = fold(q)
        out.append(q)
    return out
