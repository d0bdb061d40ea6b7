"""Fills: the simulated venue, its commission and slippage models, positions."""

from orders.venue.simulated import (
    FILL_PRICES as FILL_PRICES,
    FillPrice as FillPrice,
    SimulatedVenue as SimulatedVenue,
    VenueResult as VenueResult,
    fill_prices_markdown as fill_prices_markdown,
    limit_fills_at_its_limit_or_better as limit_fills_at_its_limit_or_better,
    market_fills_at_the_open as market_fills_at_the_open,
    on_close_fills_at_the_close as on_close_fills_at_the_close,
    stop_fills_where_it_triggered as stop_fills_where_it_triggered,
)

__all__ = [
    "FILL_PRICES",
    "SimulatedVenue",
    "VenueResult",
    "fill_prices_markdown",
]
