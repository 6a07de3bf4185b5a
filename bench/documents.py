"""The document office's figures (issue 12), each on its own database (``bench_doc_*``).

- ``register_numbers_per_s``: concurrent clients (processes × threads, a connection each) register
  incoming documents in one register, each registration its own transaction as in a registration
  step (``records.register_incoming``: the duplicate check, the register, the locked series, the
  number entry, the document's number and status). The numbers are checked afterwards: distinct,
  gap-free, one per document, else the phase fails. Baseline, in the same run: the same clients and
  transaction shape on a bare counter row (``UPDATE … RETURNING`` and one insert), what any gap-free
  counter with one locked row costs on this PostgreSQL whatever our code does.
- ``document_search_p95_ms``: ``GET /api/v1/documents/?search=`` behind gunicorn, one request at a
  time as the clerk of one body, over 100,000 generated documents (the worklist figure is taken
  the same way); PostgreSQL, and SQLite as a second figure over 10,000 documents (see ``figures``).
  Each search is followed by a baseline request in the same run (``BASELINE_PATH``): the detail
  holds its p50/p95 and the ratio of the two p95s.
- ``register_report_s``: a year's incoming register of 5,000 documents (among the 100,000) as its
  book and its follow-up report, each as XLSX and PDF, through the functions the API's report view
  calls; the figure is the slowest of the four.

Setup and measuring phases run inside Django (``bench.phase``, which sets Django up after importing
this module: hence the imports inside them); ``figures`` runs them from the bench's own process.
"""

from __future__ import annotations

import http.client as http_client
import io
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import http

ROOT = Path(__file__).resolve().parent.parent
VN = ZoneInfo("Asia/Ho_Chi_Minh")
NUMBERS_BODY, NUMBERS_CLERK, NUMBERS_NOTATION = "ubnd_xa", "vanthuubnd", "CV-BENCH"
CLERK = "vanthu"  # van_thu@dang_uy_xa in the demo commune: searches and has the reports
REPORT_BODY, REPORT_YEAR = "dang_uy_xa", 2025

# --- generated documents -----------------------------------------------------------------------

TOPICS = [
    "phòng, chống dịch bệnh", "xây dựng nông thôn mới", "chuyển đổi số", "cải cách hành chính",
    "quy hoạch sử dụng đất", "phòng cháy, chữa cháy", "bảo đảm trật tự an toàn giao thông", "Đại hội Đảng bộ xã",
    "công tác kiểm tra, giám sát", "thu ngân sách nhà nước", "giảm nghèo bền vững",
    "bầu cử đại biểu Quốc hội và đại biểu Hội đồng nhân dân các cấp", "khen thưởng tổ chức cơ sở đảng",
    "tuyển chọn và gọi công dân nhập ngũ", "phòng, chống thiên tai và tìm kiếm cứu nạn", "tiêm chủng mở rộng",
    "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh", "thực hành tiết kiệm, chống lãng phí",
    "bảo vệ môi trường", "cấp giấy chứng nhận quyền sử dụng đất", "công tác phát triển đảng viên",
    "đánh giá, xếp loại chất lượng tổ chức đảng và đảng viên", "công tác dân vận",
    "phòng, chống tham nhũng, tiêu cực", "nhiệm vụ quốc phòng, an ninh", "chi trả chế độ chính sách người có công",
    "bảo hiểm y tế hộ gia đình", "phổ biến, giáo dục pháp luật", "tiếp công dân, giải quyết khiếu nại, tố cáo",
    "sáp nhập thôn, xóm", "sắp xếp đơn vị hành chính cấp xã", "trao Huy hiệu Đảng",
    "kỷ niệm Ngày thành lập Đảng Cộng sản Việt Nam", "chăm lo Tết Nguyên đán cho gia đình chính sách",
    "chương trình mục tiêu quốc gia", "đầu tư xây dựng trường mầm non", "cấp nước sạch nông thôn",
    "hiến máu tình nguyện", "an toàn thực phẩm", "phòng, chống dịch tả lợn châu Phi",
]
ACTIONS = ["triển khai", "tổ chức", "tăng cường", "đôn đốc thực hiện", "hướng dẫn thực hiện", "sơ kết", "tổng kết",
           "kiểm tra", "góp ý dự thảo về", "tham mưu thực hiện"]
DECISIONS = ["thành lập Ban Chỉ đạo", "khen thưởng thành tích", "phê duyệt kế hoạch", "kiện toàn Tổ công tác",
             "giao chỉ tiêu", "phân công nhiệm vụ"]
MEETINGS = ["Hội nghị", "buổi làm việc về", "lớp bồi dưỡng", "Hội nghị trực tuyến"]
PLACES = ["thôn Yên Lạc", "xóm Đông Sơn", "thôn Trung Hòa", "xóm Bắc Thịnh", "thôn Phú Mỹ", "xóm Tân Lập",
          "thôn Đồng Tâm", "xóm Hạ Long", "thôn Khánh Thành", "xóm Quyết Tiến"]
