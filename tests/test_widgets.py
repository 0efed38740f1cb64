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


def test_recommender_explorer_has_a_static_figure_and_no_raw_repr():
    pytest.importorskip("ipywidgets")
    from goalmisgen.ads.explorer import recommender_explorer

    bundle = recommender_explorer(n_steps=50, n_trials=1)._repr_mimebundle_()
    assert bundle["text/html"].count("<img") == 1 and 'alt="' in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert not any(raw in str(bundle) for raw in ("interactive(children=", "FloatSlider("))


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


def test_progress_bar_leaves_one_finished_bar_in_a_saved_notebook():
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    from goalmisgen.progress import progress_bar

    assert progress_bar(range(3), disable=True) is not None  # outside a kernel: tqdm's own bar
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from goalmisgen.progress import progress_bar\n"
        "for _ in progress_bar(range(50), desc='levels', mininterval=0):\n    pass\n"
        "bar = progress_bar(total=1000, unit='step', unit_scale=True)\n"
        "for _ in range(10):\n    bar.update(100)\nbar.close()")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    shown = [o["data"]["text/plain"] for o in nb.cells[0].outputs]
    assert len(shown) == 2 and all("100%|" in text for text in shown), shown
    assert "levels: 100%" in shown[0] and "1.00k/1.00k" in shown[1]
