"""One threshold, one setting, one suppression function for every count that leaves a
service. Reintegration's yearly figures once hid below 5 (``figures_min_cell``) while the
dashboard hid below 11: a count of 7 went out exact from one service and hidden from the
other."""

from __future__ import annotations

import pytest
from homeward_reintegration.domain.figures import YearFigures
from homeward_shared.provision import SERVICES
from homeward_shared.small_cells import DEFAULT_THRESHOLD

from tests.wiring.test_deploy import settings_class


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_reads_the_one_threshold_setting_and_no_other(service):
    fields = settings_class(service).model_fields
    assert fields["small_cell_threshold"].default == DEFAULT_THRESHOLD == 11
    others = [
        f for f in fields if "min_cell" in f or ("threshold" in f and f != "small_cell_threshold")
    ]
    assert not others, f"{service} has its own small-cell setting: {others}"


def test_reintegrations_figures_hide_what_the_dashboard_hides():
    settings = settings_class("reintegration")(database_url="postgresql://x@127.0.0.1/x")
    f = YearFigures.of(
        year=2027,
        threshold=settings.small_cell_threshold,
        reintegrated={"reunification": 7},
        kits=[],
        visits_done=7,
        followed_up=7,
        overdue=0,
        closures={},
    )
    assert f.reintegrated_by_plan == {"reunification": None}
    assert f.follow_up_visits_done is None and f.survivors_followed_up is None
    assert f.suppressed["follow_up_visits_done"] == "below_threshold"
