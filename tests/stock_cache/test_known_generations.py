"""The generations a standalone reader keeps between reads, and when it must not send them."""

from __future__ import annotations

from stock_cache._known_generations import READ_IN_SCRIPT, KnownGenerations


def test_nothing_is_sent_before_a_script_has_returned_the_generations() -> None:
    known = KnownGenerations()

    assert known.part(["LYON"]) == ("", READ_IN_SCRIPT)
    assert known.at("4", ["LYON"]) is None


def test_generations_learnt_at_an_epoch_are_sent_with_it_for_those_nodes_only() -> None:
    known = KnownGenerations()
    known.learn("4", ["LYON", "PARIS"], [2, 0])

    assert known.part(["PARIS", "LYON"]) == ("4", b'["0","2"]]')
    assert known.at("4", ["LYON"]) == ["2"]
    # A node never read, or an epoch other than theirs: the script reads them itself.
    assert known.part(["LYON", "LILLE"]) == ("", READ_IN_SCRIPT)
    assert known.at("5", ["LYON"]) is None


def test_a_newer_epoch_replaces_every_generation_and_an_older_one_is_ignored() -> None:
    known = KnownGenerations()
    known.learn("4", ["LYON", "PARIS"], [2, 0])

    known.learn("5", ["LYON"], [3])
    known.learn("4", ["PARIS"], [0])

    assert known.part(["LYON"]) == ("5", b'["3"]]')
    assert known.part(["PARIS"]) == ("", READ_IN_SCRIPT)


def test_a_script_that_used_the_generations_sent_teaches_nothing() -> None:
    known = KnownGenerations()
    known.learn("4", ["LYON"], [2])

    known.learn("5", ["LYON"], [])

    assert known.part(["LYON"]) == ("4", b'["2"]]')
