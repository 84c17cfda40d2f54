"""tools.models.alternate: a round's figures and their medians as table rows with the goals' ratios."""

from tools.models import alternate


def _round(compile_wall, jit, cold, interpreter=None):
    return {"iree_compile_wall": compile_wall, "iree_compile_cpu": 2 * compile_wall, "jit": jit,
            "cold": cold, "interpreter": interpreter}


def test_a_row_gives_the_jit_over_iree_compiles_wall_and_cpu_and_cold_over_the_interpreter():
    row = alternate.line("shufflenet", "1", _round(2.0, 1.5, 3.0, interpreter=2.0))
    assert row == ("| shufflenet | 1 | 2.00 s / 4.00 s | 1.50 s | 0.75× / 0.38× | 2.00 s | 3.00 s | 1.50× |")
    assert row.count("|") == alternate.HEADER.splitlines()[0].count("|")


def test_medians_are_per_figure_and_skip_the_interpreter_when_it_was_not_timed():
    rounds = [_round(2.0, 1.0, 3.0), _round(4.0, 3.0, 1.0), _round(3.0, 2.0, 2.0)]
    assert alternate.medians(rounds) == {"iree_compile_wall": 3.0, "iree_compile_cpu": 6.0, "jit": 2.0,
                                         "cold": 2.0, "interpreter": None}
    assert alternate.line("m", "median", alternate.medians(rounds)).endswith("| – | 2.00 s | – |")
