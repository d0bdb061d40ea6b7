from orders import ACTIVE_STATUSES, ORDER_STATUS, TERMINAL_STATUSES


def test_order_status_has_exactly_the_reference_names_and_values() -> None:
    assert {status.name: status.value for status in ORDER_STATUS} == {
        "OPEN": 0,
        "FILLED": 1,
        "CANCELLED": 2,
        "REJECTED": 3,
        "HELD": 4,
        "TRIGGERED": 5,
        "PARTIALLY_FILLED": 6,
    }


def test_terminal_and_active_statuses_partition_the_seven() -> None:
    assert TERMINAL_STATUSES == {
        ORDER_STATUS.FILLED,
        ORDER_STATUS.CANCELLED,
        ORDER_STATUS.REJECTED,
    }
    assert ACTIVE_STATUSES == {
        ORDER_STATUS.OPEN,
        ORDER_STATUS.HELD,
        ORDER_STATUS.TRIGGERED,
        ORDER_STATUS.PARTIALLY_FILLED,
    }
    assert not TERMINAL_STATUSES & ACTIVE_STATUSES
