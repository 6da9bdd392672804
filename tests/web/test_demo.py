"""`openstx demo --scale small` loads every area, makes it searchable, and is idempotent."""

import pytest
from django.core.management import call_command

from openstx.directory.models import Expert, Organization
from openstx.exchange.models import Demand, Offer
from openstx.ipr.models import IPRecord
from openstx.library.models import Document
from openstx.portal.models import Article
from openstx.projects.models import Task
from openstx.reports.models import BudgetYear
from openstx.search.service import search


@pytest.mark.django_db(transaction=True)
def test_small_demo_fills_every_area_and_is_searchable(capsys):
    call_command("demo", scale="small")
    counts = {
        m.__name__: m.objects.count()
        for m in (
            Organization,
            Expert,
            Offer,
            Demand,
            Task,
            IPRecord,
            Document,
            Article,
            BudgetYear,
        )
    }
    assert all(counts.values()), counts
    assert Organization.objects.filter(external_id__startswith="demo-org-").count() == 12
    assert counts["Expert"] == 60
    hits = search("thuy san", user=None).total
    assert hits > 0  # written by bulk inserts, made searchable before the command returned
    call_command("demo", scale="small")
    assert Organization.objects.count() == counts["Organization"]  # a second run adds nothing
    assert Document.objects.count() == counts["Document"]
    assert "already loaded" in capsys.readouterr().out
