"""The orchestrators: build_indexes names each step as it starts, in the order the steps depend on."""

from khabar.pipeline import build_indexes


def test_build_indexes_names_its_steps_in_order(demo_store, settings):
    steps = []
    report = build_indexes(demo_store, settings, force=True, on_step=steps.append)
    # The lexical index first (arrivals find their copy candidates in it), then copies (stories
    # fold a copy into its canonical's story), then stories.
    assert steps[:4] == ["load", "lexical", "copies", "stories"] and set(steps) <= {"load", "lexical", "copies", "stories", "ann"}
    assert list(report["seconds"]) == steps
    assert build_indexes(demo_store, settings, on_step=steps.append) == {"skipped": True, "version": report["version"]}
    assert len(steps) == len(report["seconds"])  # nothing to do: no step named