TAILS = ["năm {year}", "quý {quarter} năm {year}", "6 tháng đầu năm {year}", "giai đoạn 2021-2025",
         "trên địa bàn xã", "nhiệm kỳ 2025-2030", "tại {place}", "đợt {n} năm {year}", ""]
# type code, weight, how its subject (trích yếu) reads
TYPES = [("cong_van", 35, "V/v {action} {topic} {tail}"), ("ke_hoach", 12, "{action} {topic} {tail}"),
         ("bao_cao", 12, "Kết quả {topic} {tail}"), ("thong_bao", 10, "Kết luận {meeting} {topic} {tail}"),
         ("quyet_dinh", 10, "Về việc {decision} {topic} {tail}"), ("giay_moi", 8, "Dự {meeting} {topic} {tail}"),
         ("huong_dan", 4, "{action} {topic} {tail}"), ("to_trinh", 3, "Về việc {decision} {topic}"),
         ("nghi_quyet", 2, "Về {topic} {tail}"), ("chi_thi", 1, "Về {action} {topic}"),
         ("cong_dien", 1, "Về việc {action} {topic}"), ("chuong_trinh", 2, "{action} {topic} {tail}")]
# issuing organs by level: name, the abbreviation in their notations, Party (QĐ/TU) or State (QĐ-UBND)
ORGANS = {
    "central": [("Văn phòng Trung ương Đảng", "VPTW", True), ("Ban Tổ chức Trung ương", "BTCTW", True),
                ("Ban Tuyên giáo và Dân vận Trung ương", "BTGDVTW", True), ("Văn phòng Chính phủ", "VPCP", False),
                ("Bộ Nội vụ", "BNV", False)],
    "province": [("Tỉnh ủy Nghệ An", "TU", True), ("Ủy ban nhân dân tỉnh Nghệ An", "UBND", False),
                 ("Sở Tài chính tỉnh Nghệ An", "STC", False), ("Sở Nội vụ tỉnh Nghệ An", "SNV", False),
                 ("Ban Tổ chức Tỉnh ủy Nghệ An", "BTCTU", True), ("Ủy ban Kiểm tra Tỉnh ủy Nghệ An", "UBKTTU", True),
                 ("Sở Nông nghiệp và Môi trường tỉnh Nghệ An", "SNNMT", False), ("Công an tỉnh Nghệ An", "CAT", False)],
    # districts were abolished on 1 July 2025 (two-tier local government): only before that day
    "district": [("Huyện ủy Nghi Lộc", "HU", True), ("Ủy ban nhân dân huyện Nghi Lộc", "UBND", False),
                 ("Phòng Tài nguyên và Môi trường huyện Nghi Lộc", "TNMT", False)],
    "commune": [("Ủy ban Mặt trận Tổ quốc Việt Nam xã Vĩnh An", "MTTQ", False),
                ("Hội Nông dân xã Vĩnh An", "HND", False), ("Đoàn Thanh niên xã Vĩnh An", "ĐTN", True)],
}
LEVEL_WEIGHTS = {"central": 8, "province": 45, "district": 27, "commune": 20}
DISTRICTS_ABOLISHED = datetime(2025, 7, 1, tzinfo=VN)
OWN_ABBREVIATIONS = {"dang_uy_xa": ("ĐU", True), "ubnd_xa": ("UBND", False)}  # a Party cell signs CB
# who handles a body's incoming documents in the demo commune: its clerk, its leader, its specialists
HANDLERS = {"dang_uy_xa": ("vanthu", "bithu", ["chuyenvienvp", "chuyenvien", "chuyenvien2"]),
            "ubnd_xa": ("vanthuubnd", "chutich", ["tuphap", "kinhte", "vanhoa"]),
            "chi_bo_01": ("bithuchibo1", "bithuchibo1", ["bithuchibo1"])}
SIGNERS = ["Nguyễn Văn Bình", "Trần Thị Hoa", "Lê Quang Hải", "Phạm Thị Lan", "Hoàng Đức Minh", "Võ Văn Long"]
STATUSES = ["received", "registered", "assigned", "in_progress", "done", "done", "done", "done"]
FIRST_DAY, LAST_DAY = datetime(2021, 1, 4, tzinfo=VN), datetime(2026, 11, 30, tzinfo=VN)

#: What a clerk types; each is searched as typed and without diacritics (both find the same documents).
SEARCHES = ["phòng chống dịch", "nông thôn mới", "chuyển đổi số", "khen thưởng", "Đại hội Đảng bộ",
            "quy hoạch sử dụng đất", "Sở Tài chính", "kiểm tra giám sát", "bầu cử", "Tỉnh ủy Nghệ An", "hiến máu",
            "công tác"]


