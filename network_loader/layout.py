"""The files of a network directory, their columns, and the shape of the identifiers in them."""

from __future__ import annotations

import re

NETWORK_FILE = "network.toml"
SERVICES_FILE = "services.toml"
NODES_FILE = "nodes.csv"
SKUS_FILE = "skus.csv"
STOCK_FILE = "stock.csv"
PICKUPS_FILE = "pickups.csv"
PICKUP_POINTS_FILE = "pickup_points.csv"

NODE_COLUMNS = (
    "id",
    "name",
    "type",
    "city",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "timezone",
    "opening_hours",
    "preparation_minutes",
    "capabilities",
    "services",
    "priority",
)
# Optional: a node's holiday calendar when it is not the network's country's national one.
NODE_OPTIONAL_COLUMNS = ("country", "subdivision")
SKU_COLUMNS = ("sku", "name", "weight_grams")
SKU_OPTIONAL_COLUMNS = ("length_mm",)
STOCK_COLUMNS = ("node_id", "sku", "on_hand")
PICKUP_COLUMNS = ("node_id", "service", "days", "times")
PICKUP_POINT_COLUMNS = (
    "id",
    "name",
    "type",
    "city",
    "postcode",
    "latitude",
    "longitude",
    "opening_hours",
    "services",
)

CHANNELS_FILE = "channels.toml"
SAFETY_FILE = "safety.toml"
PROFILES_FILE = "profiles.toml"

IDENTIFIER = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
COUNTRY = re.compile(r"[A-Z]{2}")
FRENCH_POSTCODE = re.compile(r"\d{5}")
