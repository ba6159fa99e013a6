"""Korean date patterns: UTC instants shown as Asia/Seoul wall time."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from feedserver import dates

INSTANT = datetime(2024, 5, 6, 23, 46, tzinfo=UTC)  # 2024-05-07 08:46 in Seoul


def test_list_date_shows_seoul_day():
    assert dates.list_date(INSTANT) == "2024.05.07"


def test_detail_datetime_shows_seoul_wall_time():
    assert dates.detail_datetime(INSTANT) == "2024-05-07 08:46"


def test_iso_kst_has_plus_nine_offset():
    assert dates.iso_kst(INSTANT) == "2024-05-07T08:46:00+09:00"


def test_to_kst_keeps_the_instant():
    local = dates.to_kst(INSTANT)
    assert local.utcoffset() == timedelta(hours=9)
    assert local == INSTANT
    assert (local.hour, local.minute, local.day) == (8, 46, 7)


@pytest.mark.parametrize("utc, day, wall", [
    (datetime(2024, 12, 31, 14, 59, tzinfo=UTC), "2024.12.31", "2024-12-31 23:59"),
    (datetime(2024, 12, 31, 15, 0, tzinfo=UTC), "2025.01.01", "2025-01-01 00:00"),
    (datetime(2024, 2, 28, 15, 30, tzinfo=UTC), "2024.02.29", "2024-02-29 00:30"),
])
def test_seoul_midnight_boundary(utc, day, wall):
    assert dates.list_date(utc) == day
    assert dates.detail_datetime(utc) == wall


def test_other_offsets_are_converted_not_relabelled():
    berlin_summer = timezone(timedelta(hours=2))
    instant = datetime(2024, 5, 7, 1, 46, tzinfo=berlin_summer)  # == INSTANT
    assert dates.detail_datetime(instant) == "2024-05-07 08:46"
    assert dates.iso_kst(instant) == "2024-05-07T08:46:00+09:00"


def test_naive_datetime_refused_by_to_kst_and_iso_kst():
    naive = datetime(2024, 5, 6, 23, 46)
    with pytest.raises(ValueError, match="naive"):
        dates.to_kst(naive)
    with pytest.raises(ValueError, match="naive"):
        dates.iso_kst(naive)


def test_naive_datetime_formatted_as_utc_by_babel_patterns():
    """list_date/detail_datetime do not check: Babel reads a naive value as UTC."""
    naive = datetime(2024, 5, 6, 23, 46)
    assert dates.list_date(naive) == "2024.05.07"
    assert dates.detail_datetime(naive) == "2024-05-07 08:46"


def test_parse_kst_input_gives_aware_utc():
    parsed = dates.parse_kst_input(" 2024-05-07T08:46 ")
    assert parsed == INSTANT
    assert parsed.tzinfo is UTC
    assert dates.detail_datetime(parsed) == "2024-05-07 08:46"


def test_parse_kst_input_refuses_other_shapes():
    with pytest.raises(ValueError):
        dates.parse_kst_input("2024-05-07 08:46")