class _Generator:
    """Rows for 100,000 documents over the commune's bodies (a quarter the Party committee's, a
    third the People's Committee's, the rest its 34 Party cells), six years, four levels of issuers,
    two in three incoming, one in twenty-five confidential; one register-year holds exactly the
    report's rows. Rows are dicts of column values, not model instances: building 100,000 models and
    preparing their fields one by one took longer than everything else."""

    def __init__(self, *, seed: int):
        from django.contrib.auth.models import User  # Django is set up when a phase runs

        from directory.models import Body
        from documents import records
        from documents.models import Direction, DocumentType, Register

        self.random = random.Random(seed)
        self.plain_words: dict[str, str] = {}
        self.records = records
        self.types = {t.code: t for t in DocumentType.objects.all()}
        self.registers = {(r.body.code, r.direction, r.secret): r
                          for r in Register.objects.select_related("body").filter(active=True)}
        self.body_names = dict(Body.objects.values_list("code", "name"))
        self.users = dict(User.objects.values_list("username", "pk"))
        cells = sorted(code for code, _direction, _secret in self.registers if code.startswith("chi_bo_"))
        self.owners = ["dang_uy_xa"] * 25 * len(cells) + ["ubnd_xa"] * 35 * len(cells) + cells * 40
        self.type_codes, self.type_weights = [t[0] for t in TYPES], [t[1] for t in TYPES]
        self.counters: dict[tuple, int] = {}
        self.incoming, self.outgoing = Direction.INCOMING.value, Direction.OUTGOING.value

    def _weighted(self, pairs):
        return self.random.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def subject(self, type_code: str, when: datetime) -> str:
        template = next(t[2] for t in TYPES if t[0] == type_code)
        pick = self.random.choice
        tail = pick(TAILS).format(year=when.year, quarter=pick(["I", "II", "III", "IV"]), place=pick(PLACES),
                                  n=self.random.randint(1, 3))
        text = " ".join(template.format(action=pick(ACTIONS), topic=pick(TOPICS), decision=pick(DECISIONS),
                                        meeting=pick(MEETINGS), tail=tail).split())
        return text[0].upper() + text[1:]

    def moment(self, first: datetime, last: datetime) -> datetime:
        """A working-hours moment of a weekday between ``first`` and ``last``."""
        day = first + timedelta(days=self.random.randrange((last - first).days + 1))
        while day.weekday() >= 5:
            day -= timedelta(days=2)
        return day.replace(hour=self.random.randint(7, 16), minute=self.random.randrange(60),
                           second=self.random.randrange(60))

    def document(self, *, body: str, direction: str, when: datetime, confidentiality: str = "",
                 type_code: str | None = None) -> dict:
        type_code = type_code or self.random.choices(self.type_codes, weights=self.type_weights)[0]
        kind = self.types[type_code]
        row = {"id": uuid.UUID(int=self.random.getrandbits(128), version=4), "direction": direction, "body": body,
               "register_id": self.registers[(body, direction, bool(confidentiality))].pk,
               "document_type_id": kind.pk, "subject": self.subject(type_code, when),
               "confidentiality": confidentiality, "created_at": when, "page_amount": self.random.randint(1, 12),
               "urgency": self._weighted([("thuong", 85), ("khan", 10), ("thuong_khan", 4), ("hoa_toc", 1)])}
        if direction == self.incoming:
            levels = [(level, weight) for level, weight in LEVEL_WEIGHTS.items()
                      if level != "district" or when < DISTRICTS_ABOLISHED]
            organ, abbreviation, party = self.random.choice(ORGANS[self._weighted(levels)])
            row.update(organ_name=organ, code_number=str(self.random.randint(1, 2500)),
                       code_notation=f"{kind.abbreviation}{'/' if party else '-'}{abbreviation}",
                       issued_date=(when - timedelta(days=self.random.randint(1, 6))).date(), arrival_date=when,
                       due_date=(when + timedelta(days=self.random.randint(5, 20))).date(),
                       status=self.random.choice(STATUSES),
                       created_by_id=self.users[HANDLERS[body][0]] if body in HANDLERS else None)
        else:
            abbreviation, party = OWN_ABBREVIATIONS.get(body, ("CB", True))
            row.update(organ_name=self.body_names[body], issued_date=when.date(), status="issued",
                       code_notation=f"{kind.abbreviation}{'/' if party else '-'}{abbreviation}",
                       signer_name=self.random.choice(SIGNERS),
                       recipients=[{"organ_name": self.random.choice(ORGANS["province"])[0]}])
        return row

    def random_documents(self, count: int) -> list[dict]:
        """``count`` documents anywhere but in the report's register-year."""
        rows = []
        for _ in range(count):
            body = self.random.choice(self.owners)
            direction = self.incoming if self.random.random() < 0.65 else self.outgoing
            when = self.moment(FIRST_DAY, LAST_DAY)
            confidentiality = self._weighted([("", 960), ("mat", 25), ("toi_mat", 10), ("tuyet_mat", 5)])
            if (body, direction, confidentiality, when.year) == (REPORT_BODY, self.incoming, "", REPORT_YEAR):
                when = when.replace(year=REPORT_YEAR - 1)
            rows.append(self.document(body=body, direction=direction, when=when, confidentiality=confidentiality))
        return rows

    def report_year(self, count: int) -> list[dict]:
        first, last = datetime(REPORT_YEAR, 1, 2, tzinfo=VN), datetime(REPORT_YEAR, 12, 31, tzinfo=VN)
        return [self.document(body=REPORT_BODY, direction=self.incoming, when=self.moment(first, last))
                for _ in range(count)]

    def _plain(self, text: str) -> str:
        """``records.plain`` word by word, each word once: the same text (checked in ``finish``)."""
        words = []
        for word in text.split(" "):
            found = self.plain_words.get(word)
            if found is None:
                found = self.plain_words[word] = self.records.plain(word)
            words.append(found)
        return " ".join(words)

    def finish(self, rows: list[dict]) -> None:
        """Arrival and outgoing numbers per register and period in date order, then the search text
        as ``records.index_text`` makes it (compared with it on every 50th document)."""
        from documents.models import Document  # Django is set up when a phase runs

        terms = {r.pk: r.term for r in self.registers.values() if r.numbering == "term"}
        for row in sorted(rows, key=lambda r: r["created_at"]):
            key = (row["register_id"], terms.get(row["register_id"]) or row["created_at"].year)
            number = self.counters[key] = self.counters.get(key, 0) + 1
            if row["direction"] == self.incoming:
                row["arrival_number"] = number
            else:
                row["code_number"] = f"{number:02d}"
        for n, row in enumerate(rows):
            parts = (row["subject"], row.get("code_number", ""), row.get("code_notation", ""), row["organ_name"])
            row["search_text"] = self._plain(" ".join(part for part in parts if part))
            if n % 50 == 0:
                expected = self.records.index_text(Document(**{k: v for k, v in row.items() if k != "search_text"}))
                if row["search_text"] != expected:
                    raise RuntimeError(f"search text {row['search_text']!r} is not {expected!r}")


