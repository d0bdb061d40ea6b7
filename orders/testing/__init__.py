"""Hypothesis strategies for a host's own tests, and the plugin that registers them."""
