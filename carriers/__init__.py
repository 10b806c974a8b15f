"""Carrier services as data: lead-time distributions, cut-offs, delivery days, prices, CO2e."""