def _bulk_insert(model, rows: list[dict]) -> int:
    """Rows straight into the table: COPY on PostgreSQL (psycopg adapts the Python values itself),
    one prepared INSERT on SQLite with Django's conversion where a column needs one."""
    from django.db import connection, models  # Django is set up when a phase runs

    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    defaults = {f.attname: f.get_default() for f in fields}
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    convert = {f.attname: f.get_db_prep_save for f in fields
               if f.get_internal_type() in ("JSONField", "BinaryField")
               or (connection.vendor != "postgresql" and f.get_internal_type() in (
                   "UUIDField", "DateTimeField", "DateField", "BooleanField", "ForeignKey"))}
    values = []
    for row in rows:
        line = []
        for f in fields:
            value = row.get(f.attname, defaults[f.attname])
            line.append(convert[f.attname](value, connection) if f.attname in convert and value is not None else value)
        values.append(line)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for line in values:
                    copy.write_row(line)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", values)
    return len(values)


def _handling(make: _Generator, rows: list[dict], report_ids: set) -> tuple[list, list, list]:
    """Handling processes for three in four incoming documents of the report's year and one in five
    elsewhere, in the bodies with staff (``HANDLERS``): an instance, its three tasks (the body's
    clerk registered it, its leader assigned it, one of its specialists handles it) and its link to
    the document; a finished one ended 1–25 days after arrival."""
    from engine.models import ProcessDefinition  # Django is set up when a phase runs

    definition = ProcessDefinition.objects.filter(key="incoming_document").order_by("-version").first()
    instances, tasks, handled = [], [], []
    for row in rows:
        share = 0.75 if row["id"] in report_ids else 0.2
        if row["direction"] != make.incoming or row["body"] not in HANDLERS or make.random.random() > share:
            continue
        clerk_name, leader_name, specialists = HANDLERS[row["body"]]
        clerk, leader = make.users[clerk_name], make.users[leader_name]
        specialist = make.users[make.random.choice(specialists)]
        finished = row["status"] == "done"
        at = row["created_at"]
        instance = {"id": uuid.UUID(int=make.random.getrandbits(128), version=4), "definition_id": definition.pk,
                    "business_key": f"VB-{row['arrival_number']}", "state": b"", "body": row["body"],
                    "status": "completed" if finished else "running", "subject": row["subject"][:300],
                    "sender": row["organ_name"], "started_by_id": clerk, "started_at": at,
                    "ended_at": at + timedelta(days=make.random.randint(1, 25)) if finished else None}
        instances.append(instance)
        handled.append({"document_id": row["id"], "instance_id": instance["id"]})
        for k, (bpmn_id, role, who) in enumerate([("tiep_nhan", "van_thu", clerk), ("phan_cong", "lanh_dao", leader),
                                                  ("xu_ly", "chuyen_vien", specialist if finished else None)]):
            done = who is not None
            tasks.append({"id": uuid.UUID(int=make.random.getrandbits(128), version=4), "instance_id": instance["id"],
                          "bpmn_id": bpmn_id, "name": bpmn_id, "lane": role, "candidate_group": role,
                          "status": "completed" if done else "open", "body": row["body"],
                          "subject": instance["subject"], "sender": instance["sender"],
                          "created_at": at + timedelta(hours=k), "completed_by_id": who,
                          "completed_at": at + timedelta(hours=k + 1) if done else None})
    return instances, tasks, handled


