"""The command line as a user runs it: output, JSON, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from capacity import load_scenario, plan
from capacity.apps.cli import main

from tests.conftest import DEFAULT_SCENARIO, ROOT, write


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capacity", *args], capture_output=True, text=True, cwd=ROOT)


def test_plan_json_equals_api():
    done = run("plan", str(DEFAULT_SCENARIO), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(plan(load_scenario(DEFAULT_SCENARIO)).to_json())


def test_plan_table_shows_segments_totals_and_guideposts(capsys):
    assert main(["plan", str(DEFAULT_SCENARIO)]) == 0
    out = capsys.readouterr().out
    result = plan(DEFAULT_SCENARIO)
    for seg in result.segments:
        assert seg.name in out
    total_line = next(line for line in out.splitlines() if line.startswith("Total"))
    assert f" {result.totals.headcount} " in total_line
    assert "$1M per CSM:   56 CSMs" in out


def test_bad_input_is_one_error_line_exit_2(tmp_path):
    path = write(tmp_path / "s.yaml", "csm: {loaded_cost_per_year: 1, customer_time_share: 1.5}\nsegments: []\n")
    done = run("plan", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: csm.customer_time_share: ")
    assert "Traceback" not in done.stderr


def test_missing_book_flag_file(tmp_path):
    done = run("plan", str(DEFAULT_SCENARIO), "--book", str(tmp_path / "none.csv"))
    assert (done.returncode, done.stderr.strip()) == (2, f"error: {tmp_path / 'none.csv'}: file not found")


def test_usage_error_is_one_line():
    done = run("plan")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1


def test_help_documents_commands():
    done = run("--help")
    assert done.returncode == 0
    for word in ("plan", "synth", "scenario file", "exit codes"):
        assert word in done.stdout


def test_out_writes_file_atomically(tmp_path):
    out = tmp_path / "plan.json"
    assert main(["plan", str(DEFAULT_SCENARIO), "--json", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["totals"]["headcount"] == plan(DEFAULT_SCENARIO).totals.headcount
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_synth_is_seeded(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["synth", "--accounts", "500", "--seed", "3", "--out", str(a)]) == 0
    assert main(["synth", "--accounts", "500", "--seed", "3", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    from capacity import load_book

    assert len(load_book(a)) == 500


@pytest.mark.parametrize("accounts", ["0", "-3"])
def test_synth_rejects_bad_count(tmp_path, accounts, capsys):
    assert main(["synth", "--accounts", accounts, "--out", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err.startswith("error: --accounts: must be at least 1")


def test_help_documents_fiscal_and_pools():
    done = run("--help")
    for word in ("fiscal", "fiscal_year", "pool_by: vertical", "--csv"):
        assert word in done.stdout
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), "a line of --help is printed twice"
    done = run("fiscal", "--help")
    assert done.returncode == 0 and "--json" in done.stdout and "--csv OUT" in done.stdout


def test_rebalance_help_documents_the_objectives_rules_and_keys():
    done = run("rebalance", "--help")
    assert done.returncode == 0
    for word in ("1. every CSM within", "2. the least move cost", "3. the most even", "locked", "parent_account_id",
                 "--freeze-days", "--as-of", "--moves CSV", "csms:", "rebalance:", "max_accounts", "ramp_months"):
        assert word in done.stdout, word
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), "a line of --help is printed twice"
    assert max(len(line) for line in done.stdout.splitlines()) <= 110


def test_plan_table_shows_vertical_pools(capsys):
    from tests.conftest import DATA

    path = DATA / "scenario-healthcare-pool.yaml"
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    seg = plan(path).segment("Mid-Market")
    whole = seg.headcount - seg.pool_split_extra_headcount
    assert (f"Mid-Market is sized in vertical pools, each rounded up: {seg.headcount} CSMs against {whole} "
            f"for one team ({seg.pool_split_extra_headcount:+d})") in out
    for pool in seg.pools:
        line = next(line for line in out.splitlines() if line.strip().startswith(pool.vertical))
        assert f" {pool.customers:,} " in line and line.split()[-2] == str(pool.headcount)


def test_fiscal_json_and_csv_are_exclusive(tmp_path):
    done = run("fiscal", str(DEFAULT_SCENARIO), "--json", "--csv", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_set_changes_one_input_for_the_run(capsys):
    path = "segments[Enterprise].touchpoints[Success plan review].per_month"
    assert main(["plan", str(DEFAULT_SCENARIO), "--json", "--set", f"{path}=2"]) == 0
    changed = json.loads(capsys.readouterr().out)
    expected = plan(load_scenario(DEFAULT_SCENARIO).with_changes({path: 2}))
    assert changed == json.loads(expected.to_json())
    assert changed["totals"]["headcount"] > plan(DEFAULT_SCENARIO).totals.headcount


@pytest.mark.parametrize("given, line", [
    ("segments[Enterprse].min_arr=5",
     f"error: {DEFAULT_SCENARIO}: segments[Enterprse].min_arr: unknown segment 'Enterprse' (did you mean 'Enterprise'?)"),
    ("oops", "error: --set: expected PATH=VALUE, e.g. csm.customer_time_share=0.6 (got 'oops')"),
    ("csm.pto_days=lots", f"error: {DEFAULT_SCENARIO}: csm.pto_days: must be a number (got 'lots'); "
                          "it is working days off a year: holidays, vacation and sick days"),
])
def test_a_bad_set_is_one_error_line(given, line):
    done = run("plan", str(DEFAULT_SCENARIO), "--set", given)
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (2, "", [line])


# -- the sample: --example, report without a scenario, `capacity sample` -------------------------


@pytest.mark.parametrize("command", ["plan", "fiscal", "team", "compare"])
def test_example_runs_a_command_on_the_packaged_sample(command, capsys):
    assert main([command, "--example"]) == 0
    on_sample = capsys.readouterr().out
    assert main([command, str(DEFAULT_SCENARIO)]) == 0
    assert on_sample == capsys.readouterr().out and on_sample


def test_a_command_without_a_scenario_asks_for_one_or_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["plan"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == ("error: capacity plan: give a scenario file, or --example for the sample "
                                       "shipped with capacity (see --help)\n")


def test_a_scenario_and_example_together_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fiscal", str(DEFAULT_SCENARIO), "--example"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith("error: capacity fiscal: give a scenario file or --example, not both")


def test_python_dash_m_names_itself_in_messages():
    done = run("plan")
    assert done.returncode == 2
    assert done.stderr.startswith("error: python -m capacity plan: give a scenario file")


def test_compare_example_sets_other_files_beside_the_sample(capsys):
    from tests.conftest import DATA

    other = DATA / "scenario-healthcare-pool.yaml"
    assert main(["compare", "--example", str(other), "--json"]) == 0
    with_example = json.loads(capsys.readouterr().out)
    assert main(["compare", str(DEFAULT_SCENARIO), str(other), "--json"]) == 0
    assert with_example == json.loads(capsys.readouterr().out)
    assert with_example["options"][-1]["name"] == other.name


def test_calibrate_example_reads_the_sample_log_and_needs_a_log_otherwise(capsys):
    from capacity import sample

    assert main(["calibrate", "--example", "--json"]) == 0
    with_example = json.loads(capsys.readouterr().out)
    assert main(["calibrate", str(sample.SCENARIO), "--activities", str(sample.ACTIVITIES), "--json"]) == 0
    assert with_example == json.loads(capsys.readouterr().out)
    with pytest.raises(SystemExit):
        main(["calibrate", str(sample.SCENARIO)])
    assert capsys.readouterr().err == ("error: capacity calibrate: the following argument is required: --activities "
                                       "(see --help)\n")


def test_report_without_a_scenario_is_the_sample(monkeypatch, tmp_path):
    from capacity import sample
    from capacity.apps import report

    seen = {}

    class Done:
        html = workbook = notebook = model = tmp_path / "x"

    def fake_render(scenario, **kwargs):
        seen["scenario"] = scenario
        return Done

    monkeypatch.setattr(report, "render", fake_render)
    assert main(["report", "--out", str(tmp_path)]) == 0
    assert seen["scenario"] == sample.SCENARIO


def test_sample_copies_every_file_and_never_overwrites(tmp_path, capsys):
    from capacity import sample

    out = tmp_path / "my-plan"
    assert main(["sample", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "scenario.yaml")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in sample.FILES)
    for source in sample.FILES:
        assert (out / source.name).read_bytes() == source.read_bytes()
    assert main(["plan", str(out / "scenario.yaml"), "--json"]) == 0  # the copy finds its book beside it
    assert json.loads(capsys.readouterr().out) == json.loads(plan(sample.SCENARIO).to_json())

    for copied in out.iterdir():
        copied.unlink()
    (out / "book.csv").write_text("mine\n")
    assert main(["sample", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: {out / 'book.csv'}: already exists; the sample never overwrites a "
                                       "file (choose another --out)\n")
    assert [p.name for p in out.iterdir()] == ["book.csv"] and (out / "book.csv").read_text() == "mine\n"


def test_app_is_a_command_that_checks_its_inputs_like_the_launcher(tmp_path, capsys):
    assert main(["app", str(tmp_path / "nope.yaml"), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nope.yaml" in err and len(err.splitlines()) == 1
    assert main(["app", "--port", "0"]) == 2  # the start page reads nothing: the port is refused
    assert capsys.readouterr().err == "error: --port 0: not a port number (1 to 65535)\n"


@pytest.mark.parametrize(("command", "blocked", "extra"), [
    (["fit", "--example", "--headcount", "15"], "scipy", "optimize"),
    (["rebalance", "--example"], "scipy", "optimize"),
    (["app", "--port", "8999"], "voila", "app"),
])
def test_a_missing_optional_dependency_names_the_extra_in_one_line(command, blocked, extra, monkeypatch, capsys):
    import importlib.util

    for name in [m for m in sys.modules if m == blocked or m.startswith(blocked + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, blocked, None)  # `import scipy` now fails as where it is not installed
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == blocked else real_find_spec(name, *a))
    assert main(command) == 1
    assert capsys.readouterr().err == (f"error: capacity {command[0]} needs {blocked}, which is not installed: "
                                       f"pip install 'capacity[{extra}]'\n")
