"""The landing figure and the widgets' static fallbacks, from the shipped data."""

import numpy as np
import pandas as pd
import pytest

from goalmisgen.analysis.plots import HEADLINE_COLUMNS, PALETTE, headline_alt_text, headline_summary
from goalmisgen.paths import data_dir


@pytest.fixture(scope="module")
def episodes():
    return pd.read_csv(data_dir() / "coinrun_headline" / "episodes.csv")


def test_headline_summary_reads_only_its_columns(episodes):
    summary = headline_summary(episodes.loc[:, list(HEADLINE_COLUMNS)], n_boot=200)
    assert set(summary["placement"]) == {"end", "random"}
    assert (summary["ci_low"] <= summary["mean"]).all() and (summary["mean"] <= summary["ci_high"]).all()
    assert (summary["ci_high"] > summary["ci_low"]).all()
    text = headline_alt_text(summary)
    assert "coin moved" in text and "%" in text


def test_headline_summary_names_a_missing_column(episodes):
    with pytest.raises(ValueError, match="good"):
        headline_summary(episodes.drop(columns=["good"]))


def test_headline_summary_needs_both_placements(episodes):
    with pytest.raises(ValueError, match="coin_placement"):
        headline_summary(episodes[episodes["coin_placement"] == "end"])


def test_palette_is_okabe_ito():
    assert len(PALETTE) == len(set(PALETTE)) == 8


def test_level_explorer_has_a_static_gallery():
    pytest.importorskip("ipywidgets")
    from goalmisgen.analysis.widgets import level_explorer, level_image

    bundle = level_explorer("coinrun-grid", level_seed=2**31)._repr_mimebundle_()
    assert bundle["text/html"].count("<img") == 1 and 'alt="' in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    end, moved = level_image("coinrun-grid", 2**31, "end"), level_image("coinrun-grid", 2**31, "random")
    assert end.shape == moved.shape and end.dtype == np.uint8 and not np.array_equal(end, moved)


@pytest.mark.parametrize("bad", [True, -1, 1.5, "7"])
def test_level_image_refuses_bad_seeds(bad):
    from goalmisgen.analysis.widgets import level_image

    with pytest.raises(ValueError, match="level_seed"):
        level_image("coinrun-grid", bad, "end")


def test_agent_replay_records_a_gif(tiny_agent_path):
    pytest.importorskip("ipywidgets")
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.widgets import agent_replay

    agent = load_agent(tiny_agent_path)
    replay = agent_replay({"seed 0": agent}, level_seed=2**31 + 1, coin_placement="random")
    assert "data:image/gif;base64," in replay.static_html
    with pytest.raises(ValueError, match="agents"):
        agent_replay({})