# --- phases (inside Django) ----------------------------------------------------------------------


def documents_setup(options) -> dict:
    """The demo commune (bodies, roles, staff) and its registers; for the numbers, documents waiting
    to be registered by the People's Committee's clerk and a bare counter row."""
    from django.core.management import call_command  # Django is set up when a phase runs
    from django.db import connection
    from django.utils import timezone

    from documents import records
    from documents.models import Document

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())  # the phase's stdout is its JSON answer
    call_command("seed_documents", verbosity=0)
    count = options.get("numbers_documents", 0)
    if count:
        now = timezone.now()
        waiting = [Document(direction="incoming", body=NUMBERS_BODY, code_number=str(n), code_notation=NUMBERS_NOTATION,
                            organ_name="Sở Nội vụ tỉnh Nghệ An", subject=f"V/v đăng ký văn bản số {n}", created_at=now)
                   for n in range(1, count + 1)]
        for document in waiting:
            document.search_text = records.index_text(document)
        Document.objects.bulk_create(waiting, batch_size=1000)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_counter (id integer PRIMARY KEY, n integer NOT NULL)")
            cursor.execute("INSERT INTO bench_counter VALUES (1, 0)")
            cursor.execute("CREATE TABLE bench_counter_entry (n integer PRIMARY KEY, issued_at timestamptz NOT NULL)")
    return {"numbers_documents": count}


def _wait_for_peers(barrier: str, processes: int, *, timeout: float = 120) -> None:
    """Start together with the other client processes (a file each in ``barrier``)."""
    Path(barrier, f"ready-{uuid.uuid4().hex}").touch()
    deadline = time.time() + timeout
    while len(list(Path(barrier).glob("ready-*"))) < processes:
        if time.time() > deadline:
            raise RuntimeError("the other client processes did not get ready")
        time.sleep(0.005)


def numbers_issue(options) -> dict:
    """One client process of the numbers figure: ``threads`` threads, a connection each, each
    registration (``mode="register"``) or bare counter step (``mode="counter"``) its own transaction.
    The documents ``offset + 1 … offset + count`` are shared out over every thread of every process."""
    from django.contrib.auth.models import User  # Django is set up when a phase runs
    from django.db import connection, transaction

    from documents import records
    from documents.models import Document

    mode, threads, index = options["mode"], options["threads"], options["process_index"]
    clients, offset, count = threads * options["processes"], options.get("offset", 0), options["count"]
    clerk = User.objects.get(username=NUMBERS_CLERK)
    waiting = dict(Document.objects.filter(body=NUMBERS_BODY, code_notation=NUMBERS_NOTATION)
                   .values_list("code_number", "pk"))
    work = [[] for _ in range(threads)]
    for n in range(offset + 1, offset + count + 1):
        client = (n - offset - 1) % clients
        if client // threads == index:
            work[client % threads].append(waiting.get(str(n)))
    connection.close()  # each thread opens its own
    ready, go = threading.Barrier(threads + 1), threading.Event()
    latencies: list[float] = []
    errors: list[str] = []

    def register(pk) -> None:
        with transaction.atomic():
            records.register_incoming(Document.objects.get(pk=pk), actor=clerk)

    def counter(_pk) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1 RETURNING n")
            cursor.execute("INSERT INTO bench_counter_entry VALUES (%s, now())", [cursor.fetchone()[0]])

    step = register if mode == "register" else counter

    def client(items) -> None:
        try:
            connection.ensure_connection()
            ready.wait(timeout=120)
            go.wait()
            for item in items:
                started = time.perf_counter()
                step(item)
                latencies.append(time.perf_counter() - started)
        except Exception as err:  # noqa: BLE001 - the phase fails with it below
            errors.append(f"{type(err).__name__}: {err}")
        finally:
            connection.close()

    pool = [threading.Thread(target=client, args=(items,)) for items in work]
    for thread in pool:
        thread.start()
    ready.wait(timeout=120)
    _wait_for_peers(options["barrier"], options["processes"])
    start = time.time()
    go.set()
    for thread in pool:
        thread.join()
    end = time.time()
    if errors:
        raise RuntimeError(f"{len(errors)} clients failed, e.g. {errors[0]}")
    return {"issued": len(latencies), "start": start, "end": end, "latencies_ms": [x * 1000 for x in latencies]}


