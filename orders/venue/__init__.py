"""Fills: the simulated venue, its commission and slippage models, positions."""

from orders.venue.simulated import (
    FILL_PRICES as FILL_PRICES,
)
from orders.venue.simulated import (
    FillPrice as FillPrice,
)
from orders.venue.simulated import (
    SimulatedVenue as SimulatedVenue,
)
from orders.venue.simulated import (
    VenueResult as VenueResult,
)
from orders.venue.simulated import (
    fill_prices_markdown as fill_prices_markdown,
)
from orders.venue.simulated import (
    limit_fills_at_its_limit_or_better as limit_fills_at_its_limit_or_better,
)
from orders.venue.simulated import (
    market_fills_at_the_open as market_fills_at_the_open,
)
from orders.venue.simulated import (
    on_close_fills_at_the_close as on_close_fills_at_the_close,
)
from orders.venue.simulated import (
    stop_fills_where_it_triggered as stop_fills_where_it_triggered,
)

__all__ = [
    "FILL_PRICES",
    "SimulatedVenue",
    "VenueResult",
    "fill_prices_markdown",
]
