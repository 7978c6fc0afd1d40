"""The peer's run held to Khabar's list rules, by Khabar's copy groups."""

from khabar.eval.report import hold_to_list_rules
from khabar.pipeline import build_indexes

WIRE = "https://wahanews.example/news/5001"  # the demo's wire story; its copies follow
COPIES = ["https://alofoq.example/news/2101", "https://nahar.example/news/3101", "https://sahel.example/news/4101"]


def test_copies_of_the_query_go_copies_of_one_another_count_once_and_deeper_items_refill(demo_store, settings):
    build_indexes(demo_store, settings)
    other = "https://marsad.example/news/6101"
    unknown = "https://elsewhere.test/1"
    run = {
        WIRE: [COPIES[0], other, COPIES[1], unknown],  # copies of the query itself: never listed
        other: [COPIES[0], COPIES[1], COPIES[2], WIRE, unknown, "https://elsewhere.test/2"],
    }
    held = hold_to_list_rules(demo_store, run, k=2)
    assert held[WIRE] == [other, unknown]
    assert held[other] == [COPIES[0], unknown]  # one of the four copies, then refilled from deeper