def numbers_check(options) -> dict:
    """Every number once, none missing, each on one document (which carries it) and in its series'
    counter; the same for the bare counter. Anything else fails the phase: fast wrong numbers are
    no figure."""
    from django.db import connection  # Django is set up when a phase runs
    from django.db.models import Count

    from documents import numbering
    from documents.models import Document, EntryStatus, NumberEntry

    register = numbering.register_for(NUMBERS_BODY, "incoming", secret=False)
    entries = list(NumberEntry.objects.filter(series__register=register).order_by("number")
                   .values_list("number", "document_id", "status", "document__arrival_number"))
    expected, problems = options["registered"], []
    if [e[0] for e in entries] != list(range(1, expected + 1)):
        numbers = [e[0] for e in entries]
        problems.append(f"{len(numbers)} numbers for {expected} registrations, {len(set(numbers))} distinct, "
                        f"from {min(numbers, default=None)} to {max(numbers, default=None)}")
    if any(document is None or status != EntryStatus.ISSUED or carried != number
           for number, document, status, carried in entries):
        problems.append("a number is not on its document")
    if len({e[1] for e in entries}) != len(entries):
        problems.append("a document has two numbers")
    documents = Document.objects.filter(body=NUMBERS_BODY, code_notation=NUMBERS_NOTATION)
    numbered = sorted(documents.exclude(arrival_number=None).values_list("arrival_number", flat=True))
    if numbered != list(range(1, expected + 1)):
        problems.append(f"the documents carry {len(numbered)} numbers, {len(set(numbered))} distinct")
    last = register.series.aggregate(last=Count("entries"))["last"]
    if register.series.get().last_number != expected or last != expected:
        problems.append(f"the series counter says {register.series.get().last_number}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM bench_counter_entry ORDER BY n")
        counted = [n for (n,) in cursor.fetchall()]
        cursor.execute("SELECT n FROM bench_counter WHERE id = 1")
        total = cursor.fetchone()[0]
    if counted != list(range(1, options["counted"] + 1)) or total != options["counted"]:
        problems.append(f"the bare counter issued {len(counted)} numbers, {len(set(counted))} distinct, up to {total}")
    if problems:
        raise RuntimeError("wrong numbers: " + "; ".join(problems))
    return {"registered": len(entries), "distinct": True, "gap_free": True, "counted": len(counted)}


def search_data(options) -> dict:
    """The 100,000 documents: ``report_rows`` in the report's register-year (most with a handling
    process, one in five with a reply), the rest anywhere; then the planner's statistics."""
    from django.db import connection, transaction  # Django is set up when a phase runs

    from documents import search
    from documents.models import Document, DocumentLink, DocumentProcess, LinkKind
    from engine import participation
    from engine.models import ProcessInstance, Task

    started = time.time()
    total, report_rows = options.get("documents", 100_000), options.get("report_rows", 5_000)
    make = _Generator(seed=options.get("seed", 12))
    report = make.report_year(report_rows)
    replies = {incoming["id"]: make.document(
        body=REPORT_BODY, direction=make.outgoing, type_code="cong_van",
        when=incoming["created_at"] + timedelta(days=make.random.randint(1, 10)))
        for incoming in report if make.random.random() < 0.2}
    rows = report + list(replies.values())
    rows += make.random_documents(total - len(rows))
    make.finish(rows)
    instances, tasks, handled = _handling(make, rows, {row["id"] for row in report})
    links = [{"source_id": reply["id"], "target_id": target, "kind": LinkKind.REPLIES_TO.value,
              "created_at": reply["created_at"]} for target, reply in replies.items()]
    generated = time.time() - started
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:  # a bulk load: the search index built once afterwards, as PostgreSQL advises
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {search.INDEX}")
        counts = {"documents": _bulk_insert(Document, rows), "instances": _bulk_insert(ProcessInstance, instances),
                  "tasks": _bulk_insert(Task, tasks), "document_processes": _bulk_insert(DocumentProcess, handled),
                  "reply_links": _bulk_insert(DocumentLink, links)}
        participation.rebuild()  # the rows went around the engine's steps, which note who worked where
    loaded = time.time() - started - generated
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(search.index_sql())
            for model in (Document, ProcessInstance, Task, DocumentProcess, DocumentLink):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
    return dict(counts, report_rows=report_rows, generate_s=round(generated, 1), load_s=round(loaded, 1),
                index_and_analyze_s=round(time.time() - started - generated - loaded, 1))


