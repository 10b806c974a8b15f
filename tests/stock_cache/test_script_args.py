"""The networks the Redis scripts are told about: found again, never mistaken for another."""

from __future__ import annotations

from stock_cache._script_args import SECTIONS, ScriptArgs, section_of
from tests.stock_cache.support import LYON, MARSEILLE, PARIS, RULES


def test_a_list_of_nodes_changed_in_place_is_a_new_network() -> None:
    args = ScriptArgs(RULES)
    listed = [LYON, PARIS]
    before = args.network(None, listed)
    listed.append(MARSEILLE)

    after = args.network(None, listed)

    assert before.nodes == (LYON, PARIS)
    assert after.nodes == (LYON, PARIS, MARSEILLE)
    assert after.field != before.field


def test_the_same_tuple_under_another_channel_is_another_network() -> None:
    args = ScriptArgs(RULES)
    nodes = (LYON, PARIS, MARSEILLE)

    web, anywhere = args.network("web-fr", nodes), args.network(None, nodes)

    assert args.network("web-fr", nodes) is web
    assert web.field != anywhere.field


def test_sections_hold_every_node_once() -> None:
    nodes = tuple(f"STORE-{n:04}" for n in range(1_000))
    network = ScriptArgs(RULES).network(None, nodes)

    assert sorted(node for part in network.sections.values() for node in part) == sorted(nodes)
    assert len(network.sections) == SECTIONS
    assert network.sections_text == ",".join(str(k) for k in range(SECTIONS))
    for section, part in network.sections.items():
        assert all(section_of(node) == int(section) for node in part)
    # Spread evenly enough that a change costs its reader about a 32nd of the network.
    assert max(len(part) for part in network.sections.values()) < 2 * 1_000 / SECTIONS
