"""A starting dictionary for the sectors a Mekong Delta department serves.

Businesses and farmers write needs in everyday Southern words ("xài", "chích ngừa", "bịnh") and
regional names ("bắp", "khoai mì", "đậu phộng"); offers are written by institutes in standard or
technical terms ("sử dụng", "tiêm phòng", "bệnh", "ngô", "sắn", "lạc"). Each line is one group
of equivalent forms, used by the search service (a query finds every form) and by matching (a
demand's words are expanded before the lexical ranking). Staff edit, switch off or add entries
in the admin; nothing here is required by the code.

Rules followed so that an expansion never adds noise:
- a form is a whole concept on its own, never a fragment that also starts other compounds;
- one-syllable forms only where the accented word is unambiguous (expansion is accent-aware, so
  "hũ" never expands "hư"), otherwise the form is given with the word it goes with;
- words are compared lower-cased, so an abbreviation that is also a common word is left out
  ("AI" would expand every "ai", who);
- equivalents, not neighbours: "nhà màng" and "nhà kính" are the same thing to a grower, "tôm
  sú" and "tôm thẻ" are not, and are left out.
"""

from django.db import migrations

from openstx.search.migrations._seed import seed_entries

SEED = [
    # --- abbreviations met in needs, offers and reports
    ("HTX = hợp tác xã", "abbreviation"),
    ("THT = tổ hợp tác", "abbreviation"),
    ("DNNVV = doanh nghiệp nhỏ và vừa", "abbreviation"),
    ("NN&PTNT = NNPTNT = nông nghiệp và phát triển nông thôn", "abbreviation"),
    ("BVTV = bảo vệ thực vật", "abbreviation"),
    ("ATTP = an toàn thực phẩm", "abbreviation"),
    ("VSATTP = vệ sinh an toàn thực phẩm", "abbreviation"),
    ("CGCN = chuyển giao công nghệ", "abbreviation"),
    ("NCKH = nghiên cứu khoa học", "abbreviation"),
    ("KHKT = khoa học kỹ thuật", "abbreviation"),
    ("TBKT = tiến bộ kỹ thuật", "abbreviation"),
    ("KCN = khu công nghiệp", "abbreviation"),
    ("SXKD = sản xuất kinh doanh", "abbreviation"),
    ("OCOP = mỗi xã một sản phẩm", "abbreviation"),
    ("ĐHCT = Đại học Cần Thơ", "abbreviation"),
    ("IoT = Internet vạn vật = internet of things", "abbreviation"),
    ("UAV = drone = máy bay không người lái = thiết bị bay không người lái", "abbreviation"),
    ("SMS = tin nhắn = nhắn tin", "abbreviation"),
    ("GPS = định vị vệ tinh", "abbreviation"),
    ("PCCC = phòng cháy chữa cháy", "abbreviation"),
    # --- everyday Southern words and their standard forms
    ("xài = sử dụng", "synonym"),
    ("bịnh = bệnh", "synonym"),
    ("chích ngừa = tiêm phòng = tiêm vắc xin = tiêm vaccine = chủng ngừa", "synonym"),
    ("thuốc chích = thuốc tiêm", "synonym"),
    ("bị hư = bị hỏng = hư hỏng", "synonym"),
    ("mau hư = nhanh hỏng = chóng hỏng = mau hỏng", "synonym"),
    ("mắc tiền = đắt tiền = giá cao", "synonym"),
    ("rẻ tiền = giá rẻ = chi phí thấp", "synonym"),
    ("lẹ = nhanh", "synonym"),
    ("trái cây = hoa quả", "synonym"),
    ("thương lái = lái buôn", "synonym"),
    ("nhà nông = nông dân = bà con nông dân", "synonym"),
    ("ghe = thuyền", "synonym"),
    # --- crops and produce (Southern name = Northern or standard name)
    ("bắp = ngô", "synonym"),
    ("khoai mì = sắn", "synonym"),
    ("đậu phộng = củ lạc = hạt lạc = lạc nhân", "synonym"),
    ("mè = vừng", "synonym"),
    ("trái bơ = quả bơ", "synonym"),
    ("heo = lợn", "synonym"),
    ("bánh tráng = bánh đa nem", "synonym"),
    ("củ sắn = củ đậu", "synonym"),
    # --- cultivation and plant protection
    ("thuốc trừ sâu = thuốc BVTV = thuốc bảo vệ thực vật = nông dược", "synonym"),
    ("thuốc diệt cỏ = thuốc trừ cỏ", "synonym"),
    ("chế phẩm sinh học = thuốc sinh học", "synonym"),
    ("nấm xanh = nấm Metarhizium", "synonym"),
    ("nấm trắng = nấm Beauveria", "synonym"),
    ("nấm đối kháng = nấm Trichoderma = Trichoderma", "synonym"),
    ("phân chuồng = phân gia súc", "synonym"),
    ("phân hữu cơ vi sinh = phân vi sinh", "synonym"),
    ("phân trùn quế = phân giun quế = phân trùn", "synonym"),
    ("gieo sạ = sạ lúa = sạ", "synonym"),
    ("máy gặt đập liên hợp = máy gặt đập = máy gặt lúa = máy cắt lúa", "synonym"),
    ("máy cày = máy xới = máy làm đất", "synonym"),
    ("nhà màng = nhà kính", "synonym"),
    ("tưới nhỏ giọt = tưới giọt", "synonym"),
    ("tưới phun sương = phun sương", "synonym"),
    ("thủy canh = trồng không cần đất = trồng rau không đất", "synonym"),
    ("cây ăn trái = cây ăn quả", "synonym"),
    ("nhà vườn = chủ vườn", "synonym"),
    ("đất phèn = đất nhiễm phèn", "synonym"),
    ("xâm nhập mặn = nhiễm mặn = mặn xâm nhập", "synonym"),
    ("khử mặn = lọc mặn = ngọt hóa nước", "synonym"),
    # --- livestock and aquaculture
    ("gia cầm = gà vịt", "synonym"),
    ("trại chăn nuôi = trang trại chăn nuôi = trại nuôi", "synonym"),
    ("men vi sinh = chế phẩm vi sinh = probiotic", "synonym"),
    ("men tiêu hóa = men đường ruột", "synonym"),
    ("kháng sinh = thuốc kháng sinh = trụ sinh", "synonym"),
    ("ao đìa = ao nuôi", "synonym"),
    ("sục khí = thổi khí = cấp khí", "synonym"),
    ("quạt nước = quạt sục khí", "synonym"),
    ("thức ăn công nghiệp = cám công nghiệp = cám viên", "synonym"),
    ("bệnh gan thận mủ = bệnh mủ gan = gan thận mủ", "synonym"),
    ("bệnh đốm trắng = virus đốm trắng = đốm trắng", "synonym"),
    ("tôm thẻ chân trắng = tôm thẻ", "synonym"),
    ("tôm càng xanh = tôm càng", "synonym"),
    ("cá lóc = cá quả = cá chuối", "synonym"),
    ("cá kèo = cá bống kèo", "synonym"),
    ("nuôi tuần hoàn = RAS = tuần hoàn nước", "synonym"),
    ("biofloc = công nghệ biofloc = nuôi biofloc", "synonym"),
    # --- food processing, preservation and safety
    ("sấy thăng hoa = sấy đông khô = đông khô", "synonym"),
    ("sấy lạnh = sấy nhiệt độ thấp = sấy bơm nhiệt", "synonym"),
    ("hút chân không = đóng gói chân không = ép chân không", "synonym"),
    ("đóng hộp = đồ hộp = hàng đóng hộp", "synonym"),
    ("chất bảo quản = phụ gia bảo quản", "synonym"),
    ("hàn the = borax = natri borat", "synonym"),
    ("phẩm màu = màu thực phẩm = chất tạo màu", "synonym"),
    ("hạn sử dụng = hạn dùng = thời hạn sử dụng", "synonym"),
    ("ngộ độc thực phẩm = ngộ độc ăn uống", "synonym"),
    ("khô cá = cá khô", "synonym"),
    ("khô tôm = tôm khô", "synonym"),
    ("lò sấy = máy sấy", "synonym"),
    ("kho lạnh = kho mát = kho bảo quản lạnh", "synonym"),
    ("xe lạnh = xe tải lạnh = xe bảo ôn", "synonym"),
    # --- packaging
    ("túi ni lông = túi nilon = túi nylon = bao ni lông = bao nilon = túi nhựa", "synonym"),
    ("tự hủy = tự phân hủy = phân hủy sinh học", "synonym"),
    ("hộp xốp = hộp nhựa xốp = xốp", "synonym"),
    ("bao bì giấy = bao gói giấy", "synonym"),
    # --- water, waste and energy
    ("nước thải = nước xả thải", "synonym"),
    ("rác thải = chất thải rắn", "synonym"),
    ("rác sinh hoạt = rác thải sinh hoạt", "synonym"),
    ("phân compost = phân ủ = ủ phân", "synonym"),
    ("mùi hôi = hôi thối = mùi hôi thối", "synonym"),
    ("khí sinh học = biogas = hầm biogas = hầm khí sinh học", "synonym"),
    ("lọc nước = xử lý nước cấp = máy lọc nước", "synonym"),
    ("điện mặt trời = năng lượng mặt trời = pin mặt trời = pin năng lượng mặt trời", "synonym"),
    ("lò hơi = nồi hơi", "synonym"),
    ("viên nén trấu = củi trấu", "synonym"),
    # --- digital and devices
    ("điện thoại thông minh = smartphone", "synonym"),
    ("ứng dụng di động = app = ứng dụng điện thoại", "synonym"),
    ("cảm biến = sensor", "synonym"),
    ("chuyển đổi số = số hóa", "synonym"),
    ("thương mại điện tử = bán hàng trực tuyến = bán hàng online", "synonym"),
]


class Migration(migrations.Migration):
    dependencies = [("search", "0002_seed_synonyms")]
    operations = [seed_entries(SEED)]