def search_queries(options) -> dict:
    """A token for the clerk, the queries (as typed and without diacritics), and how many documents
    the clerk sees and may search among."""
    from django.contrib.auth.models import User  # Django is set up when a phase runs

    from api.models import ApiToken
    from documents import access, records

    clerk = User.objects.get(username=CLERK)
    queries = [variant for words in SEARCHES for variant in dict.fromkeys([words, records.plain(words)])]
    return {"token": ApiToken.issue(clerk, name="bench search", lifetime=None)[1], "queries": queries,
            "visible": access.visible_documents(clerk).count(),
            "searchable": access.searchable_documents(clerk).count()}


def register_reports(options) -> dict:
    """The report year's book and follow-up report, each built and rendered as XLSX and as PDF by
    ``documents.reports`` for the clerk (as the API's report view does), timed one by one after a
    one-day report has loaded the fonts and openpyxl, as in a worker that has served a report before.
    Each must hold every row of the year."""
    from django.contrib.auth.models import User  # Django is set up when a phase runs

    from documents import numbering, reports

    expected = options["rows"]
    register = numbering.register_for(REPORT_BODY, "incoming", secret=False)
    since, until = date(REPORT_YEAR, 1, 1), date(REPORT_YEAR, 12, 31)
    clerk = User.objects.get(username=CLERK)
    reports.to_pdf(reports.register_book(clerk, register, since, since))
    reports.to_xlsx(reports.follow_up(clerk, register, since, since))
    figures: dict = {}
    for kind, build in (("book", reports.register_book), ("follow_up", reports.follow_up)):
        for form, render in (("xlsx", reports.to_xlsx), ("pdf", reports.to_pdf)):
            clerk = User.objects.get(username=CLERK)  # a new request's user: nothing cached on it
            started = time.perf_counter()
            report = build(clerk, register, since, until)
            counted = _counting(report)
            content = render(report)
            seconds = time.perf_counter() - started
            if counted() != expected:
                raise RuntimeError(f"the {kind} as {form} has {counted()} rows, not {expected}")
            figures[f"{kind}_{form}_s"] = round(seconds, 3)
            figures[f"{kind}_{form}_bytes"] = len(content)
    return dict(figures, rows=expected, worst_s=max(v for k, v in figures.items() if k.endswith("_s")))


def _counting(report):
    """Count the first table's rows as the renderer reads them (a book's rows are a generator)."""
    section, seen = report.sections[0], [0]

    def rows(original):
        for row in original:
            seen[0] += 1
            yield row

    section.rows = rows(section.rows)
    return lambda: seen[0]


