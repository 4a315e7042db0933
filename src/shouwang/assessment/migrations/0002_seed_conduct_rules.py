"""Seed the conduct rules for members (五要十不准) with a sample list; each township adapts the
wording to its own rules (栗子乡《群防群治队员“五要十不准”》 and the like)."""

from decimal import Decimal

from django.db import migrations

RULES = [
    ("must", "要1", "要坚定信念、遵纪守法，服从指挥"),
    ("must", "要2", "要按时到岗、坚守岗位，完成巡防任务"),
    ("must", "要3", "要文明执勤、热情服务群众"),
    ("must", "要4", "要如实填写巡查日志，及时报告隐患和情况"),
    ("must", "要5", "要团结协作、见义勇为"),
    ("must_not", "不准1", "不准迟到早退、擅离岗位"),
    ("must_not", "不准2", "不准酒后执勤"),
    ("must_not", "不准3", "不准吃拿卡要、收受财物"),
    ("must_not", "不准4", "不准打骂、刁难群众"),
    ("must_not", "不准5", "不准泄露群众信息和工作秘密"),
    ("must_not", "不准6", "不准超越职权处置案事件"),
    ("must_not", "不准7", "不准弄虚作假、虚报巡查记录"),
    ("must_not", "不准8", "不准参与赌博、涉黄涉毒活动"),
    ("must_not", "不准9", "不准执勤时着装不整、做与工作无关的事"),
    ("must_not", "不准10", "不准以队员名义从事营利活动"),
]


def seed(apps, schema_editor):
    ConductRule = apps.get_model("assessment", "ConductRule")
    for order, (kind, code, text) in enumerate(RULES, start=1):
        points = Decimal(2) if kind == "must" else Decimal(5)
        ConductRule.objects.get_or_create(
            code=code,
            defaults={"kind": kind, "text": text, "default_points": points, "sort_order": order},
        )


def unseed(apps, schema_editor):
    ConductRule = apps.get_model("assessment", "ConductRule")
    ConductRule.objects.filter(code__in=[code for _k, code, _t in RULES], breaches=None).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_schemes_runs_and_conduct")]

    operations = [migrations.RunPython(seed, unseed)]
