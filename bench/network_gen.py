"""A seeded reference network for the benchmarks, written as files the gateway loads.

    .venv/bin/python -m bench.network_gen DIR [--nodes 1000] [--skus 20000] [--seed 7]

Nodes sit on the real places of `bench/cities.csv` (175 French towns, one row per town: the
demo's node cities and their neighbours, plus 42 prefectures; town-hall coordinates to 4
decimals), each moved by a seeded jitter of up to ~8 km. One node in twenty is a
distribution centre (50 of 1,000), on distinct towns while there are towns left; the rest
are stores of three kinds modelled on the demo's (click & collect; plus same-day; plus
parcels). Stores hold about 30% of the SKUs, DCs about 90%. The carrier services and pickup
points are the demo's, and postcodes resolve offline (`places`) as for any network, so
dates, prices and CO2e follow the same rules. So are its rules, at scale: two channels (the
web shop, every node; a marketplace, the DCs and ten large stores, capped) with the demo's
rule profiles, a daily order capacity on every store (the web shop's profile filters on
it), safety stock by type, by node and by SKU at a node, and future stock at three DCs.

Same arguments, same files: the generator draws everything from one `random.Random(seed)`.
`load_stock` puts `stock.csv` into a store through `promise-gateway import-stock`.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gateway.ops.settings import DEFAULT_NETWORK_DIR
from network_loader.layout import NODE_COLUMNS

CITIES_FILE = Path(__file__).resolve().parent / "cities.csv"
DC_EVERY = 20
JITTER_KM = 8.0

DC_HOURS = "Mon-Fri 06:00-22:00; Sat 08:00-12:00"
# As the demo's DCs: every parcel service, two-person delivery, Europe, Corsica and overseas.
DC_SERVICES = (
    "COLISSIMO-48H|CHRONO-EXPRESS-24H|STORE-TRANSFER|RELAY-POINT-72H|TWO-PERSON-HOME"
    "|EU-ROAD-PARCEL|CORSICA-SEA-PARCEL|OVERSEAS-AIR-PARCEL"
)
DC_PICKUPS = (
    ("COLISSIMO-48H", "Mon-Fri", "18:00"),
    ("COLISSIMO-48H", "Sat", "11:30"),
    ("CHRONO-EXPRESS-24H", "Mon-Fri", "17:00"),
    ("RELAY-POINT-72H", "Mon-Fri", "16:30"),
    ("STORE-TRANSFER", "Mon-Fri", "18:30"),
    ("STORE-TRANSFER", "Sat", "11:00"),
    ("EU-ROAD-PARCEL", "Mon-Fri", "16:00"),
    ("TWO-PERSON-HOME", "Mon-Fri", "14:00"),
    ("CORSICA-SEA-PARCEL", "Mon-Fri", "15:00"),
    ("OVERSEAS-AIR-PARCEL", "Mon-Fri", "15:00"),
)


@dataclass(frozen=True, slots=True)
class StoreKind:
    """A kind of store of the demo network, with its share of the stores."""

    share: float
    hours: str
    capabilities: str
    services: str
    pickups: tuple[tuple[str, str, str], ...]


STORE_KINDS = (
    StoreKind(0.5, "Mon-Sat 10:00-19:30", "CLICK_AND_COLLECT", "CLICK-COLLECT", ()),
    StoreKind(
        0.35,
        "Mon-Sat 10:00-19:30",
        "CLICK_AND_COLLECT|SAME_DAY",
        "CLICK-COLLECT|COURIER-SAME-DAY",
        (("COURIER-SAME-DAY", "Mon-Sat", "12:00|15:30|17:30"),),
    ),
    StoreKind(
        0.15,
        "Mon-Sat 10:00-20:00",
        "SHIPS_PARCELS|CLICK_AND_COLLECT|SAME_DAY",
        "COLISSIMO-48H|CLICK-COLLECT|COURIER-SAME-DAY",
        (
            ("COLISSIMO-48H", "Mon-Fri", "16:00"),
            ("COURIER-SAME-DAY", "Mon-Sat", "12:00|15:30|17:30"),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class City:
    name: str
    postcode: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Shape:
    """The size of a generated network; the defaults are issue 7's reference network."""

    nodes: int = 1_000
    skus: int = 20_000
    store_share: float = 0.30
    dc_share: float = 0.90
    seed: int = 7

    @property
    def dcs(self) -> int:
        return max(1, self.nodes // DC_EVERY)


def cities() -> list[City]:
    with CITIES_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            City(row["city"], row["postcode"], float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        ]


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", ascii_name.upper()).strip("-")


def _jittered(city: City, rng: random.Random) -> tuple[float, float]:
    # Uniform in a disc of JITTER_KM around the town hall (sqrt: uniform by area).
    distance = JITTER_KM * math.sqrt(rng.random())
    bearing = rng.uniform(0.0, 2.0 * math.pi)
    dlat = distance * math.cos(bearing) / 111.2
    dlon = distance * math.sin(bearing) / (111.2 * math.cos(math.radians(city.latitude)))
    return round(city.latitude + dlat, 5), round(city.longitude + dlon, 5)


def generate(directory: Path, shape: Shape = Shape()) -> None:
    """Write the network files of `shape` into `directory` (created if missing)."""
    rng = random.Random(shape.seed)
    directory.mkdir(parents=True, exist_ok=True)
    towns = cities()
    for name in ("services.toml", "pickup_points.csv"):
        shutil.copy(DEFAULT_NETWORK_DIR / name, directory / name)
    (directory / "network.toml").write_text(
        f'name = "Benchmark reference network"\n'
        f'version = "bench-{shape.nodes}n-{shape.skus}s-{shape.seed}"\n'
        'country = "FR"\nreservation_ttl_seconds = 900\ntransfer_service = "STORE-TRANSFER"\n\n'
        "[safety_stock]\nSTORE = 2\nDC = 0\nDROPSHIP = 0\n",
        encoding="utf-8",
    )
    node_ids = _write_nodes(directory, shape, towns, rng)
    sku_ids = [f"BENCH-{number:05}" for number in range(shape.skus)]
    _write_rules(directory, node_ids, sku_ids, rng)
    with (directory / "skus.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "weight_grams"])
        for sku in sku_ids:
            writer.writerow([sku, f"Benchmark item {sku[6:]}", rng.randint(200, 30_000)])
    with (directory / "stock.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["node_id", "sku", "on_hand"])
        for node_id, is_dc in node_ids:
            share = shape.dc_share if is_dc else shape.store_share
            held = rng.sample(sku_ids, round(share * len(sku_ids)))
            for sku in sorted(held):
                on_hand = rng.randint(20, 500) if is_dc else rng.randint(3, 30)
                writer.writerow([node_id, sku, on_hand])


def _write_rules(
    directory: Path, node_ids: list[tuple[str, bool]], sku_ids: list[str], rng: random.Random
) -> None:
    """The demo's rules at scale: its two channels with their rule profiles, the daily
    capacity of stores (the web shop's profile filters on it), its kinds of safety rules."""
    dcs = [node for node, is_dc in node_ids if is_dc]
    stores = [node for node, is_dc in node_ids if not is_dc]
    large = stores[:: max(1, len(stores) // 10)][:10]
    (directory / "channels.toml").write_text(
        'default_channel = "web-fr"\n\n[channels.web-fr]\nnodes = "*"\n\n'
        '[channels.marketplace-x]\nnode_types = ["DC"]\n'
        f"nodes = {_toml_list(large)}\ncap_per_store = 5\n\n"
        '[clients]\nmarketplace-x-connector = "marketplace-x"\n',
        encoding="utf-8",
    )
    demo = (DEFAULT_NETWORK_DIR / "profiles.toml").read_text(encoding="utf-8")
    profiles = demo[demo.index("[profiles.") :]
    (directory / "profiles.toml").write_text(
        'version = "bench-profiles"\n\n[daily_capacity]\nSTORE = 40\n'
        + "".join(f"{node} = 60\n" for node in large)
        + "\n"
        + profiles,
        encoding="utf-8",
    )
    drifting = rng.sample(stores, max(1, len(stores) // 50))
    display = [(node, rng.choice(sku_ids)) for node in rng.sample(stores, min(20, len(stores)))]
    (directory / "safety.toml").write_text(
        f"future_stock_nodes = {_toml_list(dcs[:3])}\n\n[nodes]\n"
        + "".join(f'{node} = "10%"\n' for node in drifting)
        + "".join(
            f'\n[[skus]]\nnode = "{node}"\nsku = "{sku}"\nunits = 3\n' for node, sku in display
        ),
        encoding="utf-8",
    )


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def _write_nodes(
    directory: Path, shape: Shape, towns: list[City], rng: random.Random
) -> list[tuple[str, bool]]:
    """nodes.csv and pickups.csv; returns (node id, is a DC) in file order."""
    dc_towns = rng.sample(towns, min(shape.dcs, len(towns)))
    dc_towns += [rng.choice(towns) for _ in range(shape.dcs - len(dc_towns))]
    written: list[tuple[str, bool]] = []
    with (
        (directory / "nodes.csv").open("w", encoding="utf-8", newline="") as nodes_file,
        (directory / "pickups.csv").open("w", encoding="utf-8", newline="") as pickups_file,
    ):
        nodes = csv.writer(nodes_file)
        pickups = csv.writer(pickups_file)
        nodes.writerow(NODE_COLUMNS)
        pickups.writerow(["node_id", "service", "days", "times"])
        for number in range(shape.nodes):
            is_dc = number < shape.dcs
            town = dc_towns[number] if is_dc else rng.choice(towns)
            latitude, longitude = _jittered(town, rng)
            node_id = f"{'DC' if is_dc else 'ST'}-{number:05}-{_slug(town.name)}"
            collections: tuple[tuple[str, str, str], ...]
            if is_dc:
                row = ["DC", town.name, latitude, longitude, "Europe/Paris", DC_HOURS, 120]
                row += ["SHIPS_PARCELS", DC_SERVICES, 20]
                collections = DC_PICKUPS
            else:
                kind = rng.choices(STORE_KINDS, weights=[k.share for k in STORE_KINDS])[0]
                row = ["STORE", town.name, latitude, longitude, "Europe/Paris", kind.hours, 60]
                row += [kind.capabilities, kind.services, 5]
                collections = kind.pickups
            # The street address and postcode follow the city, as the columns do.
            place = [f"{number % 200 + 1} rue de la République", town.postcode]
            row = [*row[:2], *place, *row[2:]]
            nodes.writerow([node_id, f"{town.name} {'DC' if is_dc else 'store'} {number}", *row])
            for service, days, times in collections:
                pickups.writerow([node_id, service, days, times])
            written.append((node_id, is_dc))
    return written


def load_stock(directory: Path, store_url: str) -> None:
    """`promise-gateway import-stock` of the network's stock.csv into the store at `store_url`."""
    command = [sys.executable, "-m", "gateway.cli", "import-stock", str(directory / "stock.csv")]
    command += ["--network", str(directory), "--store", store_url, "--quiet"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("directory", type=Path)
    reference = Shape()
    arguments.add_argument("--nodes", type=int, default=reference.nodes)
    arguments.add_argument("--skus", type=int, default=reference.skus)
    arguments.add_argument("--seed", type=int, default=reference.seed)
    args = arguments.parse_args()
    if not 100 <= args.nodes <= 10_000:
        arguments.error("--nodes must be within 100..10,000")
    generate(args.directory, Shape(nodes=args.nodes, skus=args.skus, seed=args.seed))
    print(f"wrote {args.directory}")


if __name__ == "__main__":
    main()
