"""Fills: the simulated venue, its commission and slippage models, positions."""

from orders.venue.simulated import (
    FILL_PRICES as FILL_PRICES,
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

__all__ = [
    "FILL_PRICES",
    "SimulatedVenue",
    "VenueResult",
    "fill_prices_markdown",
]
