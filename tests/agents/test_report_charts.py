from types import SimpleNamespace

from agents.charts import markdown_table, report_dir, save_chart, write_markdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_chart_and_report_land_inside_the_data_folder(tmp_path):
    settings = SimpleNamespace(state_dir=tmp_path)
    folder = report_dir(settings, "pricing", "../../etc/passwd run 1")
    assert folder.resolve().is_relative_to(tmp_path.resolve())

    entry = save_chart(settings, folder, "profit/vs price", "Profit vs price",
                       lambda fig, ax: ax.plot([1, 2, 3], [3, 1, 2]))
    assert entry["title"] == "Profit vs price"
    assert not entry["path"].startswith("/")
    assert (tmp_path / entry["path"]).read_bytes().startswith(PNG_MAGIC)

    md = write_markdown(settings, folder, "# Report\n")
    assert (tmp_path / md).read_text(encoding="utf-8") == "# Report\n"


def test_markdown_table_escapes_pipes():
    table = markdown_table(["a", "b"], [["x|y", 1]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]
