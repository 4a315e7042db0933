"""Data of the demo township, 栗子乡 of 丰都县 (seed 001 and seed 000), as plain Python.

Nothing here touches the database: `township.load_demo` turns these descriptions into records
through the app's services. People are generated deterministically (random.Random(2024)), so
every run describes exactly the same township and the loader can find what already exists.

The county and township codes are the real statistical division codes; villages, grids,
people, phone numbers and identity numbers are invented. Identity numbers are synthetic
(region 500230, valid check digit) and belong to nobody.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shouwang.core.validators import make_citizen_id

COUNTY = {"name": "丰都县", "code": "500230000000"}
TOWNSHIP = {"name": "栗子乡", "code": "500230209000", "urban_rural_code": "210"}

# Township extent (WGS-84): about 11.6 km east–west and 8.9 km north–south.
LON_EDGES = (107.67, 107.71, 107.75, 107.79)
LAT_EDGES = (29.84, 29.865, 29.895, 29.92)


def rectangle(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A GeoJSON Polygon for a lon/lat box (counter-clockwise exterior ring)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]]}


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[x, y] for x, y in points]}


TOWNSHIP_BOUNDARY = rectangle(LON_EDGES[0], LAT_EDGES[0], LON_EDGES[-1], LAT_EDGES[-1])


@dataclass(frozen=True)
class Village:
    key: str
    name: str
    code: str  # 12 digits
    box: tuple[float, float, float, float]  # west, south, east, north
    grids: int
    urban_rural_code: str = "220"  # 村庄

    def grid_code(self, n: int) -> str:
        return f"{self.code}{n:03d}"

    def grid_name(self, n: int) -> str:
        return f"{self.name}第{'一二三四五'[n - 1]}网格"

    def grid_box(self, n: int) -> tuple[float, float, float, float]:
        west, south, east, north = self.box
        width = (east - west) / self.grids
        return (west + width * (n - 1), south, west + width * n, north)

    @property
    def centre(self) -> tuple[float, float]:
        west, south, east, north = self.box
        return (round((west + east) / 2, 5), round((south + north) / 2, 5))


_X, _Y = LON_EDGES, LAT_EDGES
# A 3 × 3 patchwork: the town centre in the middle, the high mountain villages to the north,
# the pumped-storage project's villages to the south; the railway runs west–east through the
# middle band.
VILLAGES = [
    Village("lizi_community", "栗子社区", "500230209001", (_X[1], _Y[1], _X[2], _Y[2]), 3, "210"),
    Village("lizi", "栗子村", "500230209200", (_X[0], _Y[1], _X[1], _Y[2]), 2),
    Village("jinlong", "金龙村", "500230209201", (_X[1], _Y[0], _X[3], _Y[1]), 2),
    Village("qinglong", "青龙村", "500230209202", (_X[0], _Y[0], _X[1], _Y[1]), 2),
    Village("shuangying", "双鹰村", "500230209203", (_X[1], _Y[2], _X[2], _Y[3]), 1),
    Village("fuxing", "复兴村", "500230209204", (_X[2], _Y[1], _X[3], _Y[2]), 2),
    Village("sanfu", "三抚村", "500230209205", (_X[2], _Y[2], _X[3], _Y[3]), 1),
    Village("laochangping", "老厂坪村", "500230209206", (_X[0], _Y[2], _X[1], _Y[3]), 1),
]
VILLAGE = {v.key: v for v in VILLAGES}


# The tables below keep one entry per line group, in the order of the record's fields.
# fmt: off

# --- Organisations (成员单位) ------------------------------------------------------------------
# key: (name, kind, village key, address, lon, lat, contact phone)
ORGANISATIONS: dict[str, tuple[str, str, str, str, float, float, str]] = {
    "government": ("栗子乡人民政府", "township_office", "lizi_community",
                   "丰都县栗子乡栗子社区场镇正街1号", 107.7312, 29.8808, "023-70711001"),
    "police": ("栗子派出所警务室", "police_station", "lizi_community",
               "丰都县栗子乡栗子社区场镇正街8号", 107.7321, 29.8803, "023-70711110"),
    "primary_school": ("栗子乡中心校", "school", "lizi_community",
                       "丰都县栗子乡栗子社区学堂路12号", 107.7268, 29.8786, "023-70711052"),
    "middle_school": ("栗子乡中学", "school", "lizi_community",
                      "丰都县栗子乡栗子社区学堂路36号", 107.7245, 29.8822, "023-70711063"),
    "bank": ("农商银行栗子支行", "bank", "lizi_community",
             "丰都县栗子乡栗子社区场镇正街25号", 107.7336, 29.8812, "023-70711085"),
    "hospital": ("栗子乡卫生院", "hospital", "lizi_community",
                 "丰都县栗子乡栗子社区新街3号", 107.7352, 29.8791, "023-70711120"),
    "enterprise": ("抽水蓄能电站项目部", "enterprise", "jinlong",
                   "丰都县栗子乡金龙村下坝组", 107.7580, 29.8525, "023-70711268"),
    "railway": ("工务段栗子线路工区", "railway_unit", "fuxing",
                "丰都县栗子乡复兴村铁路工区", 107.7640, 29.8690, "023-70711303"),
    "committee_lizi": ("栗子村村民委员会", "village_committee", "lizi",
                       "丰都县栗子乡栗子村村委会", 107.6905, 29.8790, "023-70711411"),
    "committee_jinlong": ("金龙村村民委员会", "village_committee", "jinlong",
                          "丰都县栗子乡金龙村村委会", 107.7480, 29.8560, "023-70711422"),
}

# --- Teams (队伍) -----------------------------------------------------------------------------
PATROL_RULE = [
    {"roles": ["police_officer"], "min": 1, "max": 1},
    {"roles": ["auxiliary_police"], "min": 1, "max": 1},
    {"roles": ["duty_official"], "min": 2, "max": 2},
    {"roles": ["security_officer", "grid_worker", "persuader", "mediator", "law_enforcement"],
     "min": 1, "max": None},
]
# key: (name, kind, composition rule, note)
TEAMS: dict[str, tuple[str, str, list[dict[str, Any]], str]] = {
    "patrol": ("栗子乡专（兼）职巡防队", "part_time_patrol", PATROL_RULE,
               "“2+2+X”：警务室1名民警+1名辅警，政府2名值班人员，属地综治专干、网格员、"
               "劝导员、调解员及取得执法资格的执法人员。栗子府发〔2024〕39号。"),
    "guards": ("栗子乡保安联防队", "guard_team",
               [{"roles": ["security_guard"], "min": 7, "max": None}],
               "整合中心校3名、中学3名和金融网点1名保安，由巡防队带领就近开展巡逻联勤。"),
    "rail": ("栗子乡护路联防队", "rail_protection",
             [{"roles": ["railway_protector"], "min": 6, "max": None}],
             "渝利铁路栗子段护路联防，警方、路方、地方三方联勤；“五必巡逻”。"),
    "red_armband": ("栗子社区红袖标巡逻队", "red_armband", [],
                    "场镇义务巡逻，边巡边宣；重大节日、赶场天加密巡逻。"),
    "mediators": ("栗子乡人民调解员队伍", "mediators", [],
                  "乡、村两级人民调解员，矛盾纠纷排查化解。"),
}

# --- People ---------------------------------------------------------------------------------
SURNAMES = (
    "陈陈陈王王王李李刘刘张张杨杨黄周吴谭谭秦冉冉向向何罗熊徐邓彭蒋唐廖龚余"
    "秦秦谭冉易付曾朱胡"
)
MALE_GIVEN = "伟强军勇明华建国志平德林海波洪刚兵福贵成文武长春祥富全超鹏明江涛"
FEMALE_GIVEN = "芳秀英兰玉梅丽燕琴霞红娟桂珍敏静凤莉萍艳春蓉琼"

# fmt: on

REGION6 = "500230"  # 丰都县
ADMISSION_FROM = date(2019, 3, 1)
ADMISSION_TO = date(2024, 5, 17)  # the date of 栗子府发〔2024〕39号


@dataclass
class Person:
    key: str
    name: str
    gender: str
    phone: str
    citizen_id: str
    roles: list[str]
    jurisdiction: str  # "township" or a village key
    home: str  # village key, or "village_key#n" for a grid
    teams: list[str]
    employment_type: str
    admission_date: str
    employer: str | None = None


@dataclass(frozen=True)
class Group:
    """How many people of one kind, and what they share."""

    prefix: str
    count: int
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    employment_type: str
    ages: tuple[int, int]
    jurisdiction: str | tuple[str, ...] = "township"
    employer: str | tuple[str, ...] | None = None
    female_share: float = 0.3


RAIL_VILLAGES = ("lizi", "lizi_community", "jinlong", "fuxing")

# fmt: off
GROUPS: list[Group] = [
    Group("police", 1, ("police_officer",), ("patrol",), "full_time", (30, 45),
          employer="police", female_share=0.0),
    Group("auxiliary", 1, ("auxiliary_police",), ("patrol",), "full_time", (23, 35),
          employer="police", female_share=0.0),
    Group("duty", 8, ("duty_official",), ("patrol",), "part_time", (26, 54),
          employer="government", female_share=0.35),
    Group("law", 2, ("law_enforcement",), ("patrol",), "part_time", (28, 50),
          employer="government"),
    Group("security_officer", 2, ("security_officer", "information_officer"), ("patrol",),
          "full_time", (28, 50), jurisdiction=("lizi_community", "jinlong")),
    Group("persuader", 2, ("persuader",), ("patrol",), "part_time", (35, 60),
          jurisdiction=("lizi_community", "lizi")),
    Group("driver", 1, ("driver",), ("patrol",), "full_time", (30, 50),
          employer="government", female_share=0.0),
    Group("mediator", 4, ("mediator",), ("mediators",), "part_time", (45, 65),
          jurisdiction=("lizi_community", "jinlong", "qinglong", "fuxing"), female_share=0.4),
    Group("guard", 7, ("security_guard",), ("guards",), "full_time", (42, 60),
          jurisdiction="lizi_community",
          employer=("primary_school",) * 3 + ("middle_school",) * 3 + ("bank",),
          female_share=0.15),
    Group("rail", 10, ("railway_protector",), ("rail",), "part_time", (38, 62),
          jurisdiction=RAIL_VILLAGES * 3, female_share=0.1),
    Group("volunteer", 8, ("volunteer",), ("red_armband",), "volunteer", (48, 70),
          jurisdiction="lizi_community", female_share=0.5),
]

# Extra qualifications: the first duty official leads the patrol team and also mediates; the
# second (平安法治岗) holds a law-enforcement certificate; the first mediator also patrols.
EXTRA_ROLES = {"duty1": ["mediator"], "duty2": ["law_enforcement"]}
EXTRA_TEAMS = {"mediator1": ["patrol"], "duty1": ["mediators"]}

LEADERS = {"patrol": "duty1", "guards": "guard1", "rail": "rail1",
           "red_armband": "volunteer1", "mediators": "mediator1"}
# fmt: on


def _birth(rng: random.Random, ages: tuple[int, int]) -> date:
    age = rng.randint(*ages)
    return date(2024 - age, rng.randint(1, 12), rng.randint(1, 28))


def _admission(rng: random.Random) -> str:
    span = (ADMISSION_TO - ADMISSION_FROM).days
    return (ADMISSION_FROM + timedelta(days=rng.randint(0, span))).isoformat()


def build_people() -> list[Person]:
    """All demo members; the same list on every call."""
    rng = random.Random(2024)
    names: set[str] = set()
    phones: set[str] = set()
    ids: set[str] = set()
    people: list[Person] = []

    def unique(make: Any, seen: set[str]) -> str:
        while True:
            value = make()
            if value not in seen:
                seen.add(value)
                return str(value)

    def person(key: str, group: Group, index: int, jurisdiction: str, home: str) -> Person:
        gender = "female" if rng.random() < group.female_share else "male"
        pool = FEMALE_GIVEN if gender == "female" else MALE_GIVEN

        def make_name() -> str:
            given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))
            return rng.choice(SURNAMES) + given

        name = unique(make_name, names)
        phone = unique(lambda: f"1389{rng.randrange(10**7):07d}", phones)

        def make_id() -> str:
            seq = rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            return make_citizen_id(REGION6, _birth(rng, group.ages), seq % 1000)

        citizen_id = unique(make_id, ids)
        employer = group.employer
        if isinstance(employer, tuple):
            employer = employer[index]
        return Person(
            key=key,
            name=name,
            gender=gender,
            phone=phone,
            citizen_id=citizen_id,
            roles=[*group.roles, *EXTRA_ROLES.get(key, [])],
            jurisdiction=jurisdiction,
            home=home,
            teams=[*group.teams, *EXTRA_TEAMS.get(key, [])],
            employment_type=group.employment_type,
            admission_date=_admission(rng),
            employer=employer,
        )

    for group in GROUPS:
        for index in range(group.count):
            key = f"{group.prefix}{index + 1}"
            where = group.jurisdiction
            if isinstance(where, tuple):
                where = where[index]
            home = where if where != "township" else rng.choice(VILLAGES).key
            people.append(person(key, group, index, where, home))

    # One grid worker per grid; the town-centre grid workers also patrol with the team.
    for village in VILLAGES:
        for n in range(1, village.grids + 1):
            key = f"grid_{village.key}_{n}"
            teams = ("patrol",) if village.key == "lizi_community" else ()
            group = Group(
                "grid", 1, ("grid_worker",), teams, "full_time", (25, 50), female_share=0.5
            )
            people.append(person(key, group, 0, village.key, f"{village.key}#{n}"))
    return people


# --- Zones, key places, lines, routes, posts ------------------------------------------------
# fmt: off
RAILWAY_LINE = "渝利铁路"
RAILWAY_POINTS = [
    (107.67, 29.8720), (107.70, 29.8690), (107.715, 29.8676), (107.73, 29.8650),
    (107.745, 29.8602), (107.76, 29.8580), (107.79, 29.8530),
]
# (name, start, end, slice of RAILWAY_POINTS, local chief (member key), railway chief,
#  patrol method, note)
RAIL_SEGMENTS = [
    ("渝利铁路栗子村段", "K261+160", "K265+400", (0, 3), "rail1", "重庆工务段 刘永清",
     "foot", "栗子村境内，含上跨公路桥。"),
    ("渝利铁路场镇段", "K265+400", "K269+300", (2, 5), "rail2", "重庆工务段 何建平",
     "foot", "栗子社区、金龙村境内，含场镇道口、栗子河特大桥。"),
    ("渝利铁路复兴村段", "K269+300", "K273+650", (4, 7), "rail3", "重庆工务段 谢长明",
     "vehicle", "金龙村、复兴村境内，山高坡陡，车巡为主。"),
]
# (name, line name, start, end, road chief (member key), road authority contact, method,
#  geometry, note)
ROAD_SEGMENT = ("县道X183栗三路栗子段", "县道X183栗三路", "K0+000", "K8+600", "duty3",
                "丰都县公路养护中心 冉光明", "vehicle",
                line((107.7330, 29.8815), (107.745, 29.8880), (107.760, 29.8990),
                     (107.775, 29.9080), (107.790, 29.9150)),
                "路长制：乡级路长负责栗子场镇至三建乡界路段。")

# The railway corridor: 400 m (about 0.004°) either side of the line.
RAIL_CORRIDOR = {
    "type": "Polygon",
    "coordinates": [
        [[x, round(y + 0.004, 5)] for x, y in RAILWAY_POINTS]
        + [[x, round(y - 0.004, 5)] for x, y in reversed(RAILWAY_POINTS)]
        + [[RAILWAY_POINTS[0][0], round(RAILWAY_POINTS[0][1] + 0.004, 5)]]
    ],
}

# key: (name, kind, village keys, patrols, per, geometry, note)
ZONES: dict[str, tuple[str, str, list[str], int, str, dict[str, Any], str]] = {
    "town": ("场镇集中区", "town_centre", ["lizi_community"], 1, "day",
             rectangle(*VILLAGE["lizi_community"].box),
             "流动人口较多，学校、医院等重点场所集中：护学岗、夜巡岗、逢“369”街面岗。"),
    "enterprise": ("企业生产区", "enterprise", ["jinlong", "qinglong"], 1, "week",
                   rectangle(_X[0], _Y[0], _X[3], _Y[1]),
                   "抽水蓄能项目征地村及厂区：征地拆迁、劳资纠纷，非赶集日车巡，错时巡防。"),
    "mountain": ("高山留守区", "mountain", ["laochangping", "shuangying", "sanfu"], 1, "month",
                 rectangle(_X[0], _Y[2], _X[3], _Y[3]),
                 "留守老人、妇女和儿童多：走村入户，排查矛盾纠纷，宣讲法律和防范知识。"),
    "railway": ("铁路沿线", "railway_corridor", list(RAIL_VILLAGES), 1, "day", RAIL_CORRIDOR,
                "渝利铁路栗子段两侧，“五必巡逻”：节日敏感节点、赶场天、恶劣天气、"
                "学生上下学、列车通过时段。"),
}

# key: (name, kind, village, zone, organisation, address, lon, lat, QR checkpoint, note)
KEY_PLACES: dict[str, tuple[Any, ...]] = {
    "primary_school": ("栗子乡中心校", "school", "lizi_community", "town", "primary_school",
                       "栗子社区学堂路12号", 107.7268, 29.8786, True, "每日16:00护学岗。"),
    "middle_school": ("栗子乡中学", "school", "lizi_community", "town", "middle_school",
                      "栗子社区学堂路36号", 107.7245, 29.8822, True,
                      "周五13:25、周日14:00护学岗（住校生返校、离校）。"),
    "hospital": ("栗子乡卫生院", "hospital", "lizi_community", "town", "hospital",
                 "栗子社区新街3号", 107.7352, 29.8791, False, ""),
    "market": ("栗子场镇集贸市场", "market", "lizi_community", "town", None,
               "栗子社区场镇正街", 107.7300, 29.8798, True, "逢三、六、九赶场，10:00街面岗。"),
    "bank": ("农商银行栗子支行营业网点", "bank", "lizi_community", "town", "bank",
             "栗子社区场镇正街25号", 107.7336, 29.8812, False, ""),
    "hotel": ("栗子乡客栈", "hotel", "lizi_community", "town", None,
              "栗子社区新街18号", 107.7341, 29.8779, False, "实名登记、未成年人入住“五必须”。"),
    "rental": ("场镇新街出租房集中区", "rental_cluster", "lizi_community", "town", None,
               "栗子社区新街20–48号", 107.7362, 29.8772, False, "项目施工人员租住较多。"),
    "enterprise": ("抽水蓄能电站施工区", "dangerous_goods", "jinlong", "enterprise",
                   "enterprise", "金龙村下坝组", 107.7580, 29.8525, True,
                   "施工区及民爆物品临时储存点；征地拆迁、劳资纠纷重点部位。"),
    "level_crossing": ("场镇铁路道口", "level_crossing", "lizi_community", "railway", None,
                       "渝利铁路K265+900", 107.7200, 29.8668, True, "有人看守道口。"),
    "bridge": ("栗子河特大桥", "bridge", "jinlong", "railway", "railway",
               "渝利铁路K268+200", 107.7400, 29.8618, True, "桥下道路及桥墩防护。"),
    "overbridge": ("栗子村上跨铁路公路桥", "overbridge", "lizi", "railway", None,
                   "渝利铁路K264+050", 107.7000, 29.8690, False, "防抛网、限高架。"),
}

# key: (name, zone, method, geometry, note)
ROUTES: dict[str, tuple[str, str, str, dict[str, Any], str]] = {
    "night": ("场镇夜巡路线", "town", "foot",
              line((107.7312, 29.8808), (107.7336, 29.8812), (107.7352, 29.8791),
                   (107.7362, 29.8772), (107.7300, 29.8798), (107.7268, 29.8786),
                   (107.7245, 29.8822), (107.7312, 29.8808)),
              "乡政府—银行—卫生院—新街出租房—集贸市场—中心校—中学—乡政府。"),
    "enterprise": ("企业区车巡路线", "enterprise", "vehicle",
                   line((107.7312, 29.8808), (107.7300, 29.8700), (107.7450, 29.8602),
                        (107.7480, 29.8560), (107.7580, 29.8525), (107.7700, 29.8480),
                        (107.6900, 29.8520)),
                   "从乡政府统一着装出发，经金龙村村委会至抽水蓄能电站施工区，再至青龙村。"),
    "mountain": ("高山走访路线", "mountain", "vehicle",
                 line((107.7312, 29.8808), (107.7300, 29.9000), (107.7300, 29.9100),
                      (107.7700, 29.9080), (107.6900, 29.9100)),
                 "双鹰村—三抚村—老厂坪村，走村入户。"),
}

# (name, kind, team, start, minutes, minutes ahead, key place, zone, route, note)
POSTS: list[tuple[Any, ...]] = [
    ("中心校护学岗", "school_gate", "patrol", "16:00", 60, 20, "primary_school", "town", None,
     "每日下午4时放学时段；保安联防队就近配合。"),
    ("中学护学岗（周五）", "school_gate", "patrol", "13:25", 60, 20, "middle_school", "town",
     None, "每周五下午1时25分，住校生离校。"),
    ("中学护学岗（周日）", "school_gate", "patrol", "14:00", 60, 20, "middle_school", "town",
     None, "每周日下午2时，住校生返校。"),
    ("场镇夜巡岗", "night_patrol", "patrol", "20:00", 120, 0, None, "town", "night",
     "每日夜间20时，连点成线。"),
    ("逢三六九街面岗", "street", "patrol", "10:00", 120, 0, "market", "town", None,
     "逢“369”赶集日上午10时。"),
    ("企业区巡逻", "zone_patrol", "patrol", "09:30", 180, 0, None, "enterprise", "enterprise",
     "每周1次，提前安排非赶集日，车巡。"),
    ("高山走村入户", "household_visit", "patrol", "09:00", 240, 0, None, "mountain",
     "mountain", "每月1次，走访在册精神障碍患者、极端言行人员和重点保护未成年人。"),
]
# A railway patrol post per railway segment: start time and minutes.
RAIL_POST_TIME = ("08:30", 180)

# --- Calendar records (五必巡逻 triggers) ------------------------------------------------------
# School bell times (作息时间): weekday (1 = Monday) → [(event, time)]. 中心校 dismisses at
# 16:00 all year (seed 001) and starts later in winter; 中学 is a boarding school: pupils
# leave on Friday 13:25 and return on Sunday 14:00.
_WEEK = (1, 2, 3, 4, 5)


def bell_table(*events: tuple[str, str], days: tuple[int, ...] = _WEEK) -> dict[str, Any]:
    return {str(d): [{"kind": k, "time": t} for k, t in events] for d in days}


SCHOOL_TERMS = [
    {"name": "2026年秋季学期", "start": "2026-09-01", "end": "2027-01-22"},
    {"name": "2027年春季学期", "start": "2027-02-22", "end": "2027-07-02"},
]
SCHOOL_VACATIONS = [
    {"name": "2027年寒假", "start": "2027-01-23", "end": "2027-02-21"},
]
# key place key: (summer timetable, winter timetable, overrides, note)
SCHOOL_CALENDARS: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]] = {
    "primary_school": (
        bell_table(("arrival", "07:50"), ("dismissal", "16:00")),
        bell_table(("arrival", "08:10"), ("dismissal", "16:00")),
        {},
        "夏季作息5月1日起、冬季作息10月1日起（县教委通知）。",
    ),
    "middle_school": (
        bell_table(("leave", "13:25"), days=(5,)) | bell_table(("return", "14:00"), days=(7,)),
        bell_table(("leave", "13:25"), days=(5,)) | bell_table(("return", "14:00"), days=(7,)),
        # Before National Day the boarders leave on Wednesday; no return on the Sunday in it.
        {"2026-09-30": [{"kind": "leave", "time": "13:25", "label": "国庆放假"}]},
        "寄宿制：周五13:25离校，周日14:00返校；节假日前离校另行通知。",
    ),
}
# (name, first day, last day, level, zone keys (empty: whole township), note)
KEY_PERIODS: list[tuple[str, str, str, str, list[str], str]] = [
    ("2027年春节安保", "2027-01-30", "2027-02-14", "一级", [],
     "春运及春节期间：场镇、集市、铁路沿线加密巡逻。"),
    ("“两会”敏感节点", "2027-03-03", "2027-03-12", "二级", ["town", "railway"],
     "全国两会期间重点时段。"),
]
# (kind, level, starts, ends, zone keys, issuer, note)
WEATHER_WARNINGS: list[tuple[str, str, str, str, list[str], str, str]] = [
    ("high_wind", "yellow", "2026-11-18T14:00:00+08:00", "2026-11-19T08:00:00+08:00",
     ["railway"], "丰都县气象台", "大风黄色预警：铁路沿线清理轻飘物。"),
]
# (segment index in RAIL_SEGMENTS, chainage, train, direction, passes at, days)
TRAIN_PASSAGES: list[tuple[int, str, str, str, str, str]] = [
    (0, "K263+200", "D2261", "up", "08:41", "daily"),
    (0, "K263+200", "D2264", "down", "09:02", "daily"),
    (1, "K266+800", "D2261", "up", "08:44", "daily"),
    (1, "K266+800", "D2264", "down", "08:59", "daily"),
    (1, "K266+800", "G1331", "up", "09:26", "weekends"),
    (2, "K271+000", "D2261", "up", "08:47", "daily"),
    (2, "K271+000", "D2264", "down", "08:56", "daily"),
]

# (username, role key, where: "county" | "township" | a village key, team key, display name:
#  the key of the member whose name it shows, or "@…" for OTHER_NAMES)
LOGINS: list[tuple[str, str, str, str | None, str]] = [
    ("county", "county_supervisor", "county", None, "@county"),
    ("office", "township_staff", "township", None, "duty2"),
    ("leader", "team_leader", "township", "patrol", "duty1"),
    ("patrol", "patrol_member", "township", "patrol", "auxiliary1"),
    ("grid", "grid_worker", "lizi_community", None, "grid_lizi_community_1"),
    ("concerns", "concern_officer", "township", None, "@concerns"),
    ("auditor", "auditor", "township", None, "@auditor"),
]
OTHER_NAMES = {
    "@county": "谭志刚（县委政法委）",
    "@concerns": "秦晓梅（乡综治中心）",
    "@auditor": "冉秀英（乡纪委）",
}
# fmt: on
