"""The exploration notebook runs top to bottom on a small store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.ranking_store import AS_OF, build_store

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore_shortlist.ipynb"


@pytest.mark.slow
def test_notebook_runs_on_a_small_store(tmp_path, monkeypatch):
    store = build_store(tmp_path / "store.db")
    monkeypatch.setenv("PROFSCOUT_DB", str(store))
    monkeypatch.setenv("PROFSCOUT_AS_OF", AS_OF.isoformat())
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "Alice Roboto" in text  # the shortlist table
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # score vs activity, timeline, region/institution
