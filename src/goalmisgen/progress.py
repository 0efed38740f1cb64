"""Progress bars that a saved notebook keeps finished.

tqdm's notebook bar (``tqdm.auto`` in a kernel) is a widget: a static page made from the executed
notebook shows it frozen at 0%. ``progress_bar`` takes tqdm's arguments and, in a Jupyter or Colab
kernel, shows tqdm's text bar as one output that every refresh replaces (``update_display``), so
the saved notebook, and the book built from it, holds the last state: a finished bar. Elsewhere (a
terminal, a script) it is tqdm's usual bar on stderr.
"""

from __future__ import annotations

import io

from tqdm.std import tqdm


class _DisplayedBar(tqdm):
    """tqdm's text bar shown as one display output that each refresh replaces (``update_display``)."""

    def __init__(self, *args, **kwargs):
        self._handle = None
        kwargs.setdefault("ascii", False)
        super().__init__(*args, file=io.StringIO(), **kwargs)

    def display(self, msg=None, pos=None):
        from IPython.display import display

        bundle = {"text/plain": self.__str__() if msg is None else msg}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        return True


def progress_bar(iterable=None, **kwargs) -> tqdm:
    """A tqdm bar (same arguments) that a saved notebook keeps finished; see the module docstring."""
    try:
        from IPython import get_ipython

        kernel = get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except ImportError:
        kernel = False
    if kernel and not kwargs.get("disable"):
        return _DisplayedBar(iterable, **kwargs)
    return tqdm(iterable, **kwargs)
