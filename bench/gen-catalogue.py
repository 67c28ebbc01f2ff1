#!/usr/bin/env python3
"""gen-catalogue.py - a large synthetic catalogue for `make bench` (the search section).

    bench/gen-catalogue.py COUNT > catalogue.json

COUNT procedures shaped like a real provincial catalogue: the demo catalogue's fields, a
quarter carried out by every commune and the rest by one of the demo province's departments,
Vietnamese names made of the words real procedure names use (so searches match some, not
all), and a small form. Codes 9.000000 upwards never clash with the national codes of the
demo catalogue. Deterministic: the same COUNT gives the same file. Import it with
`egov procedures import --file catalogue.json --publish` into a database made by
`egov init --demo`.
"""

import json
import pathlib
import random
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent

ACTIONS = ["Cấp", "Cấp lại", "Cấp đổi", "Gia hạn", "Điều chỉnh", "Thu hồi", "Xác nhận",
           "Đăng ký", "Đăng ký thay đổi", "Thẩm định", "Phê duyệt", "Công nhận", "Chấm dứt",
           "Thông báo", "Giải quyết", "Hỗ trợ", "Chứng thực", "Miễn", "Giảm", "Cho phép"]
OBJECTS = ["giấy phép", "chứng chỉ hành nghề", "giấy chứng nhận", "hồ sơ", "bản sao",
           "quyết định", "trợ cấp", "danh hiệu", "giấy xác nhận", "đăng ký kinh doanh",
           "quyền sử dụng đất", "hộ tịch", "học bổng", "thẻ bảo hiểm y tế", "chế độ ưu đãi",
           "văn bằng", "biển số", "con dấu", "lễ hội", "dự án đầu tư"]
CONTEXTS = ["đối với hộ kinh doanh", "cho cá nhân", "cho tổ chức", "trong lĩnh vực xây dựng",
            "trong lĩnh vực y tế", "cho người có công", "đối với cơ sở giáo dục",
            "cho doanh nghiệp nhỏ và vừa", "tại khu công nghiệp", "cho người nước ngoài",
            "ở cấp xã", "đối với công trình cấp III", "trong lĩnh vực môi trường",
            "cho hợp tác xã", "đối với trẻ em dưới 6 tuổi", "khi thay đổi nơi cư trú", "", ""]


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or not 1 <= int(sys.argv[1]) <= 999999:
        sys.exit("usage: gen-catalogue.py COUNT (1 to 999999)")
    count = int(sys.argv[1])
    rng = random.Random(20261127)
    demo = json.loads((REPO / "data/demo/procedures.json").read_text(encoding="utf-8"))
    province = json.loads((REPO / "data/demo/province.json").read_text(encoding="utf-8"))
    fields = [f["code"] for f in demo["fields"]]
    departments = [u["code"] for u in province["org_units"] if u.get("kind") == "department"]
    procedures = []
    for i in range(count):
        name = " ".join(w for w in (rng.choice(ACTIONS), rng.choice(OBJECTS),
                                     rng.choice(CONTEXTS)) if w)
        commune = rng.random() < 0.25
        procedures.append({
            "code": "9.%06d" % i,
            "name": f"{name} (mẫu số {i})",
            "field": rng.choice(fields),
            "level": "commune" if commune else "province",
            "agencies": ["*communes*"] if commune else [rng.choice(departments)],
            "applicants": rng.choice([["citizen"], ["business"], ["citizen", "business"]]),
            "online_level": rng.choice(["full", "partial", "offline"]),
            "processing": {"working_days": rng.randint(1, 30)},
            "fees": [{"name": "Lệ phí", "amount_vnd": rng.choice([0, 20000, 50000, 100000])}],
            "components": [{"name": f"Đơn đề nghị {name.lower()}", "originals": 1, "copies": 0,
                            "required": True},
                           {"name": "Bản sao giấy tờ tùy thân", "originals": 0, "copies": 1,
                            "required": True}],
            "steps_vi": ["Nộp hồ sơ tại Bộ phận Một cửa hoặc trực tuyến.",
                         "Cơ quan có thẩm quyền thẩm định và trả kết quả."],
            "legal_basis": ["Văn bản quy phạm pháp luật minh họa (dữ liệu sinh cho đo hiệu năng)."],
            "result_vi": f"Kết quả: {rng.choice(OBJECTS)}.",
            "form": {"fields": [{"name": "full_name", "label": "Họ, chữ đệm và tên",
                                 "type": "text", "required": True, "max_length": 100}]},
            "popularity": rng.randint(0, 100),
            "valid_from": "2026-01-01",
        })
    json.dump({"fields": demo["fields"], "procedures": procedures}, sys.stdout,
              ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