# --- the orchestration (in the bench's process) ----------------------------------------------------


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _clients(env: dict, name: str, processes: int, **options) -> list[dict]:
    """``processes`` phase processes at once, told their index, started together on a barrier."""
    barrier = tempfile.mkdtemp(prefix="bench-barrier-")
    try:
        launched = [subprocess.Popen(
            [sys.executable, "-m", "bench.phase", name, json.dumps(dict(
                options, process_index=index, processes=processes, barrier=barrier))],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for index in range(processes)]
        results = []
        for process in launched:
            out, err = process.communicate(timeout=600)
            if process.returncode != 0:
                raise RuntimeError(f"phase {name} failed:\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        shutil.rmtree(barrier, ignore_errors=True)


def _issued(parts: list[dict], **shape) -> dict:
    latencies = [x for part in parts for x in part["latencies_ms"]]
    seconds = max(p["end"] for p in parts) - min(p["start"] for p in parts)
    return dict(shape, numbers=len(latencies), seconds=round(seconds, 2), per_s=len(latencies) / seconds,
                p50_ms=statistics.median(latencies), p95_ms=_percentile(latencies, 0.95))


def numbers_figures(env: dict, run, *, processes: int = 2, threads: int = 4, count: int = 2400) -> dict:
    """Registrations and the bare counter by the same ``processes`` × ``threads`` clients, then the check."""
    run("documents_setup", env, numbers_documents=count)
    shape = {"processes": processes, "threads": threads, "clients": processes * threads}
    counter = _issued(_clients(env, "numbers_issue", processes, mode="counter", threads=threads, count=count), **shape)
    register = _issued(_clients(env, "numbers_issue", processes, mode="register", threads=threads, count=count),
                       **shape)
    check = run("numbers_check", env, registered=register["numbers"], counted=counter["numbers"])
    return {"register_numbers_per_s": register["per_s"], "register_numbers_detail": dict(
        register, bare_counter=counter, ratio_to_bare_counter=register["per_s"] / counter["per_s"], check=check)}


#: The same run's baseline for the search: an authenticated API list the database answers from an
#: index at once (the clerk's first open task), so its time is the API's own cost on the box at that
#: moment. This box's speed moves by up to 2× within minutes (p50 20.7 then 38.5 ms for the same
#: code, 2026-12-07 03:33–03:36): the ratio tells a slow moment from a slower search.
BASELINE_PATH = "/api/v1/tasks/?page_size=1"


def _get(connection, path: str, token: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    answer = connection.getresponse()
    body = answer.read()
    return (time.perf_counter() - started) * 1000, answer.status, body


def search_latency(base: str, token: str, queries: list[str], *, rounds: int) -> dict:
    """Each query in turn, one request at a time on a kept-alive connection, each followed by the
    baseline request; the first round warms the workers and is not counted. Every search must
    answer 200 with results."""
    connection = http_client.HTTPConnection(base.removeprefix("http://"), timeout=60)
    latencies: list[float] = []
    baseline: list[float] = []
    per_query: dict[str, list[float]] = {query: [] for query in queries}
    found: dict[str, int] = {}
    for round_ in range(rounds + 1):
        for query in queries:
            elapsed, status, body = _get(connection, "/api/v1/documents/?search=" + urllib.parse.quote(query), token)
            if status != 200:
                raise RuntimeError(f"search {query!r} answered {status}: {body[:300]!r}")
            found[query] = json.loads(body)["count"]
            reference, status, body = _get(connection, BASELINE_PATH, token)
            if status != 200:
                raise RuntimeError(f"{BASELINE_PATH} answered {status}: {body[:300]!r}")
            if round_:
                latencies.append(elapsed)
                baseline.append(reference)
                per_query[query].append(elapsed)
    connection.close()
    if not all(found.values()):
        raise RuntimeError(f"a search found nothing: {found}")
    p95, baseline_p95 = _percentile(latencies, 0.95), _percentile(baseline, 0.95)
    return {"requests": len(latencies), "p50_ms": statistics.median(latencies), "p95_ms": p95,
            "p99_ms": _percentile(latencies, 0.99),
            "baseline": {"path": BASELINE_PATH, "p50_ms": statistics.median(baseline), "p95_ms": baseline_p95},
            "ratio_p95_to_baseline_p95": p95 / baseline_p95,
            "queries": {query: {"found": found[query], "median_ms": round(statistics.median(times), 1)}
                        for query, times in per_query.items()}}


def search_figures(env: dict, run, var_dir: Path, *, label: str, workers: int, threads: int, rounds: int = 5,
                   documents: int = 100_000, report_rows: int = 5_000, reports: bool = False) -> dict:
    """The ``documents`` (100,000), the clerk's searches over HTTP (``rounds`` of each, after a
    warming one), and (``reports``) the year's reports."""
    run("documents_setup", env)
    data = run("search_data", env, documents=documents, report_rows=report_rows)
    setup = run("search_queries", env)
    with http.gunicorn(env, workers=workers, threads=threads, log=var_dir / f"gunicorn-documents-{label}.log") as base:
        latency = search_latency(base, setup["token"], setup["queries"], rounds=rounds)
    detail = dict(latency, data=data, clerk_sees=setup["visible"], clerk_may_search=setup["searchable"],
                  gunicorn_workers=workers, gunicorn_threads=threads)
    figures = {f"document_search_p95_ms{label}": latency["p95_ms"], f"document_search_detail{label}": detail}
    if reports:
        report = run("register_reports", env, rows=data["report_rows"])
        figures.update(register_report_s=report["worst_s"], register_report_detail=report)
    return figures


def figures(sqlite_env: dict, var_dir: Path, run, recreate_database, *, postgres: bool, workers: int,
            threads: int) -> dict:
    """Every figure of this module: on PostgreSQL when it answers, the search on SQLite as well (and
    the reports there when PostgreSQL does not answer; the numbers figure is PostgreSQL's alone)."""
    results: dict = {}
    if postgres:
        numbers_env = dict(sqlite_env, DATABASE_URL=recreate_database("bench_doc_numbers"))
        run("prepare", numbers_env)
        results.update(numbers_figures(numbers_env, run))
        search_env = dict(sqlite_env, DATABASE_URL=recreate_database("bench_doc_search"))
        run("prepare", search_env)
        results.update(search_figures(search_env, run, var_dir, label="", workers=workers, threads=threads,
                                      reports=True))
    sqlite = dict(sqlite_env, QUYTRINH_VAR_DIR=str(var_dir / "documents-sqlite"))
    run("prepare", sqlite)
    # SQLite's figure is secondary, and over 10,000 documents: SQLite runs the "documents of my
    # processes" subquery of documents.access again for every document row (a list subquery inside
    # a correlated one), so a search costs documents × instances: 45–95 s at 100,000 documents
    # (docs/BENCHMARKS.md). The reports are then SQLite's too only when PostgreSQL does not answer.
    results.update(search_figures(sqlite, run, var_dir, label="_sqlite", workers=workers, threads=threads,
                                  rounds=2, documents=10_000, report_rows=500 if postgres else 5_000,
                                  reports=not postgres))
    return results
